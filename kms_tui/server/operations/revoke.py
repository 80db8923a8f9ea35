"""Revoke: Deactivated, or Compromised for KeyCompromise/CACompromise; ``Cascade`` reaches the
other key of a pair; a tag query revokes every match."""

from __future__ import annotations

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server.context import DESTROYED, OpContext
from kms_tui.server.errors import Kmip21Error, item_not_found
from kms_tui.server.objects import pair_partner, require, touch
from kms_tui.server.store import StoredObject

COMPROMISE = ("KeyCompromise", "CACompromise")


def _revoke_one(ctx: OpContext, obj: StoredObject, compromise: bool, occurrence: TTLV | None) -> bool:
    """Revoke one object; returns whether it counts as revoked (Compromised ones are skipped)."""
    if obj.state in DESTROYED:
        return True
    if obj.state == "Compromised":
        return False
    if obj.state == "Deactivated" and not compromise:
        return True
    A.put(obj.attributes, TTLV.date("DeactivationDate", A.now()))
    if occurrence is not None:
        A.put(obj.attributes, TTLV.date("CompromiseOccurrenceDate", occurrence.value))
    touch(obj, "Compromised" if compromise else "Deactivated")
    ctx.store.update(obj)
    return True


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """Revoke: Deactivated, or Compromised for compromise reasons; Cascade to the pair."""
    uid = ctx.uid_of(payload)
    reason = require(payload, "RevocationReason")
    if reason.type != "Structure":
        raise Kmip21Error("Codec_Error", "RevocationReason must be a structure {RevocationReasonCode, RevocationMessage}")
    compromise = reason.get_value("RevocationReasonCode", "Unspecified") in COMPROMISE
    occurrence = payload.get("CompromiseOccurrenceDate")
    cascade = payload.get_value("Cascade") is True
    count = 0
    with ctx.store.transaction():
        for obj in ctx.accessible(uid, "revoke"):
            count += _revoke_one(ctx, obj, compromise, occurrence)
            if cascade and obj.object_type in ("PrivateKey", "PublicKey"):
                partner = pair_partner(ctx, obj, "revoke")
                if partner is not None:
                    _revoke_one(ctx, partner, compromise, occurrence)
    if not count:
        raise item_not_found(uid)
    return TTLV.struct("RevokeResponse", [TTLV.text("UniqueIdentifier", uid)])
