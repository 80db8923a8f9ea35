"""What the audit trail keeps of an Import, a Get or an Export: the format asked, the wrapping key
and its algorithm, whether the key is unwrapped, whether it replaces an object. Never key bytes,
never a PKCS#12 password (it travels as the wrapping key's id of a PKCS#12 export, and as the
PKCS12PasswordLink of a PKCS#12 import)."""

from __future__ import annotations

from kms_tui.kmip.ttlv import TTLV


def transfer_details(op: TTLV) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        fmt = op.get_value("KeyFormatType")
        if fmt:
            out["key_format"] = str(fmt)
        if op.get_value("KeyWrapType"):
            out["key_wrap_type"] = str(op.get_value("KeyWrapType"))
        spec = op.get("KeyWrappingSpecification")
        info = spec.get("EncryptionKeyInformation") if spec is not None else None
        if info is not None:
            if fmt in ("PKCS12", "Pkcs12Legacy"):
                out["pkcs12_password"] = "given" if info.get_value("UniqueIdentifier") else "empty"
            else:
                out["wrapped_by"] = str(info.get_value("UniqueIdentifier", ""))
                params = info.get("CryptographicParameters")
                if params is not None:
                    out["wrapping"] = ",".join(str(c.value) for c in params.value)
        if op.tag == "Import":
            obj = next(
                (
                    c
                    for c in op.value
                    if c.tag not in ("UniqueIdentifier", "ObjectType", "ReplaceExisting", "KeyWrapType", "Attributes")
                ),
                None,
            )
            if obj is not None:
                out["object_type"] = obj.tag
                block = obj.get("KeyBlock")
                if block is not None and block.get_value("KeyFormatType"):
                    out["key_format"] = str(block.get_value("KeyFormatType"))
            if op.get_value("ReplaceExisting") is True:
                out["replace_existing"] = "true"
    except Exception:  # noqa: BLE001 - an odd request must still be sent and recorded
        return {}
    return out
