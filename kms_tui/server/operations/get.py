"""Get and Export: the object in its default or requested key format, with its attributes
embedded in the KeyValue (Export also returns them at the top level)."""

from __future__ import annotations

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import keys
from kms_tui.server.context import OpContext
from kms_tui.server.errors import Kmip21Error, NotSupported
from kms_tui.server.objects import with_embedded_attributes
from kms_tui.server.store import StoredObject


def _formatted(obj: StoredObject, requested: str | None) -> TTLV:
    node = obj.object
    fmt = requested or keys.default_format(node)
    block = node.get("KeyBlock")
    if block is None or fmt is None:
        if requested and not (node.tag == "Certificate" and requested == "X509"):
            raise NotSupported(f"unsupported key format type {requested} for a {node.tag}")
        return node
    if node.tag not in ("SymmetricKey", "PrivateKey", "PublicKey"):
        if requested and requested != block.get_value("KeyFormatType"):
            raise NotSupported(f"unsupported key format type {requested} for a {node.tag}")
        return node
    if fmt == block.get_value("KeyFormatType"):
        return node
    try:
        return keys.convert_key_object(node, fmt)
    except keys.KeyFormatError as exc:
        raise NotSupported(f"unsupported key format type {fmt}: {exc}") from None


def _checked(ctx: OpContext, payload: TTLV, op: str) -> tuple[StoredObject, TTLV]:
    uid = ctx.uid_of(payload)
    obj = ctx.retrieve(uid, op, include_destroyed=(op == "get"))
    if op == "get":
        if obj.state == "Deactivated":
            raise Kmip21Error("Wrong_Key_Lifecycle_State", "DENIED")
        if obj.state in ("Destroyed", "Destroyed_Compromised"):
            raise Kmip21Error("Object_Destroyed", "DENIED")
    wrapping = payload.get("KeyWrappingSpecification")
    if wrapping is not None:
        raise NotSupported("key wrapping on export is not supported by the sandbox")
    if obj.attributes.get_value("Sensitive") is True:
        raise Kmip21Error("Sensitive", "DENIED")
    requested = payload.get_value("KeyFormatType")
    body = _formatted(obj, requested)
    if obj.attributes.get_value("Fresh") is True:  # the first plaintext Get makes a key not fresh
        obj.attributes.set(TTLV.boolean("Fresh", False))
        ctx.store.update(obj)
    return obj, with_embedded_attributes(body, obj.attributes)


async def handle_get(ctx: OpContext, payload: TTLV) -> TTLV:
    """Get: the object (Deactivated and Destroyed refused), default or requested format."""
    obj, body = _checked(ctx, payload, "get")
    return TTLV.struct(
        "GetResponse",
        [TTLV.enum("ObjectType", obj.object_type), TTLV.text("UniqueIdentifier", obj.uid), body],
    )


async def handle_export(ctx: OpContext, payload: TTLV) -> TTLV:
    """Export: like Get, also for Deactivated/Compromised objects, with the attributes."""
    obj, body = _checked(ctx, payload, "export")
    return TTLV.struct(
        "ExportResponse",
        [
            TTLV.enum("ObjectType", obj.object_type),
            TTLV.text("UniqueIdentifier", obj.uid),
            obj.attributes.copy(),
            body,
        ],
    )
