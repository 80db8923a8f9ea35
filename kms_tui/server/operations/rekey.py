"""ReKey (symmetric keys) and ReKeyKeyPair (key pairs), as Cosmian 5.26 does them
(``crate/server/src/core/operations/rekey/{common.rs,symmetric/{mod,sql}.rs,keypair/{mod,sql}.rs}``
and the ``Attributes`` rotation helpers of ``crate/kmip/src/kmip_2_1/kmip_attributes.rs``).

The pipeline of ``execute_rekey``: resolve a keyset reference (``name@latest|first|N`` or a bare
keyset name), take the eligible key (type, state Active/Deactivated/Compromised, owner or an
explicit ``rekey`` grant, no change of algorithm/curve/length), refuse a key that is not the
latest of its keyset, generate fresh material from the old key's attributes
(``clean_for_generation``), give it the old key's Name, a ``ReplacedObjectLink`` to the old key,
an ActivationDate of now + Offset and the rotation metadata (``set_rotation_metadata_from``),
store it, then retire the old key (``retire_for_replacement`` + ``clear_rotation_flags``: a
``ReplacementObjectLink`` to the new key, no Name, DeactivationDate now, state Deactivated) and
re-wrap the keys the old key wrapped. Request attributes only serve the "no crypto change" check.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server import keys, wrapping
from kms_tui.server.context import OpContext, new_uid
from kms_tui.server.errors import InvalidRequest, Kmip21Error, KmipFailure, NotSupported, UnsupportedPlaceholder
from kms_tui.server.keysets import resolve_keyset
from kms_tui.server.objects import new_stored, stored_attributes, touch
from kms_tui.server.operations import create as create_op
from kms_tui.server.operations import create_key_pair as ckp
from kms_tui.server.operations.crypto_common import Spec, select_unique
from kms_tui.server.store import StoredObject

log = logging.getLogger("kms_tui.server")

ROTATABLE = ("Active", "Deactivated", "Compromised")
# Attributes::clean_for_generation: what must not leak from the old key into the generation request.
GENERATION_DROPS = frozenset(
    {
        "UniqueIdentifier",
        "Link",
        "Name",
        "InitialDate",
        "LastChangeDate",
        "ActivationDate",
        "DeactivationDate",
        "DestroyDate",
        "CompromiseDate",
        "CompromiseOccurrenceDate",
        "KeyFormatType",
        "RotateInterval",
        "RotateName",
        "RotateOffset",
        "RotateGeneration",
        "RotateLatest",
        "RotateDate",
    }
)


# -- keysets (resolve_keyset: kms_tui/server/keysets.py) ------------------------------------------------


def enforce_keyset_latest(ctx: OpContext, obj: StoredObject, op: str) -> None:
    """``enforce_keyset_latest``: only the newest generation of a named keyset may be rotated."""
    name = obj.attributes.get_value("RotateName")
    if name is None:
        return
    current = obj.attributes.get_value("RotateGeneration") or 0
    if any(uid != obj.uid and gen > current for uid, gen in ctx.store.by_rotate_name(str(name), ctx.user, None)):
        raise InvalidRequest(
            f"{op}: key '{obj.uid}' is not the latest in its keyset — only the latest generation can be rotated"
        )


# -- selection (common.rs: retrieve_eligible_keys, crypto_op.rs: select_unique_key) ------------------


def _no_crypto_change(old: TTLV, requested: list[TTLV | None], op: str) -> None:
    """``Attributes::validate_no_crypto_param_change``."""
    for req in requested:
        if req is None:
            continue
        algorithm = req.get_value("CryptographicAlgorithm")
        if algorithm is not None and old.get_value("CryptographicAlgorithm") != algorithm:
            raise Kmip21Error(
                "Constraint_Violation",
                f"{op}: changing the cryptographic algorithm is not allowed. "
                "Use Create/CreateKeyPair for a different algorithm.",
            )
        params, old_params = req.get("CryptographicDomainParameters"), old.get("CryptographicDomainParameters")
        if params is not None and old_params is not None:
            curve = params.get_value("RecommendedCurve")
            if curve is not None and curve != old_params.get_value("RecommendedCurve"):
                raise Kmip21Error(
                    "Constraint_Violation",
                    f"{op}: changing the recommended curve is not allowed. "
                    "Use Create/CreateKeyPair for a different curve.",
                )
        length = req.get_value("CryptographicLength")
        old_length = old.get_value("CryptographicLength")
        if length is not None and old_length is not None and old_length != length:
            raise Kmip21Error(
                "Constraint_Violation",
                f"{op}: changing the cryptographic length is not allowed. "
                "Use Create/CreateKeyPair for a different key size.",
            )


def select_candidate(ctx: OpContext, uid: str, object_type: str, op: str, requested: list[TTLV | None]) -> StoredObject:
    """The one key to rotate: ``retrieve_eligible_keys`` (an id naming a key of the type in another
    state is refused by name), then ``select_unique_key`` with the strict ``rekey`` permission."""
    is_tags = uid.startswith("[")
    for oid in ctx.candidate_ids(uid):
        obj = ctx.store.get(oid)
        if obj is not None and obj.object_type == object_type and obj.state not in ROTATABLE and not is_tags:
            raise InvalidRequest(
                f"key '{obj.uid}' is in state '{obj.state}' — only Active, Deactivated, "
                "or Compromised keys can be rotated"
            )

    def eligible(obj: StoredObject) -> bool:
        if obj.object_type != object_type:
            return False
        _no_crypto_change(obj.attributes, requested, op)
        return True

    obj = select_unique(ctx, Spec(op, "rekey", ROTATABLE, eligible), uid)
    enforce_keyset_latest(ctx, obj, op)
    return obj


def _request_uid(payload: TTLV, tag: str, op: str) -> str:
    node = payload.get(tag)
    if node is None:
        raise UnsupportedPlaceholder()
    if node.type != "TextString":
        raise InvalidRequest(f"{op}: the unique identifier must be a string")
    return str(node.value)


def _offset(payload: TTLV) -> int | None:
    value = payload.get_value("Offset")
    return value if isinstance(value, int) else None


def _reject_hsm(uid: str, what: str) -> None:
    if uid.startswith("hsm::"):
        raise NotSupported(
            f"{what} is not supported for HSM-managed keys. Use PKCS#11 vendor tools or the HSM "
            "administration console to manage HSM key lifecycle."
        )


# -- attributes of the new and the old key -----------------------------------------------------------


def clean_for_generation(attrs: TTLV, vendor: str) -> TTLV:
    """``Attributes::clean_for_generation``: the old attributes minus identity, dates, format,
    rotation metadata and tags."""
    out = attrs.copy()
    out.tag = "Attributes"
    out.value = [c for c in out.value if c.tag not in GENERATION_DROPS]
    A.remove_vendor_attribute(out, vendor, "tag")
    return out


def successor_uid(old: TTLV) -> str:
    """``UniqueIdentifier::rotation_successor``: ``name@gen+1`` in a keyset, else a fresh UUID."""
    name = old.get_value("RotateName")
    if name is None:
        return new_uid()
    return f"{name}@{(old.get_value('RotateGeneration') or 0) + 1}"


def replacement_request(gen_attrs: TTLV, old: TTLV, offset: int | None) -> TTLV:
    """What ``setup_new_key`` takes from ``for_replacement``: the old Name(s) and an ActivationDate
    of now + Offset (the state follows it: Active now, PreActive when in the future)."""
    out = gen_attrs.copy()
    out.value = [c for c in out.value if c.tag != "Name"] + [n.copy() for n in old.children("Name")]
    A.put(out, TTLV.date("ActivationDate", A.now() + timedelta(seconds=offset or 0)))
    return A.sort_attributes(out)


def set_rotation_metadata(new: TTLV, old: TTLV, replaced: str) -> None:
    """``ReplacedObjectLink`` → the old key and ``set_rotation_metadata_from``: generation + 1,
    RotateDate now, RotateInterval 0 (a manual re-key does not inherit the policy), RotateName
    inherited, no RotateOffset, RotateLatest true."""
    A.set_link(new, "ReplacedObjectLink", replaced)
    A.put(new, TTLV.integer("RotateGeneration", (old.get_value("RotateGeneration") or 0) + 1))
    A.put(new, TTLV.date("RotateDate", A.now()))
    A.put(new, TTLV.long("RotateInterval", 0))
    new.remove("RotateName")
    new.remove("RotateOffset")
    name = old.get("RotateName")
    if name is not None:
        new.value.append(name.copy())
    A.put(new, TTLV.boolean("RotateLatest", True))
    A.sort_attributes(new)


def retire(obj: StoredObject, replacement: str) -> None:
    """``retire_for_replacement`` + ``clear_rotation_flags`` + state Deactivated."""
    attrs = obj.attributes
    A.set_link(attrs, "ReplacementObjectLink", replacement)
    attrs.remove("Name")
    A.put(attrs, TTLV.date("DeactivationDate", A.now()))
    A.put(attrs, TTLV.long("RotateInterval", 0))
    A.put(attrs, TTLV.boolean("RotateLatest", False))
    if attrs.get("RotateGeneration") is None:
        attrs.value.append(TTLV.integer("RotateGeneration", 0))
    touch(obj, "Deactivated")


def _rewrap_dependants(ctx: OpContext, old_uid: str, new_uid_: str) -> list[StoredObject]:
    """``rewrap_dependants``: the user's keys wrapped by the old key, wrapped again by the new one
    (a dependant that cannot be is left as it is, as Cosmian logs and skips it)."""
    out = []
    for dep_uid in ctx.store.ids_linking_to("WrappingKeyLink", old_uid):
        dep = ctx.store.get(dep_uid)
        if dep is None or dep.owner != ctx.user or not wrapping.is_wrapped(dep.object):
            continue
        try:
            plain = wrapping.unwrapped(ctx, dep)
            dep.object = wrapping.wrap_on_create(ctx, dep.uid, plain, new_uid_)
        except KmipFailure as exc:
            log.warning("ReKey: dependant %s not re-wrapped: %s", dep.uid, exc.message)
            continue
        A.set_link(dep.attributes, "WrappingKeyLink", new_uid_)
        if A.vendor_attribute(dep.attributes, ctx.vendor, wrapping.WRAPPING_KEY_ID) is not None:
            A.remove_vendor_attribute(dep.attributes, ctx.vendor, wrapping.WRAPPING_KEY_ID)
            dep.attributes.value.append(A.vendor_node(ctx.vendor, wrapping.WRAPPING_KEY_ID, TTLV.text("", new_uid_)))
            A.sort_attributes(dep.attributes)
        out.append(dep)
    return out


# -- the operations ------------------------------------------------------------------------------------


async def rekey_symmetric(ctx: OpContext, uid: str, offset: int | None = None, requested: TTLV | None = None) -> str:
    """ReKey one symmetric key; the new key's id."""
    ctx.check_create()
    _reject_hsm(uid, "Re-Key")
    old = select_candidate(ctx, uid, "SymmetricKey", "ReKey", [requested])
    gen = clean_for_generation(old.attributes, ctx.vendor)
    algorithm = gen.get_value("CryptographicAlgorithm")
    nbytes = create_op.symmetric_key_bytes(algorithm, gen.get_value("CryptographicLength"))
    obj = keys.symmetric_object(keys.random_bytes(nbytes), algorithm)
    obj.child("KeyBlock").set(TTLV.integer("CryptographicLength", create_op.reported_length(algorithm, nbytes)))
    uid_new = successor_uid(old.attributes)
    attrs, state = stored_attributes(
        ctx, replacement_request(gen, old.attributes, offset), uid=uid_new, obj=obj, tags=set(), lifecycle=True
    )
    set_rotation_metadata(attrs, old.attributes, old.uid)
    kek = A.links(old.attributes).get("WrappingKeyLink") if wrapping.is_wrapped(old.object) else None
    if kek is not None:  # copy_wrapping_key_link_to + default_rewrap_new_objects
        obj = wrapping.wrap_on_create(ctx, uid_new, obj, kek)
        A.set_link(attrs, "WrappingKeyLink", kek)
    with ctx.store.transaction():
        ctx.store.insert([new_stored(ctx, uid_new, obj, attrs, state)])
        retire(old, uid_new)
        ctx.store.update(old)
        for dep in _rewrap_dependants(ctx, old.uid, uid_new):
            ctx.store.update(dep)
    log.info("Rekey finalized: old=%s → new=%s, user=%s", old.uid, uid_new, ctx.user)
    return uid_new


