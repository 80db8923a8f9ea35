"""Destroy as Cosmian 5.26 does it (``crate/server/src/core/operations/destroy.rs:
destroy_operation, recursively_destroy_object, destroy_core``): the material is cleared (state
Destroyed or Destroyed_Compromised), or the row is deleted with ``Remove``; an Active object with
an ActivationDate must be revoked first (``Wrong_Key_Lifecycle_State: DENIED``, which fails the
whole call); ``Cascade`` on a private key destroys its public key first and that failure fails
the call; on a public key the private key is tried and its failure ignored. Cosmian's quirk: a
destroyed key (not certificate) can be destroyed again. ``ExpectedObjectType`` only guards HSM
keys and is ignored here."""

from __future__ import annotations

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server.context import DESTROYED, OpContext
from kms_tui.server.errors import InvalidRequest, Kmip21Error, KmipFailure, item_not_found
from kms_tui.server.objects import touch
from kms_tui.server.store import StoredObject

DESTROYABLE_TYPES = ("PrivateKey", "SymmetricKey", "Certificate", "SecretData", "PublicKey", "OpaqueObject")
RESET_TYPES = ("Certificate", "OpaqueObject")  # update_as_destroyed stores Attributes::default() for them
REVOKE_FIRST_TYPES = ("SymmetricKey", "SecretData", "Certificate", "PrivateKey", "PublicKey")


def _core(ctx: OpContext, obj: StoredObject, remove: bool) -> None:
    if remove:
        if obj.state == "Active":
            raise InvalidRequest(f"Object with unique identifier: {obj.uid} is active. It must be revoked first")
        ctx.store.delete(obj.uid)
        return
    if obj.state in DESTROYED:  # Cosmian quirk: destroying a destroyed key succeeds again
        return
    _clear_material(obj)
    new_state = "Destroyed_Compromised" if obj.state == "Compromised" else "Destroyed"
    if obj.object_type in RESET_TYPES:
        obj.attributes = TTLV.struct("Attributes")  # the DB attributes become the defaults
        obj.state = new_state
    else:
        touch(obj, new_state)
    ctx.store.update(obj)


def _clear_material(obj: StoredObject) -> None:
    """Replace the key material by an empty Raw ByteString (an opaque object's value is
    cleared; a certificate keeps its DER, as in Cosmian)."""
    block = obj.object.get("KeyBlock")
    if block is not None:
        block.set(TTLV.enum("KeyFormatType", "Raw"))
        block.set(TTLV.struct("KeyValue", [TTLV.bytes_("KeyMaterial", b"")]))
        block.remove("KeyWrappingData")
        block.value.sort(
            key=lambda c: (
                ("KeyFormatType", "KeyCompressionType", "KeyValue").index(c.tag)
                if c.tag in ("KeyFormatType", "KeyCompressionType", "KeyValue")
                else 3
            )
        )
    elif obj.object_type == "OpaqueObject":
        obj.object.set(TTLV.bytes_("OpaqueDataValue", b""))


def destroy_recursively(
    ctx: OpContext, uid: str, remove: bool, cascade: bool, skip: frozenset[str] = frozenset()
) -> None:
    """``recursively_destroy_object``: raises ``Item_Not_Found: <uid>`` when nothing counted."""
    count = 0
    for oid in ctx.candidate_ids(uid):
        obj = ctx.store.get(oid)
        if obj is None or not ctx.may(obj, "destroy"):
            continue
        if obj.object_type not in DESTROYABLE_TYPES or (obj.object_type in RESET_TYPES and obj.state in DESTROYED):
            continue  # a destroyed certificate's (opaque object's) attributes are reset: it reads as Destroyed
        if (
            obj.state == "Active"
            and obj.object_type in REVOKE_FIRST_TYPES
            and obj.attributes.get("ActivationDate") is not None
        ):
            raise Kmip21Error("Wrong_Key_Lifecycle_State", "DENIED")
        count += 1
        partner = None
        if cascade and obj.object_type in ("PrivateKey", "PublicKey"):
            link = "PublicKeyLink" if obj.object_type == "PrivateKey" else "PrivateKeyLink"
            partner = A.links(obj.attributes).get(link)
            if partner in skip:
                partner = None
        if partner is not None and obj.object_type == "PrivateKey":
            destroy_recursively(ctx, partner, remove, cascade, skip | {obj.uid})
        elif partner is not None:
            try:  # "Try to destroy the linked private key, but don't fail if it's not allowed"
                with ctx.store.transaction():
                    destroy_recursively(ctx, partner, remove, cascade, skip | {obj.uid})
            except KmipFailure:
                pass
        _core(ctx, obj, remove)
    if not count:
        raise item_not_found(uid)


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """Destroy: clear the material (or delete with Remove); Cascade to the pair."""
    uid = ctx.uid_of(payload, use_placeholder=False)
    destroy_recursively(ctx, uid, payload.get_value("Remove") is True, payload.get_value("Cascade") is True)
    return TTLV.struct("DestroyResponse", [TTLV.text("UniqueIdentifier", uid)])
