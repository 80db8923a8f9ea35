"""Revoke as Cosmian 5.26 does it (``crate/server/src/core/operations/revoke.rs:
revoke_operation, recursively_revoke_key, revoke_key_core``): Deactivated, or Compromised for
KeyCompromise/CACompromise; Destroyed objects count as revoked without a change (and before any
permission check); Deactivated ones only move on a compromise reason; Compromised ones are
skipped; ``Cascade`` revokes the other key of a pair first and its failure (the partner absent,
not revocable or not the user's: ``Item_Not_Found: <partner>``) fails the whole Revoke; a tag
query revokes every match."""

from __future__ import annotations

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server.context import DESTROYED, OpContext
from kms_tui.server.errors import Kmip21Error, item_not_found
from kms_tui.server.objects import require, touch
from kms_tui.server.store import StoredObject

COMPROMISE = ("KeyCompromise", "CACompromise")
REVOCABLE_TYPES = ("PrivateKey", "Certificate", "SymmetricKey", "PublicKey", "SecretData", "OpaqueObject")


def _revoke_core(ctx: OpContext, obj: StoredObject, compromise: bool, occurrence: TTLV | None) -> None:
    A.put(obj.attributes, TTLV.date("DeactivationDate", A.now()))
    if occurrence is not None:
        A.put(obj.attributes, TTLV.date("CompromiseOccurrenceDate", occurrence.value))
    touch(obj, "Compromised" if compromise else "Deactivated")
    ctx.store.update(obj)


def revoke_recursively(
    ctx: OpContext,
    uid: str,
    compromise: bool,
    occurrence: TTLV | None,
    cascade: bool,
    skip: frozenset[str] = frozenset(),
) -> None:
    """``recursively_revoke_key``: raises ``Item_Not_Found: <uid>`` when nothing counted."""
    count = 0
    for oid in ctx.candidate_ids(uid):
        obj = ctx.store.get(oid)
        if obj is None:
            continue
        if obj.state in DESTROYED:  # AKLC-M-2-21: counted, no transition, no permission check
            count += 1
            continue
        if obj.state == "Deactivated" and not compromise:
            count += 1
            continue
        if obj.state == "Compromised" or obj.object_type not in REVOCABLE_TYPES:
            continue
        if not ctx.may(obj, "revoke"):
            continue
        count += 1
        if obj.object_type in ("PrivateKey", "PublicKey") and cascade:
            link = "PublicKeyLink" if obj.object_type == "PrivateKey" else "PrivateKeyLink"
            partner = A.links(obj.attributes).get(link)
            if partner is not None and partner not in skip:
                revoke_recursively(ctx, partner, compromise, occurrence, cascade, skip | {obj.uid})
        _revoke_core(ctx, obj, compromise, occurrence)
    if not count:
        raise item_not_found(uid)


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """Revoke: Deactivated, or Compromised for compromise reasons; Cascade to the pair."""
    uid = ctx.uid_of(payload, use_placeholder=False)
    reason = require(payload, "RevocationReason")
    if reason.type != "Structure":
        raise Kmip21Error(
            "Codec_Error", "RevocationReason must be a structure {RevocationReasonCode, RevocationMessage}"
        )
    compromise = reason.get_value("RevocationReasonCode", "Unspecified") in COMPROMISE
    revoke_recursively(
        ctx, uid, compromise, payload.get("CompromiseOccurrenceDate"), payload.get_value("Cascade") is True
    )
    return TTLV.struct("RevokeResponse", [TTLV.text("UniqueIdentifier", uid)])
