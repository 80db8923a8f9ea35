"""Headless ``import`` and ``export``: keys and certificates to and from files, in ckms 5.26's
formats (:mod:`kms_tui.client.transfer`).

``kms-tui import FILE [--format F] [--tag T] [--id ID] [--replace] [--password-file P]
[--unwrap] [--key-usage U] [--json]``: the format is detected when not given; a chain is
imported root first, each certificate linked to its issuer; a PKCS#12 becomes a private key,
its public key, the certificate and the chain, linked to each other.

``kms-tui export ID`` (no ``--format``): a public key or certificate as PEM, to stdout or ``-o``
(a private key: its public key), as before. ``kms-tui export ID --format F -o FILE [--wrap-key
K --wrap-alg A] [--pkcs12-password-file P] [--allow-revoked] [--force]``: every format;
private and symmetric key material is written 0600 and recorded in the audit trail (what, which
format, which file: never the bytes).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from kms_tui.client import KmsClient
from kms_tui.client.pem import NotExportable, to_pem
from kms_tui.client.transfer import export_files, import_files
from kms_tui.client.transfer.files import FileProblem, read_input, write_output
from kms_tui.commands import lifecycle
from kms_tui.commands.headless import Result, UsageError, object_id, run_with_client
from kms_tui.commands.output import say
from kms_tui.kmip import transfer
from kms_tui.safetext import visible

WRAPPABLE = ("json-ttlv", "raw", "base64")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "import",
        help="import a key or certificate from a file (format detected, or --format)",
        description="Import a key, a certificate, a chain or a PKCS#12 from a file. Formats: "
        + ", ".join(import_files.FORMATS)
        + ".",
    )
    p.set_defaults(func=run_import, writes=True)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--format", "-f", choices=import_files.FORMATS, help="the file's format (detected if left out)")
    p.add_argument("--tag", "-t", action="append", default=[], help="repeatable")
    p.add_argument("--id", dest="uid", default="", help="the id to give it (a UUID if left out)")
    p.add_argument("--replace", "-r", action="store_true", help="replace an existing object with this id")
    p.add_argument("--password-file", metavar="P", help="the PKCS#12 (or encrypted PEM) password, in a file")
    p.add_argument("--unwrap", "-u", action="store_true", help="unwrap a wrapped json-ttlv key before storing it")
    p.add_argument("--wrap-key", "-w", metavar="ID", help="store the key wrapped by this key of the KMS")
    p.add_argument(
        "--key-usage",
        action="append",
        default=[],
        choices=tuple(transfer.KEY_USAGES),
        metavar="USAGE",
        help="repeatable: " + ", ".join(transfer.KEY_USAGES),
    )
    p.add_argument("--public-key-id", help="for a private key: link it to this public key")
    p.add_argument("--private-key-id", help="for a public key or certificate: link it to this private key")
    p.add_argument("--certificate-id", help="for a key: link it to this certificate; for a certificate: its issuer")

    p = subparsers.add_parser(
        "export",
        help="export a key or certificate to a file (no --format: public PEM, as before)",
        description="Without --format: write a public key or certificate as PEM (a private key: its public "
        "key). With --format: " + ", ".join(transfer.EXPORT_FORMATS) + ".",
    )
    p.set_defaults(func=run_export, writes=lambda args: bool(getattr(args, "force", False)))
    p.add_argument("id")
    p.add_argument("--format", "-f", choices=tuple(transfer.EXPORT_FORMATS), help="the file format")
    p.add_argument("-o", "--output", metavar="FILE", help="the file to write (required with --format)")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.add_argument("--wrap-key", metavar="ID", help="wrap the key with this key of the KMS before export")
    p.add_argument(
        "--wrap-alg",
        metavar="ALG",
        help="rfc5649 | rfc3394 | aes-gcm | rsa-pkcs1v15 | rsa-oaep | "
        "rsa-aes-kw | ecies (an EC key; or ckms's names: nist-key-wrap, rsa-oaep-sha1…)",
    )
    p.add_argument("--unwrap", action="store_true", help="unwrap a key stored wrapped before export")
    p.add_argument("--pkcs12-password-file", metavar="P", help="the PKCS#12 password, in a file (else asked)")
    p.add_argument(
        "--allow-revoked",
        action="store_true",
        help="export even when the key, or its key-pair partner, is Compromised or Deactivated",
    )


# -- import ---------------------------------------------------------------------------------------


def _password(path: str | None) -> str | None:
    if not path:
        return None
    return read_input(path, "password file").decode("utf-8", "replace").rstrip("\r\n")


def run_import(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        data = read_input(args.file, "file to import")
        password = _password(args.password_file)
        plan = import_files.read_file(data, args.format, password)
        if plan.needs_password:
            raise UsageError(
                f"{visible(args.file)} is password-protected",
                "give its password with --password-file",
                reason="password",
            )
        links = {
            k: v
            for k, v in (
                ("PublicKeyLink", args.public_key_id),
                ("PrivateKeyLink", args.private_key_id),
                ("CertificateLink", args.certificate_id),
            )
            if v
        }
        opts = import_files.ImportOptions(
            uid=args.uid,
            tags=import_files.tags_of(args.tag),
            usages=tuple(args.key_usage),
            replace=args.replace,
            unwrap=args.unwrap,
            password=password or "",
            links=links,
            wrap_key=args.wrap_key or "",
        )
        if args.wrap_key:
            await import_files.check_wrapping_key(client, plan, args.wrap_key)
        ids = await import_files.send(client, plan, opts)
        main = ids[-1]
        data_out: dict[str, Any] = {"id": main, "ids": ids, **import_files.to_json(plan)}
        lines = [f"imported {plan.format} from {visible(args.file)}: {visible(main)}"]
        if plan.format == "pkcs12" and main.endswith("_sk"):
            leaf = main[:-3]
            data_out.update(private_key_id=main, public_key_id=leaf + "_pk", certificate_id=leaf)
            lines += [
                f"  private key {visible(main)}",
                f"  public key  {visible(leaf + '_pk')}",
                f"  certificate {visible(leaf)}",
            ]
        elif len(ids) > 1:
            lines += [f"  certificate {visible(i)}" for i in reversed(ids)]
        lines += [f"  {d}" for d in plan.descriptions]
        return Result(data_out, "\n".join(lines))

    return run_with_client(args, body)


# -- export ---------------------------------------------------------------------------------------


def _pkcs12_password(args: argparse.Namespace) -> str:
    if args.pkcs12_password_file:
        return _password(args.pkcs12_password_file) or ""
    if sys.stdin.isatty():
        first = getpass.getpass("PKCS#12 password: ")
        if getpass.getpass("again: ") != first:
            raise UsageError("the two passwords differ", "run again and type the same password twice")
        return first
    raise UsageError(
        "a PKCS#12 needs a password", "give it with --pkcs12-password-file (or run in a terminal)", reason="password"
    )


def run_export(args: argparse.Namespace) -> int:
    if not args.format:
        if args.wrap_key or args.pkcs12_password_file or args.unwrap:
            return run_with_client(args, _needs_format)
        return run_legacy_export(args)

    async def body(client: KmsClient) -> Result:
        fmt = export_files.format_named(args.format)
        if not args.output:
            raise UsageError("--format needs -o FILE", "name the file to write", reason="output")
        if args.wrap_key and args.format not in WRAPPABLE:
            raise UsageError(
                f"a wrapped key is written as {', '.join(WRAPPABLE)}, not {args.format}",
                "choose --format raw (the wrapped bytes) or json-ttlv",
                reason="format",
            )
        wrap_alg = None
        if args.wrap_alg:
            try:
                wrap_alg = transfer.wrap_algorithm(args.wrap_alg)
            except ValueError as exc:
                raise UsageError(
                    str(exc), "one of: " + ", ".join([*transfer.WRAP_ALIASES, *transfer.WRAPPING_ALGORITHMS])
                ) from None
            if not args.wrap_key:
                raise UsageError("--wrap-alg needs --wrap-key ID", reason="wrap")
        uid = await _one_id(client, object_id(args.id))
        attrs = await client.get_attributes(uid, with_tags=False)
        object_type = str(attrs.get("ObjectType", ""))
        export_files.check_format(fmt, object_type)
        revoked = await lifecycle.revoked_in_family(client, uid, attrs)
        if revoked and not args.allow_revoked:
            raise lifecycle.export_refusal(uid, revoked)
        password = _pkcs12_password(args) if fmt.encoding == "pkcs12" else None
        out = await export_files.export_to_file(
            client,
            uid,
            object_type,
            fmt,
            args.output,
            wrap_key=args.wrap_key,
            wrap_alg=wrap_alg,
            pkcs12_password=password,
            unwrap=args.unwrap,
            allow_revoked=args.allow_revoked,
            force=args.force,
        )
        material, got, path = out.get("material"), out["id"], out["file"]
        if revoked:
            out["revoked"] = [{"id": i, "state": s} for i, s in revoked]
            say(
                "warning: exporting although "
                + ", ".join(f"{visible(i)} is {s}" for i, s in revoked)
                + " (--allow-revoked)"
            )
        if material and not args.wrap_key:
            say(f"note: {visible(path)} holds the {material} {visible(got)} in the clear (mode 0600)")
        return Result(out, f"wrote {out['type'] or 'object'} {visible(got)} as {fmt.name} to {visible(path)}")

    return run_with_client(args, body)


async def _needs_format(_client: KmsClient) -> Result:
    raise UsageError(
        "--wrap-key, --unwrap and --pkcs12-password-file need --format",
        "add --format (e.g. raw or json-ttlv for a wrapped key, pkcs12 for a PKCS#12)",
    )


class SeveralMatches(UsageError):
    def __init__(self, selector: str, ids: list[str]) -> None:
        shown = ", ".join(visible(i) for i in ids)
        super().__init__(
            f"{visible(selector)} matches {len(ids)} objects: {shown}",
            "name the id of the one to export",
            reason="several_matches",
        )
        self.json_fields = {"matches": ids}


async def _one_id(client: KmsClient, selector: str) -> str:
    ids = await lifecycle.resolve_ids(client, selector)
    if len(ids) > 1:
        raise SeveralMatches(selector, ids)
    return ids[0]


# -- the default export: public PEM ----------------------------------------------------------------


def run_legacy_export(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        requested = await _one_id(client, object_id(args.id))
        # Look before exporting: private and secret key material is never fetched for nothing.
        attrs = await client.get_attributes(requested, with_tags=False)
        kind = str(attrs.get("ObjectType", ""))
        target, note = requested, ""
        if kind == "PrivateKey":
            public = next(
                (str(link["id"]) for link in attrs.get("links", []) if link.get("type") == "PublicKeyLink"), ""
            )
            if not public:
                raise NotExportable(
                    f"{visible(requested)} is a private key with no public key linked",
                    "export it with --format (e.g. pkcs8-pem -o FILE)",
                    reason="not_public",
                )
            target = public
            note = f"{visible(requested)} is a private key: exporting its public key {visible(public)}"
        elif kind not in ("PublicKey", "Certificate"):
            raise NotExportable(
                f"{visible(requested)} is a {kind or 'object'}, not a public key or certificate",
                "export it with --format (e.g. raw or json-ttlv -o FILE)",
                reason="not_public",
            )
        revoked = await lifecycle.revoked_in_family(client, requested, attrs)
        if revoked and not args.allow_revoked:
            raise lifecycle.export_refusal(requested, revoked)
        if note:
            say(f"note: {note}")
        if revoked:
            say(
                "warning: exporting although "
                + ", ".join(f"{visible(i)} is {s}" for i, s in revoked)
                + " (--allow-revoked)"
            )
        response = await client.export(target)
        pem = to_pem(response)
        uid = str(response.get_value("UniqueIdentifier", target))
        extra: dict[str, Any] = {}
        if target != requested:
            extra = {"requested_id": requested, "note": note}
        if revoked:
            extra["revoked"] = [{"id": i, "state": s} for i, s in revoked]
        if args.output:
            try:
                write_output(args.output, pem.encode(), secret=False, force=args.force)
            except FileProblem as exc:
                raise UsageError(exc.message, exc.fix, reason="file") from None
            return Result({"id": uid, "file": args.output, **extra}, f"wrote {args.output}")
        return Result({"id": uid, "pem": pem, **extra}, pem.rstrip("\n"))

    return run_with_client(args, body)
