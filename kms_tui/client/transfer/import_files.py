"""What an import file holds and the Import requests that bring it into the KMS.

``read_file(data, fmt=None, password=None)`` returns an :class:`ImportPlan`: the format (ckms's
name: ``ImportKeyFormat`` for keys, ``CertificateInputFormat`` for certificates), a description
of each object for the preview (type, algorithm, size, subject: never key bytes), and the
objects to send. The format is detected when not given: JSON TTLV, PEM blocks (keys, one
certificate, or a chain), DER (a certificate, PKCS#1/PKCS#8/SEC1 keys told apart by their ASN.1
shape), PKCS#12 (a PFX: version 3), else raw bytes of 16, 24 or 32 bytes as an AES key.

``requests(plan, options)`` builds the Imports as ckms does (``import_key.rs``,
``import_certificate.rs``): a chain is imported root first, each certificate linked to its issuer
(``CertificateLink``); a PKCS#12 is one Import the server splits into private key, public key,
certificate and chain, linked to each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from cryptography import x509
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

from kms_tui.client.errors import InvalidValue
from kms_tui.kmip import transfer
from kms_tui.kmip.ttlv import TTLV, TTLVError, decode
from kms_tui.safetext import visible

FORMATS = transfer.IMPORT_KEY_FORMATS + tuple(
    f for f in transfer.IMPORT_CERTIFICATE_FORMATS if f not in transfer.IMPORT_KEY_FORMATS
)
_OBJECT_TAGS = ("SymmetricKey", "PrivateKey", "PublicKey", "Certificate", "SecretData", "OpaqueObject")
# PEM labels → (object type, KeyFormatType) as objects_from_pem reads them.
_PEM_KEYS = {
    "RSA PRIVATE KEY": ("PrivateKey", "PKCS1"),
    "RSA PUBLIC KEY": ("PublicKey", "PKCS1"),
    "PRIVATE KEY": ("PrivateKey", "PKCS8"),
    "PUBLIC KEY": ("PublicKey", "PKCS8"),
    "EC PRIVATE KEY": ("PrivateKey", "ECPrivateKey"),
}
_DER_FORMATS = {
    "sec1": ("PrivateKey", "ECPrivateKey"),
    "pkcs1-priv": ("PrivateKey", "PKCS1"),
    "pkcs1-pub": ("PublicKey", "PKCS1"),
    "pkcs8-priv": ("PrivateKey", "PKCS8"),
    "pkcs8-pub": ("PublicKey", "PKCS8"),
}


class ImportFileError(InvalidValue):
    """The file cannot be read as the format given or detected (exit 3)."""

    default_fix = "check the file, or name its format with --format"


@dataclass
class ImportPlan:
    format: str
    detected: bool
    objects: list[TTLV] = field(default_factory=list)  # leaf first for a chain
    descriptions: list[str] = field(default_factory=list)
    pkcs12: bytes | None = None
    needs_password: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        head = f"format: {self.format}" + (" (detected)" if self.detected else "")
        return "\n".join([head, *self.descriptions, *(f"note: {n}" for n in self.notes)])


@dataclass
class ImportOptions:
    uid: str = ""
    tags: tuple[str, ...] = ()
    usages: tuple[str, ...] = ()
    replace: bool = False
    unwrap: bool = False
    password: str = field(default="", repr=False)  # a PKCS#12 password: never in a repr or log
    links: dict[str, str] = field(default_factory=dict)
    now: datetime | None = None
    wrap_key: str = ""


# -- describing what is inside ----------------------------------------------------------------


def describe_key(key: PrivateKeyTypes | PublicKeyTypes) -> str:
    """``RSA 2048``, ``EC P-256``, ``Ed25519``… (never a byte of the key)."""
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return f"RSA {key.key_size}"
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return f"EC {key.curve.name}"
    if isinstance(key, (dsa.DSAPrivateKey, dsa.DSAPublicKey)):
        return f"DSA {key.key_size}"
    for classes, name in (
        ((ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey), "Ed25519"),
        ((ed448.Ed448PrivateKey, ed448.Ed448PublicKey), "Ed448"),
        ((x25519.X25519PrivateKey, x25519.X25519PublicKey), "X25519"),
        ((x448.X448PrivateKey, x448.X448PublicKey), "X448"),
    ):
        if isinstance(key, classes):
            return name
    return type(key).__name__


def describe_certificate(cert: x509.Certificate) -> str:
    subject = cert.subject.rfc4514_string() or "(empty subject)"
    issuer = cert.issuer.rfc4514_string() or "(empty issuer)"
    until = cert.not_valid_after_utc.strftime("%Y-%m-%d")
    try:
        key = describe_key(cert.public_key())
    except Exception:  # noqa: BLE001 - an unusual key type is still importable
        key = "unknown key"
    return f"certificate {visible(subject)} ({key}), issued by {visible(issuer)}, valid until {until}"


def _describe_object(obj: TTLV) -> str:
    if obj.tag == "Certificate":
        value = obj.get_value("CertificateValue")
        try:
            return describe_certificate(x509.load_der_x509_certificate(value))
        except (TypeError, ValueError):
            return "certificate (not readable as X.509 DER)"
    block = obj.get("KeyBlock")
    if block is None:
        return obj.tag
    fmt = block.get_value("KeyFormatType", "")
    alg = block.get_value("CryptographicAlgorithm")
    length = block.get_value("CryptographicLength")
    kind = {
        "SymmetricKey": "symmetric key",
        "PrivateKey": "private key",
        "PublicKey": "public key",
        "SecretData": "secret data",
    }.get(obj.tag, obj.tag)
    if transfer.is_wrapped(obj):
        kek = obj.find("KeyBlock/KeyWrappingData/EncryptionKeyInformation/UniqueIdentifier")
        by = f" by {visible(str(kek.value))}" if kek is not None else ""
        return f"{kind} ({visible(str(alg or ''))} {length or ''}".rstrip() + f"), wrapped{by}"
    material = block.find("KeyValue/KeyMaterial")
    if obj.tag in ("PrivateKey", "PublicKey") and material is not None and material.type == "ByteString":
        try:
            key = (
                ser.load_der_private_key(material.value, None)
                if obj.tag == "PrivateKey"
                else ser.load_der_public_key(material.value)
            )
            return f"{kind} {describe_key(key)} ({fmt})"
        except (TypeError, ValueError):
            return f"{kind} ({fmt}, not readable)"
    parts = [str(p) for p in (alg, length) if p]
    return f"{kind} {' '.join(parts)} ({fmt})".replace("  ", " ")


# -- ASN.1 shape --------------------------------------------------------------------------------


def _der_items(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[int, int, int]]:
    """(tag, content start, content end) of the DER items between ``start`` and ``end``."""
    end = len(data) if end is None else end
    out, i = [], start
    while i < end:
        if i + 2 > end:
            raise ValueError("truncated")
        tag, first = data[i], data[i + 1]
        i += 2
        if first < 0x80:
            length = first
        else:
            n = first & 0x7F
            if n == 0 or n > 4 or i + n > end:
                raise ValueError("bad length")
            length = int.from_bytes(data[i : i + n], "big")
            i += n
        if i + length > end:
            raise ValueError("truncated")
        out.append((tag, i, i + length))
        i += length
    return out


def der_shape(data: bytes) -> str | None:
    """``pkcs8-priv``, ``pkcs1-priv``, ``sec1``, ``pkcs8-pub``, ``pkcs1-pub``, ``x509``,
    ``pkcs12`` or None, from the ASN.1 structure alone."""
    try:
        outer = _der_items(data)
        if len(outer) != 1 or outer[0][0] != 0x30:
            return None
        inner = _der_items(data, outer[0][1], outer[0][2])
    except ValueError:
        return None
    if len(inner) < 2:
        return None
    (t0, s0, e0), t1 = inner[0], inner[1][0]
    if t0 == 0x02:
        version = int.from_bytes(data[s0:e0], "big")
        if version == 3 and t1 == 0x30:
            return "pkcs12"
        if version == 1 and t1 == 0x04:
            return "sec1"
        if version in (0, 1) and t1 == 0x30:
            return "pkcs8-priv"
        if version == 0 and t1 == 0x02:
            return "pkcs1-priv"
        if len(inner) == 2 and t1 == 0x02:
            return "pkcs1-pub"
        return None
    if t0 == 0x30 and t1 == 0x03 and len(inner) == 2:
        return "pkcs8-pub"
    if t0 == 0x30 and len(inner) == 3:
        return "x509"
    return None


# -- reading ------------------------------------------------------------------------------------


def read_file(data: bytes, fmt: str | None = None, password: str | None = None) -> ImportPlan:
    """What ``data`` holds, read as ``fmt`` (or detected); ImportFileError when unreadable."""
    if fmt is not None and fmt not in FORMATS:
        raise ImportFileError(f"unknown import format {fmt!r}", f"one of: {', '.join(FORMATS)}", reason="format")
    if not data:
        raise ImportFileError("the file is empty", "choose the file that holds the key or certificate", reason="empty")
    detected = fmt is None
    fmt = fmt or _detect(data)
    plan = ImportPlan(fmt, detected)
    reader = {
        "json-ttlv": _read_json,
        "pem": _read_pem,
        "chain": _read_pem,
        "der": _read_der_certificate,
        "pkcs12": _read_pkcs12,
        "aes": _read_symmetric,
        "chacha20": _read_symmetric,
    }.get(fmt, _read_der_key)
    reader(plan, data, password)
    if not plan.descriptions:
        plan.descriptions = [_describe_object(o) for o in plan.objects]
    return plan


def _detect(data: bytes) -> str:
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        return "json-ttlv"
    if b"-----BEGIN " in data[:4096]:
        blocks = _pem_labels(data)
        certs = [b for b in blocks if b == "CERTIFICATE"]
        if len(certs) > 1 and len(certs) == len(blocks):
            return "chain"
        return "pem"
    shape = der_shape(data)
    if shape == "x509":
        return "der"
    if shape in ("pkcs12", "sec1", "pkcs8-priv", "pkcs1-priv", "pkcs8-pub", "pkcs1-pub"):
        return shape
    if len(data) in (16, 24, 32):
        return "aes"
    raise ImportFileError(
        "the file's format could not be told from its content",
        f"name it with --format ({', '.join(FORMATS)})",
        reason="undetected",
    )


def _pem_labels(data: bytes) -> list[str]:
    labels = []
    for line in data.decode("ascii", "replace").splitlines():
        line = line.strip()
        if line.startswith("-----BEGIN ") and line.endswith("-----"):
            labels.append(line[len("-----BEGIN ") : -5])
    return labels


def _read_json(plan: ImportPlan, data: bytes, _password: str | None) -> None:
    try:
        node = decode(data.decode("utf-8"))
    except (TTLVError, UnicodeDecodeError, ValueError) as exc:
        raise ImportFileError(f"not a KMIP JSON TTLV object: {visible(str(exc))[:200]}", reason="json") from None
    if node.tag not in _OBJECT_TAGS:
        raise ImportFileError(
            f"the JSON TTLV holds a {visible(node.tag)}, not a key, certificate or secret",
            "export the object with ckms or kms-tui (json-ttlv) and import that file",
            reason="json",
        )
    plan.objects = [node]


def _pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    import base64

    out: list[tuple[str, bytes]] = []
    label: str | None = None
    body: list[str] = []
    for line in data.decode("ascii", "replace").splitlines():
        line = line.strip()
        if line.startswith("-----BEGIN ") and line.endswith("-----"):
            label, body = line[11:-5], []
        elif line.startswith("-----END ") and label is not None:
            try:
                out.append((label, base64.b64decode("".join(body), validate=False)))
            except ValueError:
                raise ImportFileError(f"the PEM block {visible(label)} is not valid base64", reason="pem") from None
            label = None
        elif label is not None and ":" not in line:
            body.append(line)
    return out


def _read_pem(plan: ImportPlan, data: bytes, password: str | None) -> None:
    """``objects_from_pem``: keys (a private key wins over public keys) or certificates."""
    blocks = _pem_blocks(data)
    if not blocks:
        raise ImportFileError("no PEM block in the file", reason="pem")
    certs, keys = [], []
    for label, der in blocks:
        if label == "CERTIFICATE":
            try:
                certs.append(x509.load_der_x509_certificate(der))
            except ValueError:
                raise ImportFileError("a CERTIFICATE block is not an X.509 certificate", reason="pem") from None
        elif label in _PEM_KEYS:
            keys.append((label, der))
        elif label == "ENCRYPTED PRIVATE KEY":
            keys.append((label, der))
        elif label == "EC PUBLIC KEY":
            raise ImportFileError(
                "PEM files with EC PUBLIC KEY are not supported: SEC1 should be reserved for EC private keys only",
                reason="pem",
            )
        else:
            raise ImportFileError(f"PEM tag {visible(label)} not supported", reason="pem")
    if certs and keys:
        raise ImportFileError(
            "the PEM file holds both keys and certificates",
            "import the key and the certificate from separate files, or as a PKCS#12",
            reason="pem",
        )
    if certs:
        if plan.format == "pem" and len(certs) > 1:
            plan.format = "chain"
        plan.objects = [transfer.certificate_object(c.public_bytes(ser.Encoding.DER)) for c in certs]
        plan.descriptions = [describe_certificate(c) for c in certs]
        if len(certs) > 1:
            plan.notes.append(f"a chain of {len(certs)} certificates: each is linked to the next (its issuer)")
        return
    if plan.format == "chain":
        raise ImportFileError("a chain holds certificates; this PEM file holds keys", reason="pem")
    private = [k for k in keys if "PRIVATE" in k[0]]
    label, der = (private or keys)[-1]
    if len(keys) > 1:
        plan.notes.append(
            "the file holds several keys: only the " + ("private key" if private else "last key") + " is imported"
        )
    if label == "ENCRYPTED PRIVATE KEY":
        if not password:
            plan.needs_password = True
            plan.descriptions = ["private key (encrypted PKCS#8: give its password)"]
            return
        try:
            key = ser.load_der_private_key(der, password.encode())
        except (TypeError, ValueError):
            raise ImportFileError(
                "the encrypted private key cannot be opened with this password",
                "check the password file",
                reason="password",
            ) from None
        der = key.private_bytes(ser.Encoding.DER, ser.PrivateFormat.PKCS8, ser.NoEncryption())
        plan.notes.append("decrypted here and sent as PKCS#8 (ckms does not read encrypted PEM)")
        label = "PRIVATE KEY"
    object_type, key_format = _PEM_KEYS[label]
    plan.objects = [transfer.der_key_object(object_type, key_format, der)]


def _read_der_certificate(plan: ImportPlan, data: bytes, _password: str | None) -> None:
    try:
        cert = x509.load_der_x509_certificate(data)
    except ValueError:
        raise ImportFileError("Cannot read DER content to X509", reason="der") from None
    plan.objects = [transfer.certificate_object(cert.public_bytes(ser.Encoding.DER))]
    plan.descriptions = [describe_certificate(cert)]


def _read_der_key(plan: ImportPlan, data: bytes, _password: str | None) -> None:
    object_type, key_format = _DER_FORMATS[plan.format]
    plan.objects = [transfer.der_key_object(object_type, key_format, data)]
    shape = der_shape(data)
    if shape is not None and shape != plan.format:
        plan.notes.append(f"the bytes look like {shape}, not {plan.format}: the server may refuse them")


def _read_symmetric(plan: ImportPlan, data: bytes, _password: str | None) -> None:
    algorithm = "ChaCha20" if plan.format == "chacha20" else "AES"
    plan.objects = [transfer.symmetric_key_object(data, algorithm)]
    plan.descriptions = [f"symmetric key {algorithm} {len(data) * 8} bits (raw bytes)"]
    if plan.detected and len(data) == 32:
        plan.notes.append("32 raw bytes: read as an AES-256 key (--format chacha20 for a ChaCha20 key)")


def _read_pkcs12(plan: ImportPlan, data: bytes, password: str | None) -> None:
    plan.pkcs12 = data
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, password.encode() if password else None)
    except ValueError:
        if not password:
            plan.needs_password = True
            plan.descriptions = ["PKCS#12 (password-protected: give its password to see and import it)"]
            return
        raise ImportFileError(
            "Unable to parse PKCS12 file: (bad/missing password?)", "check the password file", reason="password"
        ) from None
    except TypeError:
        raise ImportFileError("not a PKCS#12 file", reason="pkcs12") from None
    plan.descriptions = [
        f"private key {describe_key(key)}" if key is not None else "no private key (refused)",
        describe_certificate(cert) if cert is not None else "no certificate (refused)",
    ]
    plan.descriptions += [f"chain: {describe_certificate(c)}" for c in chain]
    plan.notes.append(
        "imported as: the private key, its public key, the certificate and the chain, linked to each other"
    )


# -- requests -------------------------------------------------------------------------------------


def requests(plan: ImportPlan, options: ImportOptions) -> list[TTLV]:
    """The Imports to send in order (a chain: root first, each linked to its issuer by the
    caller with :func:`link_to_issuer`)."""
    try:
        mask = transfer.usage_mask(options.usages)
    except ValueError as exc:
        raise InvalidValue(str(exc), reason="usage") from None
    try:
        return _requests(plan, options, mask)
    except TTLVError as exc:  # a json-ttlv object whose embedded attributes do not decode
        raise ImportFileError(
            f"the object's attributes cannot be read: {visible(str(exc))[:200]}", reason="json"
        ) from None


class _Common(TypedDict):
    """What every Import of one file shares."""

    tags: tuple[str, ...]
    mask: int | None
    replace: bool
    now: datetime | None


# What Cosmian 5.26 stores wrapped when the Import names a wrapping key (``import.rs``: the
# ``process_*`` that call ``wrap_and_cache``); certificates, opaque objects and PKCS#12 bundles
# are imported without it (ckms ``certificates import`` has no ``--wrapping-key-id``).
WRAPPED_ON_IMPORT = ("SymmetricKey", "PrivateKey", "PublicKey", "SecretData")


def wrap_refusal(plan: ImportPlan) -> str | None:
    """Why the plan's objects cannot be stored wrapped by a key of the KMS, or None."""
    if plan.format == "pkcs12":
        return "a PKCS#12 is imported unwrapped (ckms wraps a key or secret data on import, not a PKCS#12)"
    if len(plan.objects) != 1:
        return "a chain is imported unwrapped (ckms wraps one key or secret data on import)"
    kind = plan.objects[0].tag
    if kind not in WRAPPED_ON_IMPORT:
        return f"a {kind} is imported unwrapped (Cosmian wraps a key or secret data on import, not a {kind})"
    return None


