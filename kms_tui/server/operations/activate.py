"""Activate: PreActive → Active, ActivationDate=now; any other state is refused
(``crate/server/src/core/operations/activate.rs: activate``)."""

from __future__ import annotations

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server.context import OpContext
from kms_tui.server.errors import Kmip21Error
from kms_tui.server.objects import require, touch

ACTIVATABLE = {"SymmetricKey", "PublicKey", "PrivateKey", "SplitKey", "SecretData", "Certificate"}


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """Activate: PreActive → Active with ActivationDate=now."""
    require(payload, "UniqueIdentifier")  # mandatory for Activate (no placeholder)
    uid = ctx.uid_of(payload)
    obj = ctx.retrieve(uid, "activate")
    if obj.object_type not in ACTIVATABLE:
        raise Kmip21Error(
            "Invalid_Object_Type", f"Activate: Object type {obj.object_type} does not support activation operation"
        )
    if obj.state == "Active":
        raise Kmip21Error("Wrong_Key_Lifecycle_State", f"Activate: Object {obj.uid} is already in Active state")
    if obj.state != "PreActive":
        raise Kmip21Error(
            "Wrong_Key_Lifecycle_State", f"Activate: Object {obj.uid} is in {obj.state} state and cannot be activated"
        )
    A.put(obj.attributes, TTLV.date("ActivationDate", A.now()))
    touch(obj, "Active")
    ctx.store.update(obj)
    return TTLV.struct("ActivateResponse", [TTLV.text("UniqueIdentifier", obj.uid)])
