"""The bytes written for each export format, from a Get/Export answer, as ckms 5.26 writes them
(``crate/clients/clap/src/actions/shared/export_key.rs``: ``get_object_bytes``, ``der_to_pem``;
``certificates/export_certificate.rs``).

* json-ttlv: the object as JSON TTLV (what ``kms-tui import`` / ``ckms … import`` read back);
* sec1/pkcs1/pkcs8 -pem/-der: the key's DER bytes, PEM-armoured with ckms's labels;
* raw and base64: the key bytes (a symmetric key's bytes, a transparent EC key's scalar or
  point, a wrapped key's wrapped bytes); base64 is standard base64 (ckms lowercases it, which
  corrupts it: not copied);
* certificates: pem (CERTIFICATE), der, pkcs7 (PKCS7 PEM), pkcs12 (the DER of the PFX).
"""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path
from typing import Any

from kms_tui.client.errors import InvalidValue, ServerRefused
from kms_tui.client.transfer.files import write_output
from kms_tui.kmip import transfer
from kms_tui.kmip.transfer import ExportFormat
from kms_tui.kmip.ttlv import TTLV, encode
from kms_tui.safetext import visible

# What each object type is called when the user is asked to confirm (None: public material).
MATERIAL = {
    "PrivateKey": "private key",
    "SymmetricKey": "symmetric key",
    "SecretData": "secret data",
    "OpaqueObject": "opaque object",
}
_PEM_LABELS: dict[tuple[str | None, str], str] = {
    ("PKCS1", "PrivateKey"): "RSA PRIVATE KEY",
    ("PKCS1", "PublicKey"): "RSA PUBLIC KEY",
    ("PKCS8", "PrivateKey"): "PRIVATE KEY",
    ("PKCS8", "PublicKey"): "PUBLIC KEY",
    ("ECPrivateKey", "PrivateKey"): "EC PRIVATE KEY",
}


class NotExportableAs(InvalidValue):
    """The object cannot be written in the format asked (exit 3)."""

    default_fix = "choose another --format (kms-tui export --help lists them)"


def format_named(name: str) -> ExportFormat:
    try:
        return transfer.EXPORT_FORMATS[name]
    except KeyError:
        raise InvalidValue(
            f"unknown export format {name!r}", f"one of: {', '.join(transfer.EXPORT_FORMATS)}", reason="format"
        ) from None


def check_format(fmt: ExportFormat, object_type: str) -> None:
    """Refuse a key format for a certificate and a certificate format for a key, before asking."""
    if object_type == "Certificate":
        if not fmt.for_certificates and fmt.name != "json-ttlv":
            raise NotExportableAs(
                f"a certificate is exported as {', '.join(transfer.CERTIFICATE_EXPORT_FORMATS)}, not {fmt.name}",
                reason="format",
            )
    elif fmt.for_certificates:
        raise NotExportableAs(
            f"{fmt.name} is a certificate format; a {object_type or 'key'} is exported as "
            f"{', '.join(transfer.KEY_EXPORT_FORMATS)}",
            reason="format",
        )


def holds_material(object_type: str, fmt: ExportFormat) -> str | None:
    """What secret the file will hold ("private key", "symmetric key"…) or None."""
    if fmt.encoding == "pkcs12":
        return "private key (in the PKCS#12)"
    return MATERIAL.get(object_type)


def pem(label: str, der: bytes) -> bytes:
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n".encode()


def _object(response: TTLV) -> TTLV:
    for child in response.children():
        if child.tag in ("SymmetricKey", "PrivateKey", "PublicKey", "Certificate", "SecretData", "OpaqueObject"):
            return child
    uid = visible(str(response.get_value("UniqueIdentifier", "")))
    raise ServerRefused(f"{uid}: the answer holds no object", reason="empty")


