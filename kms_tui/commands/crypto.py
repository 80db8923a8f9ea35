"""Headless key operations, after ckms: encrypt, decrypt, sign, verify, mac.

``-i -`` reads stdin and ``-o -`` writes stdout (raw bytes). Files are written 0600 through a
temporary file in the same directory and never over an existing file without ``--force``.
Symmetric ciphertext files are ``nonce || ciphertext || tag``, as ``ckms sym encrypt`` writes them.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from kms_tui import exitcodes
from kms_tui.client import KmsClient, crypto
from kms_tui.commands.headless import Result, UsageError, object_id, run_with_client
from kms_tui.kmip.models.crypto_requests import DATA_ALGORITHMS, RSA_ALGORITHMS, cryptographic_parameters
from kms_tui.kmip.ttlv import TTLV

ALGORITHMS = tuple(DATA_ALGORITHMS) + tuple(RSA_ALGORITHMS)
SIGNATURES = {  # --algorithm for sign/verify → DigitalSignatureAlgorithm (and hash)
    "rsa-pss": {
        "DigitalSignatureAlgorithm": "RSASSAPSS",
        "HashingAlgorithm": "SHA256",
        "MaskGeneratorHashingAlgorithm": "SHA256",
    },  # what `ckms rsa sign` sends
    "rsa-pkcs1v15": {"DigitalSignatureAlgorithm": "SHA256WithRSAEncryption"},
    "ecdsa-sha256": {"DigitalSignatureAlgorithm": "ECDSAWithSHA256"},
    "ecdsa-sha384": {"DigitalSignatureAlgorithm": "ECDSAWithSHA384"},
    "ecdsa-sha512": {"DigitalSignatureAlgorithm": "ECDSAWithSHA512"},
}
HASHES = ("SHA1", "SHA224", "SHA256", "SHA384", "SHA512", "SHA3224", "SHA3256", "SHA3384", "SHA3512")


def _hash_name(text: str) -> str:
    name = text.upper().replace("-", "").replace("_", "")
    if name not in HASHES:
        raise argparse.ArgumentTypeError(f"unknown hash {text!r} (one of: {', '.join(h.lower() for h in HASHES)})")
    return name


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add encrypt, decrypt, sign, verify and mac to the ``kms-tui`` parser."""

    def command(name: str, help_: str, func: Any) -> argparse.ArgumentParser:
        p = subparsers.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        p.add_argument("id", help='key id, or a JSON array of tags: \'["t1","t2"]\'')
        p.add_argument("-i", "--input", required=True, metavar="FILE", help="input file, or - for stdin")
        return p

    def output(p: argparse.ArgumentParser, what: str) -> None:
        p.add_argument("-o", "--output", required=True, metavar="FILE", help=f"{what} file, or - for stdout")
        p.add_argument("--force", action="store_true", help="replace the output file if it exists")

    p = command("encrypt", "encrypt a file with a symmetric key, a public key or a certificate", run_encrypt)
    output(p, "ciphertext")
    p.add_argument(
        "--algorithm",
        choices=ALGORITHMS,
        help="default: the server's (AES-GCM for AES keys, RSA-OAEP SHA-256 for RSA keys)",
    )
    p.add_argument("--hash", type=_hash_name, default="SHA256", help="RSA-OAEP / RSA-AES hash (default sha256)")
    p.add_argument("--aad", metavar="HEX", help="additional authenticated data, hex (AEAD modes)")

    p = command("decrypt", "decrypt a file with a symmetric or private key", run_decrypt)
    output(p, "plaintext")
    p.add_argument(
        "--algorithm", choices=ALGORITHMS, help="default: from the key (AES-GCM, ChaCha20-Poly1305, RSA-OAEP)"
    )
    p.add_argument("--hash", type=_hash_name, default="SHA256", help="RSA-OAEP / RSA-AES hash (default sha256)")
    p.add_argument("--aad", metavar="HEX", help="additional authenticated data, hex (AEAD modes)")

    p = command("sign", "sign a file with a private key", run_sign)
    output(p, "signature")
    p.add_argument(
        "--algorithm",
        choices=tuple(SIGNATURES),
        help="default: the server's (RSA-PSS SHA-256 for RSA, ECDSA SHA-256, EdDSA)",
    )
    p.add_argument("--digested", action="store_true", help="the input is already a digest")

    p = command("verify", "verify a signature (exit 0 valid, 1 invalid)", run_verify)
    p.add_argument("--signature", required=True, metavar="FILE", help="the signature file, or - for stdin")
    p.add_argument("--algorithm", choices=tuple(SIGNATURES), help="as given to sign")
    p.add_argument("--digested", action="store_true", help="the input is already a digest")

    p = command("mac", "compute the HMAC of a file with a symmetric key", run_mac)
    output(p, "MAC")
    p.add_argument("--hash", type=_hash_name, default="SHA256", help="HMAC hash (default sha256)")


# -- files -------------------------------------------------------------------------------------------


def read_input(name: str, what: str = "input") -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).expanduser().read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the {what} file {name}: {exc.strerror or exc}") from None


