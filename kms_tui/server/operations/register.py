"""Register: like Import, with the id taken from ``Attributes.UniqueIdentifier`` or generated."""

from __future__ import annotations

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server.context import OpContext, new_uid
from kms_tui.server.errors import NotSupported
from kms_tui.server.objects import check_uid_allowed, require
from kms_tui.server.operations.import_ import store_object


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """Register: store the object; its id is ``Attributes.UniqueIdentifier`` or a UUID."""
    attrs = require(payload, "Attributes")
    if payload.get("ProtectionStorageMasks") is not None:
        raise NotSupported("ProtectionStorageMasks are not supported")
    uid = str(attrs.get_value("UniqueIdentifier") or new_uid())
    check_uid_allowed(uid)
    await store_object(ctx, payload, uid, replace=False)
    return TTLV.struct("RegisterResponse", [TTLV.text("UniqueIdentifier", uid)])
