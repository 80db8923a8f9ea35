"""Activate, Revoke and Destroy: the lifecycle table of Cosmian 5.x (reference §4.1), with
``Cascade`` to the linked key of a pair and ``Remove`` for hard deletion."""

from __future__ import annotations

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server.context import DESTROYED, OpContext
from kms_tui.server.errors import InvalidRequest, Kmip21Error, item_not_found
from kms_tui.server.objects import require, touch
from kms_tui.server.store import StoredObject

ACTIVATABLE = {"SymmetricKey", "PublicKey", "PrivateKey", "SplitKey", "SecretData", "Certificate"}
COMPROMISE = ("KeyCompromise", "CACompromise")


async def handle_activate(ctx: OpContext, payload: TTLV) -> TTLV:
    """Activate: PreActive → Active with ActivationDate=now."""
    require(payload, "UniqueIdentifier")  # mandatory for Activate (no placeholder)
    uid = ctx.uid_of(payload)
    obj = ctx.retrieve(uid, "activate")
    if obj.object_type not in ACTIVATABLE:
        raise Kmip21Error("Invalid_Object_Type", f"Activate: objects of type {obj.object_type} cannot be activated")
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


def _partner(ctx: OpContext, obj: StoredObject, op: str) -> StoredObject | None:
    """The other key of a pair (for Cascade), if the user may act on it."""
    links = A.links(obj.attributes)
    target = links.get("PublicKeyLink") if obj.object_type == "PrivateKey" else links.get("PrivateKeyLink")
    if target is None:
        return None
    found = ctx.accessible(target, op)
    return found[0] if found else None


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


async def handle_revoke(ctx: OpContext, payload: TTLV) -> TTLV:
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
                partner = _partner(ctx, obj, "revoke")
                if partner is not None:
                    _revoke_one(ctx, partner, compromise, occurrence)
    if not count:
        raise item_not_found(uid)
    return TTLV.struct("RevokeResponse", [TTLV.text("UniqueIdentifier", uid)])


def _destroy_one(ctx: OpContext, obj: StoredObject, remove: bool) -> None:
    if obj.object_type == "Certificate" and obj.state in DESTROYED:
        raise item_not_found(obj.uid)
    active_dated = obj.state == "Active" and obj.attributes.get("ActivationDate") is not None
    if active_dated:
        raise Kmip21Error("Wrong_Key_Lifecycle_State", "DENIED")
    if remove:
        if obj.state == "Active":
            raise InvalidRequest(f"Object with unique identifier: {obj.uid} is active. It must be revoked first")
        ctx.store.delete(obj.uid)
        return
    if obj.state in DESTROYED:  # Cosmian quirk: destroying a destroyed key succeeds again
        return
    _clear_material(obj)
    touch(obj, "Destroyed_Compromised" if obj.state == "Compromised" else "Destroyed")
    ctx.store.update(obj)


def _clear_material(obj: StoredObject) -> None:
    """Replace the key material by an empty Raw ByteString (certificates: value cleared)."""
    block = obj.object.get("KeyBlock")
    if block is not None:
        block.set(TTLV.enum("KeyFormatType", "Raw"))
        block.set(TTLV.struct("KeyValue", [TTLV.bytes_("KeyMaterial", b"")]))
        block.value.sort(key=lambda c: ("KeyFormatType", "KeyCompressionType", "KeyValue").index(c.tag)
                         if c.tag in ("KeyFormatType", "KeyCompressionType", "KeyValue") else 3)
    elif obj.object_type == "Certificate":
        obj.object.set(TTLV.bytes_("CertificateValue", b""))
    elif obj.object_type == "OpaqueObject":
        obj.object.set(TTLV.bytes_("OpaqueDataValue", b""))


async def handle_destroy(ctx: OpContext, payload: TTLV) -> TTLV:
    """Destroy: clear the material (or delete with Remove); Cascade to the pair."""
    uid = ctx.uid_of(payload)
    remove = payload.get_value("Remove") is True
    cascade = payload.get_value("Cascade") is True
    targets = ctx.accessible(uid, "destroy")
    expected = payload.get_value("ExpectedObjectType")
    if expected is not None:
        targets = [t for t in targets if t.object_type == expected]
    if not targets:
        raise item_not_found(uid)
    with ctx.store.transaction():
        for obj in targets:
            if cascade and obj.object_type == "PrivateKey":
                partner = _partner(ctx, obj, "destroy")
                if partner is not None:
                    _destroy_one(ctx, partner, remove)
            _destroy_one(ctx, obj, remove)
            if cascade and obj.object_type == "PublicKey":
                partner = _partner(ctx, obj, "destroy")
                if partner is not None:
                    try:
                        with ctx.store.transaction():
                            _destroy_one(ctx, partner, remove)
                    except Exception:  # noqa: BLE001 - Cosmian ignores errors on the private side
                        pass
    return TTLV.struct("DestroyResponse", [TTLV.text("UniqueIdentifier", uid)])