_WRAP_FIX = "leave the wrapping key out, or import the key on its own"


async def check_wrapping_key(client: Any, plan: ImportPlan, kek: str) -> None:
    """Before an Import that names the wrapping key ``kek``: the plan's object is one Cosmian
    wraps, and ``kek`` is symmetric. Cosmian wraps on import with RFC 5649 (``wrap_and_cache``),
    which only a symmetric key does: an RSA or EC key fails on the server with a bare HTTP 500,
    so it is said first."""
    if refusal := wrap_refusal(plan):
        raise InvalidValue(refusal, _WRAP_FIX, reason="wrap")
    kind = str((await client.get_attributes(kek, with_tags=False)).get("ObjectType", ""))
    if kind != "SymmetricKey":
        raise InvalidValue(
            f"{visible(kek)} is a {kind or 'object'}: the KMS stores a key wrapped on import with a "
            "symmetric key only (RFC 5649)",
            "name an AES key to wrap with, or import first and export it wrapped by this key",
            reason="wrap",
        )


def _requests(plan: ImportPlan, options: ImportOptions, mask: int | None) -> list[TTLV]:
    common = _Common(tags=options.tags, mask=mask, replace=options.replace, now=options.now)
    if options.wrap_key and (refusal := wrap_refusal(plan)):
        raise InvalidValue(refusal, _WRAP_FIX, reason="wrap")
    if plan.format == "pkcs12":
        if plan.pkcs12 is None:
            raise ImportFileError("no PKCS#12 data", reason="pkcs12")
        return [transfer.pkcs12_import_request(plan.pkcs12, options.password, uid=options.uid, **common)]
    if not plan.objects:
        raise ImportFileError("nothing to import (an encrypted key needs its password)", reason="empty")
    if len(plan.objects) == 1:
        return [
            transfer.import_request(
                plan.objects[0],
                uid=options.uid,
                links=options.links,
                unwrap=options.unwrap,
                wrapping_key_id=options.wrap_key or None,
                **common,
            )
        ]
    ops = []
    chain = list(reversed(plan.objects))  # root first, as import_chain pops from the end
    for i, obj in enumerate(chain):
        leaf = i == len(chain) - 1
        ops.append(
            transfer.import_request(
                obj, uid=options.uid if leaf else "", links=options.links if leaf else None, **common
            )
        )
    return ops