def write_output(name: str, data: bytes, *, force: bool) -> None:
    """Write ``data`` 0600 (stdout for ``-``); an existing file is kept unless ``force``."""
    if name == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    path = Path(name).expanduser()
    if path.exists() and not force:
        raise UsageError(f"{name} already exists", "choose another output file, or pass --force to replace it")
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.")  # created 0600
    except OSError as exc:
        raise UsageError(f"cannot write {name}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if the file appeared meanwhile: never overwritten
            except FileExistsError:
                raise UsageError(f"{name} already exists", "choose another output file, or pass --force") from None
            os.unlink(tmp)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _hex(text: str | None, what: str) -> bytes | None:
    if text is None:
        return None
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise UsageError(f"{what} is not hexadecimal", "e.g. --aad 0a1b2c") from None


def _check_stdout(args: argparse.Namespace) -> None:
    if getattr(args, "output", None) == "-" and getattr(args, "json", False):
        raise UsageError("--json and -o - both write to stdout", "write the output to a file with -o FILE")


def _done(args: argparse.Namespace, data: dict[str, Any], text: str) -> Result:
    if args.output == "-":  # stdout holds the bytes: the note goes to stderr
        print(text, file=sys.stderr)
        return Result(data, "")
    return Result(data, text)


def _enc_params(algorithm: str | None, hash_name: str) -> TTLV | None:
    if algorithm is None:
        return None
    if algorithm in RSA_ALGORITHMS:
        return crypto.rsa_params(algorithm, hash_name)
    return crypto.data_params(algorithm)


# -- commands ------------------------------------------------------------------------------------------


def run_encrypt(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        _check_stdout(args)
        uid, plaintext, aad = object_id(args.id), read_input(args.input), _hex(args.aad, "--aad")
        sealed = await crypto.encrypt(client, uid, plaintext, params=_enc_params(args.algorithm, args.hash), aad=aad)
        blob = sealed.file_bytes()
        write_output(args.output, blob, force=args.force)
        return _done(
            args,
            {
                "id": uid,
                "output": args.output,
                "bytes": len(blob),
                "nonce_bytes": len(sealed.nonce),
                "tag_bytes": len(sealed.tag),
            },
            f"encrypted {len(plaintext)} bytes with {uid} → {args.output}",
        )

    return run_with_client(args, body)


async def _key_kind(client: KmsClient, uid: str) -> tuple[str, str]:
    attrs = await client.get_attributes(uid, with_tags=False)
    return str(attrs.get("ObjectType", "")), str(attrs.get("CryptographicAlgorithm", ""))


def run_decrypt(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        _check_stdout(args)
        uid, blob, aad = object_id(args.id), read_input(args.input), _hex(args.aad, "--aad")
        algorithm = args.algorithm
        if algorithm is None:  # as the key's kind implies
            kind, key_algorithm = await _key_kind(client, uid)
            if kind == "PrivateKey":
                algorithm = "rsa-default"
            else:
                algorithm = "chacha20-poly1305" if key_algorithm == "ChaCha20Poly1305" else "aes-gcm"
        if algorithm in DATA_ALGORITHMS:
            plaintext = await crypto.decrypt_file_bytes(client, uid, blob, algorithm, aad=aad)
        else:
            params = None if algorithm == "rsa-default" else crypto.rsa_params(algorithm, args.hash)
            plaintext = await crypto.decrypt(client, uid, blob, params=params)
        write_output(args.output, plaintext, force=args.force)
        return _done(
            args,
            {"id": uid, "output": args.output, "bytes": len(plaintext)},
            f"decrypted {len(plaintext)} bytes with {uid} → {args.output}",
        )

    return run_with_client(args, body)


def _sig_params(algorithm: str | None) -> TTLV | None:
    return None if algorithm is None else cryptographic_parameters(**SIGNATURES[algorithm])


def run_sign(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        _check_stdout(args)
        uid, data = object_id(args.id), read_input(args.input)
        signature = await crypto.sign(client, uid, data, params=_sig_params(args.algorithm), digested=args.digested)
        write_output(args.output, signature, force=args.force)
        return _done(
            args,
            {"id": uid, "output": args.output, "bytes": len(signature)},
            f"signed with {uid} → {args.output} ({len(signature)}-byte signature)",
        )

    return run_with_client(args, body)


def run_verify(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        if args.input == "-" and args.signature == "-":
            raise UsageError("the data and the signature cannot both come from stdin")
        uid, data = object_id(args.id), read_input(args.input)
        signature = read_input(args.signature, "signature")
        valid = await crypto.verify(
            client, uid, data, signature, params=_sig_params(args.algorithm), digested=args.digested
        )
        if valid:
            return Result({"id": uid, "valid": True}, f"signature is valid (key {uid})")
        return Result(
            {"id": uid, "valid": False},
            f"signature is INVALID: it does not match {args.input} for key {uid}",
            exitcodes.REFUSED,
        )

    return run_with_client(args, body)


def run_mac(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        _check_stdout(args)
        uid, data = object_id(args.id), read_input(args.input)
        tag = await crypto.mac(client, uid, data, args.hash)
        write_output(args.output, tag, force=args.force)
        return _done(
            args,
            {"id": uid, "output": args.output, "hash": args.hash, "bytes": len(tag)},
            f"HMAC-{args.hash} with {uid} → {args.output}",
        )

    return run_with_client(args, body)