async def rekey_key_pair(
    ctx: OpContext, uid: str, offset: int | None = None, requested: tuple[TTLV | None, ...] = ()
) -> tuple[str, str]:
    """ReKeyKeyPair on a private key and its linked public key; the new (private, public) ids."""
    ctx.check_create()
    _reject_hsm(uid, "Re-Key Key Pair")
    old_sk = select_candidate(ctx, uid, "PrivateKey", "ReKeyKeyPair", list(requested))
    if old_sk.attributes.get_value("KeyFormatType") == "CoverCryptSecretKey":
        raise NotSupported("the sandbox KMS does not re-key Covercrypt keys")
    pk_uid = A.links(old_sk.attributes).get("PublicKeyLink")
    if pk_uid is None:
        raise InvalidRequest(
            "ReKeyKeyPair: the private key has no PublicKeyLink. Cannot determine the paired public key."
        )
    old_pk = ctx.store.get(pk_uid)
    if old_pk is None:
        raise Kmip21Error("Item_Not_Found", f"ReKeyKeyPair: linked public key '{pk_uid}' not found in database")
    common = clean_for_generation(old_sk.attributes, ctx.vendor)
    algorithm = common.get_value("CryptographicAlgorithm")
    if algorithm is None:
        raise InvalidRequest("the cryptographic algorithm must be specified for key pair creation")
    sk_new = successor_uid(old_sk.attributes)
    pk_new = sk_new + "_pk"
    key = await ckp.generate_private_key(ctx, algorithm, common)
    sk_obj, pk_obj, params = ckp.key_pair_objects(key, algorithm)
    made = []
    for old, obj, new_id, link, partner in (
        (old_sk, sk_obj, sk_new, "PublicKeyLink", pk_new),
        (old_pk, pk_obj, pk_new, "PrivateKeyLink", sk_new),
    ):
        mask = old.attributes.get("CryptographicUsageMask")
        specific = TTLV.struct("Attributes", [mask.copy()]) if mask is not None else None
        req = ckp.key_attributes(specific, common, obj, params, link, partner)
        attrs, state = stored_attributes(
            ctx, replacement_request(req, old.attributes, offset), uid=new_id, obj=obj, tags=set(), lifecycle=True
        )
        set_rotation_metadata(attrs, old.attributes, old.uid)
        made.append(new_stored(ctx, new_id, obj, attrs, state))
    with ctx.store.transaction():
        ctx.store.insert(made)
        for old, new in ((old_sk, made[0]), (old_pk, made[1])):
            retire(old, new.uid)
            ctx.store.update(old)
    log.info("Rekey finalized: old=%s → new=%s, user=%s", old_sk.uid, sk_new, ctx.user)
    return sk_new, pk_new


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """ReKey: answers the new symmetric key's id."""
    if payload.get("ProtectionStorageMasks") is not None:  # reject_protection_storage_masks
        raise UnsupportedPlaceholder()
    uid = resolve_keyset(ctx, _request_uid(payload, "UniqueIdentifier", "ReKey"), "ReKey")
    new = await rekey_symmetric(ctx, uid, _offset(payload), payload.get("Attributes"))
    return TTLV.struct("ReKeyResponse", [TTLV.text("UniqueIdentifier", new)])


async def handle_key_pair(ctx: OpContext, payload: TTLV) -> TTLV:
    """ReKeyKeyPair: answers the new private and public key ids."""
    for tag in ("CommonProtectionStorageMasks", "PrivateProtectionStorageMasks", "PublicProtectionStorageMasks"):
        if payload.get(tag) is not None:
            raise UnsupportedPlaceholder()
    uid = _request_uid(payload, "PrivateKeyUniqueIdentifier", "ReKeyKeyPair")
    uid = resolve_keyset(ctx, uid, "ReKeyKeyPair")
    requested = tuple(payload.get(t) for t in ("CommonAttributes", "PrivateKeyAttributes", "PublicKeyAttributes"))
    sk, pk = await rekey_key_pair(ctx, uid, _offset(payload), requested)
    return TTLV.struct(
        "ReKeyKeyPairResponse",
        [
            TTLV.text("PrivateKeyUniqueIdentifier", sk),
            TTLV.text("PublicKeyUniqueIdentifier", pk),
        ],
    )