def link_to_issuer(op: TTLV, issuer_id: str) -> TTLV:
    """The Import ``op`` with a CertificateLink to the certificate imported just before it."""
    attrs = op.get("Attributes")
    assert attrs is not None, "import_request always writes Attributes"
    link = TTLV.struct(
        "Link", [TTLV.enum("LinkType", "CertificateLink"), TTLV.text("LinkedObjectIdentifier", issuer_id)]
    )
    attrs.value = [c for c in attrs.value if not (c.tag == "Link" and c.get_value("LinkType") == "CertificateLink")]
    attrs.value.append(link)
    return op


def tags_of(values: Iterable[str]) -> tuple[str, ...]:
    tags = tuple(values)
    if any(not t or t.startswith("_") for t in tags):
        raise InvalidValue("tags must be non-empty and must not start with '_' (reserved for the server)", reason="tag")
    return tags


def to_json(plan: ImportPlan) -> dict[str, Any]:
    return {"format": plan.format, "detected": plan.detected, "objects": plan.descriptions, "notes": plan.notes}


async def send(client: Any, plan: ImportPlan, opts: ImportOptions) -> list[str]:
    """Send the plan's Imports in order (each chain certificate linked to the one before);
    the ids, the leaf's (or the private key's) last."""
    ids: list[str] = []
    for op in requests(plan, opts):
        if ids and plan.format == "chain":
            op = link_to_issuer(op, ids[-1])
        ids.append(await client.import_object(op))
    return ids


__all__ = [
    "WRAPPED_ON_IMPORT",
    "ImportFileError",
    "ImportOptions",
    "ImportPlan",
    "check_wrapping_key",
    "der_shape",
    "describe_certificate",
    "link_to_issuer",
    "read_file",
    "requests",
    "send",
    "tags_of",
    "to_json",
    "wrap_refusal",
]
