"""Query: the operations and object types the sandbox supports, and its vendor id."""

from __future__ import annotations

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server.context import OpContext

OBJECT_TYPES = ("Certificate", "SymmetricKey", "PublicKey", "PrivateKey", "SecretData", "OpaqueObject")


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """Query: answer the requested QueryFunctions."""
    from kms_tui.server.operations import OPERATIONS  # the registry imports this module

    functions = {c.value for c in payload.children("QueryFunction")}
    children: list[TTLV] = []
    if "QueryOperations" in functions:
        children += [TTLV.enum("Operation", op) for op in OPERATIONS]
    if "QueryObjects" in functions:
        children += [TTLV.enum("ObjectType", t) for t in OBJECT_TYPES]
    if "QueryServerInformation" in functions or not functions:
        children.append(TTLV.text("VendorIdentification", ctx.vendor))
    return TTLV.struct("QueryResponse", children)
