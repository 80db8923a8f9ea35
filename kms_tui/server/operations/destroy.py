"""Destroy: the material is cleared (state Destroyed or Destroyed_Compromised), or the row is
deleted with ``Remove``; an Active key with an ActivationDate must be revoked first; ``Cascade``
reaches the other key of a pair. Cosmian's quirk: a destroyed key can be destroyed again."""

from __future__ import annotations

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server.context import DESTROYED, OpContext
from kms_tui.server.errors import InvalidRequest, Kmip21Error, item_not_found
from kms_tui.server.objects import pair_partner, touch
from kms_tui.server.store import StoredObject


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


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
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
                partner = pair_partner(ctx, obj, "destroy")
                if partner is not None:
                    _destroy_one(ctx, partner, remove)
            _destroy_one(ctx, obj, remove)
            if cascade and obj.object_type == "PublicKey":
                partner = pair_partner(ctx, obj, "destroy")
                if partner is not None:
                    try:
                        with ctx.store.transaction():
                            _destroy_one(ctx, partner, remove)
                    except Exception:  # noqa: BLE001 - Cosmian ignores errors on the private side
                        pass
    return TTLV.struct("DestroyResponse", [TTLV.text("UniqueIdentifier", uid)])
