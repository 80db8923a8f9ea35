"""Building new managed objects: initial state, the stored attribute set, system tags, and the
embedded attributes returned by Get/Export."""

from __future__ import annotations

import hashlib

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server.context import OpContext
from kms_tui.server.digest import object_digest
from kms_tui.server.errors import InvalidRequest, codec
from kms_tui.server.store import StoredObject

SYSTEM_TAGS = {
    "SymmetricKey": "_kk",
    "PrivateKey": "_sk",
    "PublicKey": "_pk",
    "Certificate": "_cert",
    "SecretData": "_sd",
    "OpaqueObject": "_oo",
}
OBJECT_TYPES = frozenset(
    {
        "Certificate",
        "CertificateRequest",
        "OpaqueObject",
        "PGPKey",
        "SecretData",
        "SplitKey",
        "PrivateKey",
        "PublicKey",
        "SymmetricKey",
    }
)


def require(payload: TTLV, tag: str) -> TTLV:
    """A mandatory child, or Cosmian's ``missing field`` codec error."""
    node = payload.get(tag)
    if node is None:
        raise codec(f"missing field `{tag}` in {payload.tag}")
    return node


def initial_state(attrs: TTLV) -> str:
    """Active iff an ActivationDate is set and not in the future, else PreActive."""
    act = attrs.get_value("ActivationDate")
    return "Active" if act is not None and act <= A.now() else "PreActive"


def user_tags(ctx: OpContext, attrs: TTLV | None, *, strict: bool) -> set[str]:
    """Tags requested in ``attrs``; ``strict`` refuses system-looking tags (key pairs, certs),
    otherwise ``_``-prefixed ones are dropped (Create, Import)."""
    try:
        tags = A.request_tags(attrs, ctx.vendor) or []
        if strict:
            A.check_user_tags(tags)
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None
    return {t for t in tags if t and not t.startswith("_")}


def digest(material: bytes, fmt: str) -> TTLV:
    """A SHA-256 ``Digest`` attribute of ``material``."""
    return TTLV.struct(
        "Digest",
        [
            TTLV.enum("HashingAlgorithm", "SHA256"),
            TTLV.bytes_("DigestValue", hashlib.sha256(material).digest()),
            TTLV.enum("KeyFormatType", fmt),
        ],
    )


def stored_attributes(
    ctx: OpContext,
    request_attrs: TTLV | None,
    *,
    uid: str,
    obj: TTLV,
    tags: set[str],
    digest_of: bytes | None = None,
    lifecycle: bool = False,
) -> tuple[TTLV, str]:
    """The DB attribute set of a new object, and its initial state.

    Starts from the request's attributes and adds what Cosmian's server stores: State,
    ObjectType, the key block's algorithm/length/format, dates, Digest, AlwaysSensitive, the
    object's UniqueIdentifier and the tag vendor attribute (with the system tag).

    ``lifecycle``: Cosmian's ``Object::setup_lifecycle`` (Create, CreateKeyPair, keys made by
    Certify; ``kmip_2_1/kmip_objects.rs``): an ActivationDate at or before now makes the object
    Active with ActivationDate=now, a future one keeps it PreActive with that date, none leaves
    it PreActive; OriginalCreationDate=now; Digest as ``operations/digest.rs`` computes it."""
    attrs = request_attrs.copy() if request_attrs is not None else TTLV.struct("Attributes")
    attrs.tag = "Attributes"
    now = A.now()
    block = obj.get("KeyBlock")
    if block is not None:
        for tag in ("CryptographicAlgorithm", "CryptographicLength", "KeyFormatType"):
            node = block.get(tag)
            if node is not None:
                A.put(attrs, node.copy())
    A.put(attrs, TTLV.enum("ObjectType", obj.tag))
    A.put(attrs, TTLV.text("UniqueIdentifier", uid))
    state = initial_state(attrs)
    A.put(attrs, TTLV.enum("State", state))
    for tag in ("InitialDate", "OriginalCreationDate", "LastChangeDate"):
        if tag != "OriginalCreationDate" or attrs.get(tag) is None or lifecycle:
            A.put(attrs, TTLV.date(tag, now))
    A.put(attrs, TTLV.boolean("AlwaysSensitive", bool(attrs.get_value("Sensitive", False))))
    if lifecycle:
        if state == "Active":
            A.put(attrs, TTLV.date("ActivationDate", now))
        attrs.remove("Digest")
        computed = object_digest(obj)
        if computed is not None:
            A.put(attrs, computed)
    elif digest_of is not None and block is not None:
        fmt = "Raw" if obj.tag == "SymmetricKey" else block.get_value("KeyFormatType")
        A.put(attrs, digest(digest_of, fmt))
    all_tags = set(tags)
    if obj.tag in SYSTEM_TAGS:
        all_tags.add(SYSTEM_TAGS[obj.tag])
    A.set_tags(attrs, ctx.vendor, all_tags)
    return A.sort_attributes(attrs), state


def new_stored(ctx: OpContext, uid: str, obj: TTLV, attrs: TTLV, state: str) -> StoredObject:
    """A :class:`StoredObject` owned by the requesting user, tags read from ``attrs``."""
    return StoredObject(uid, obj, attrs, state, ctx.user, set(_tags_in(ctx, attrs)))


def _tags_in(ctx: OpContext, attrs: TTLV) -> list[str]:
    return A.request_tags(attrs, ctx.vendor) or []


def touch(obj: StoredObject, state: str | None = None) -> None:
    """Record a change: LastChangeDate=now and (optionally) a new state, in the attributes too."""
    if state is not None:
        obj.state = state
        A.put(obj.attributes, TTLV.enum("State", state))
    A.put(obj.attributes, TTLV.date("LastChangeDate", A.now()))
    A.sort_attributes(obj.attributes)


def with_embedded_attributes(obj: TTLV, attrs: TTLV) -> TTLV:
    """A copy of a key object with ``KeyValue.Attributes`` = the DB attributes (as Cosmian)."""
    out = obj.copy()
    block = out.get("KeyBlock")
    kv = block.get("KeyValue") if block is not None else None
    if kv is not None and kv.type == "Structure":
        kv.remove("Attributes")
        embedded = attrs.copy()
        if embedded.value:
            kv.value.append(embedded)
    return out


def check_uid_allowed(uid: str) -> None:
    """Ids Cosmian refuses: tag queries and HSM-prefixed ids without an HSM."""
    if uid.startswith("["):
        raise InvalidRequest("a unique identifier cannot start with '[' (reserved for tag queries)")
    if uid.startswith("hsm::"):
        raise InvalidRequest("No HSM is configured on this server: cannot create HSM key " + uid)


def pair_partner(ctx: OpContext, obj: StoredObject, op: str) -> StoredObject | None:
    """The other key of a pair (for Cascade), if the user may ``op`` it."""
    links = A.links(obj.attributes)
    target = links.get("PublicKeyLink") if obj.object_type == "PrivateKey" else links.get("PrivateKeyLink")
    if target is None:
        return None
    found = ctx.accessible(target, op)
    return found[0] if found else None