def _ec_raw(material: TTLV) -> bytes:
    """``KeyBlock::ec_raw_bytes``: a transparent EC private key's scalar, a public key's point."""
    q = material.get_value("QString")
    if isinstance(q, bytes):
        return q
    d = material.get_value("D")
    if isinstance(d, int):
        return d.to_bytes(max(1, (d.bit_length() + 7) // 8), "big")
    raise NotExportableAs("the transparent EC key has neither D nor QString", reason="format")


def object_bytes(obj: TTLV) -> bytes:
    """``get_object_bytes``: the key bytes (wrapped bytes for a wrapped key)."""
    found: bytes  # a ByteString's value
    if obj.tag == "OpaqueObject":
        found = obj.get_value("OpaqueDataValue", b"")
        return found
    if obj.tag == "Certificate":
        found = obj.get_value("CertificateValue", b"")
        return found
    block = obj.get("KeyBlock")
    kv = block.get("KeyValue") if block is not None else None
    if block is None or kv is None:
        raise ServerRefused("Key value is missing (destroyed?)", reason="empty")
    if kv.type == "ByteString":
        found = kv.value
        return found
    material = kv.get("KeyMaterial")
    if material is None:
        raise ServerRefused("Key material is missing (destroyed?)", reason="empty")
    if material.type == "ByteString":
        found = material.value
        return found
    fmt = block.get_value("KeyFormatType")
    if fmt == "TransparentSymmetricKey":
        found = material.get_value("Key", b"")
        return found
    if fmt in ("TransparentECPrivateKey", "TransparentECPublicKey"):
        return _ec_raw(material)
    raise NotExportableAs(
        f"Unsupported key material type: {fmt} cannot be written as bytes",
        "choose json-ttlv, or a pkcs1/pkcs8/sec1 format",
        reason="format",
    )


def export_bytes(response: TTLV, fmt: ExportFormat) -> bytes:
    """The file's bytes for ``fmt`` from a Get/Export answer."""
    obj = _object(response)
    if fmt.encoding == "ttlv":
        return (encode(obj) + "\n").encode()
    if obj.tag == "PrivateKey" and fmt.encoding == "pkcs12":
        return object_bytes(obj)
    data = object_bytes(obj)
    if not data:
        raise ServerRefused(
            f"{visible(str(response.get_value('UniqueIdentifier', '')))}: the object has no key material (destroyed?)",
            reason="empty",
        )
    if fmt.encoding == "base64":
        return base64.b64encode(data) + b"\n"
    if fmt.encoding == "pem":
        if obj.tag == "Certificate":
            label = "PKCS7" if obj.get_value("CertificateType") == "PKCS7" else "CERTIFICATE"
            return pem(label, data)
        block = obj.get("KeyBlock")
        if transfer.is_wrapped(obj):
            raise NotExportableAs("a wrapped key is written as raw, base64 or json-ttlv, not PEM", reason="format")
        key_format = block.get_value("KeyFormatType") if block is not None else None
        key_label = _PEM_LABELS.get((key_format, obj.tag))
        if key_label is None:
            raise NotExportableAs(f"Key format type {key_format} not supported for PEM conversion", reason="format")
        return pem(key_label, data)
    if fmt.encoding == "pkcs12":
        raise ServerRefused("PKCS12: invalid object returned by the server.", reason="format")
    return data  # der, raw


def sensitive_refusal(exc: ServerRefused, uid: str) -> ServerRefused:
    """The server's ``Sensitive: DENIED`` (KMIP 2.1 §4.3), said in words."""
    if "Sensitive" not in (exc.reason or "") and "Sensitive" not in exc.message:
        return exc
    return ServerRefused(
        f"the server refuses to export {visible(uid)}: it is marked Sensitive, so its key material never "
        f"leaves the KMS in the clear ({exc.message})",
        "export it wrapped by a key of the KMS (--wrap-key ID; in the console's export dialog: Wrap with "
        "key id), or use it in place (encrypt, sign…) instead",
        reason="Sensitive",
    )


async def export_to_file(
    client: Any,
    uid: str,
    object_type: str,
    fmt: ExportFormat,
    path: Path | str,
    *,
    wrap_key: str | None = None,
    wrap_alg: str | None = None,
    pkcs12_password: str | None = None,
    unwrap: bool = False,
    allow_revoked: bool = False,
    force: bool = False,
) -> dict[str, Any]:
    """Ask the server for ``uid`` in ``fmt`` and write the file (0600 when it holds key
    material); the audit row names the format, the file and the material, never the bytes."""
    material = holds_material(object_type, fmt)
    op = transfer.export_request(
        uid,
        fmt,
        wrap_key=wrap_key,
        wrap_alg=wrap_alg,
        pkcs12_password=pkcs12_password,
        unwrap=unwrap,
        allow_revoked=allow_revoked,
    )
    details = {"format": fmt.name, "file": str(path)}
    if material:
        details["material"] = material + (" (wrapped)" if wrap_key else "")
    try:
        response = await client.send(op, details=details)
    except ServerRefused as exc:
        raise sensitive_refusal(exc, uid) from None
    data = export_bytes(response, fmt)
    written = write_output(path, data, secret=material is not None, force=force)
    out: dict[str, Any] = {
        "id": str(response.get_value("UniqueIdentifier", uid)),
        "type": str(response.get_value("ObjectType", object_type)),
        "format": fmt.name,
        "file": str(written),
        "bytes": len(data),
        "mode": "0600" if material else "0644",
    }
    if wrap_key:
        out["wrapped_by"] = wrap_key
        out["wrap_alg"] = wrap_alg or "server default"
    if material:
        out["material"] = material
    return out
