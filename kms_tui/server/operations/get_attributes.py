"""GetAttributes (server-filled defaults, tags only on request) and GetAttributeList."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime

from kms_tui.kmip.enums import LinkType
from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server import keys
from kms_tui.server.context import OpContext
from kms_tui.server.errors import Kmip21Error
from kms_tui.server.store import StoredObject

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LINK_ORDER = [link_type.name for link_type in LinkType]  # LinkType::iter(): declaration order
_KFT_NORMAL = {
    "TransparentSymmetricKey": "Raw",
    "TransparentRSAPrivateKey": "PKCS1",
    "TransparentRSAPublicKey": "PKCS1",
}


def full_attributes(ctx: OpContext, obj: StoredObject) -> TTLV:
    """Every attribute GetAttributes reports for ``obj`` (the ``tag`` vendor attribute included)."""
    attrs = obj.attributes.copy()
    have = {c.tag for c in attrs.value}

    def default(node: TTLV) -> None:
        if node.tag not in have:
            attrs.value.append(node)
            have.add(node.tag)

    sensitive = bool(attrs.get_value("Sensitive", False))
    default(TTLV.boolean("AlwaysSensitive", sensitive))
    default(TTLV.boolean("Extractable", True))
    default(TTLV.boolean("NeverExtractable", False))
    default(TTLV.boolean("Sensitive", False))
    default(TTLV.interval("LeaseTime", 3600))
    default(TTLV.text("ShortUniqueIdentifier", ""))
    attrs.set(
        TTLV.struct(
            "RandomNumberGenerator",
            [
                TTLV.enum("RNGAlgorithm", "ANSI_X931"),
                TTLV.enum("CryptographicAlgorithm", "AES"),
                TTLV.integer("CryptographicLength", 256),
            ],
        )
    )
    attrs.set(TTLV.enum("ObjectType", obj.object_type))
    attrs.set(TTLV.text("UniqueIdentifier", obj.uid))
    attrs.set(TTLV.enum("State", obj.state))
    if obj.object_type in ("SymmetricKey", "PrivateKey", "PublicKey"):
        fmt = attrs.get_value("KeyFormatType")
        attrs.set(
            TTLV.enum(
                "KeyFormatType", _KFT_NORMAL.get(fmt, fmt) or ("Raw" if obj.object_type == "SymmetricKey" else "PKCS1")
            )
        )
    if attrs.get_value("CryptographicAlgorithm") == "RSA":
        attrs.remove("CryptographicParameters")
    if obj.state in ("Destroyed", "Destroyed_Compromised"):
        default(TTLV.date("DestroyDate", EPOCH))
    if obj.object_type == "SymmetricKey" and "Digest" not in have:  # attributes/get.rs: computed
        try:
            default(
                TTLV.struct(
                    "Digest",
                    [
                        TTLV.enum("HashingAlgorithm", "SHA256"),
                        TTLV.bytes_("DigestValue", hashlib.sha256(keys.symmetric_bytes(obj.object)).digest()),
                        TTLV.enum("KeyFormatType", "Raw"),
                    ],
                )
            )
        except keys.KeyFormatError:
            pass  # a wrapped key: no plaintext bytes to digest
    if obj.tags:  # tags come from the tags table (retrieve_tags), whatever the attributes hold
        A.set_tags(attrs, ctx.vendor, obj.tags)
    if obj.object_type == "Certificate":  # attributes/get.rs: the DER length when not stored
        value = obj.object.get_value("CertificateValue")
        if isinstance(value, bytes):
            default(TTLV.integer("CertificateLength", len(value)))
    return A.sort_attributes(attrs)


def _wanted(ctx: OpContext, payload: TTLV) -> tuple[set[str], bool, bool]:
    """(standard tags, tags requested, all requested)."""
    names: set[str] = set()
    want_tags = False
    refs = payload.all("AttributeReference")
    for ref in refs:
        if ref.type == "Structure":
            vendor, name = ref.get_value("VendorIdentification"), ref.get_value("AttributeName")
            if vendor == ctx.vendor and name == "tag":
                want_tags = True
            else:
                names.add(f"{vendor}/{name}")
        elif ref.value == "Tag":
            want_tags = True
        else:
            names.add(str(ref.value))
    return names, want_tags, not refs


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """GetAttributes: the requested attributes (all but tags when none are named)."""
    uid = _uid(ctx, payload)
    obj = ctx.retrieve(uid, "getattributes")
    attrs = full_attributes(ctx, obj)
    names, want_tags, everything = _wanted(ctx, payload)
    kept = []
    for c in attrs.value:
        if c.tag == "Attribute":
            vendor, name = c.get_value("VendorIdentification"), c.get_value("AttributeName")
            if vendor == ctx.vendor and name == "tag":
                if want_tags:
                    kept.append(c)
            elif everything or f"{vendor}/{name}" in names:
                kept.append(c)
        elif everything or c.tag in names:
            kept.append(c)
    if everything or "LinkType" in names:
        kept = [c for c in kept if c.tag != "Link"] + links_by_type(attrs.children("Link"))
    return TTLV.struct(
        "GetAttributesResponse",
        [TTLV.text("UniqueIdentifier", obj.uid), A.sort_attributes(TTLV.struct("Attributes", kept))],
    )


def links_by_type(links: Iterable[TTLV]) -> list[TTLV]:
    """``attributes/get.rs``: the reference ``LinkType`` (part of "everything", after ``Link``)
    sets the first link of each type again, in ``LinkType`` order (``res.set_link`` removes and
    appends): the answer lists one link per type, ordered by type (ReplacementObjectLink before
    ReplacedObjectLink, WrappingKeyLink last)."""
    first: dict[str, TTLV] = {}
    for link in links:
        first.setdefault(str(link.get_value("LinkType")), link)
    return [first[t] for t in LINK_ORDER if t in first]


def _uid(ctx: OpContext, payload: TTLV) -> str:
    """The object GetAttributes reads. Without a UniqueIdentifier: the batch's ID placeholder
    (``message.rs: resolve_id_placeholder_for_operation``), else, as Cosmian's
    ``attributes/get.rs: get_attributes`` does, the object whose id is literally ``*`` (its
    ``retrieve_objects("*")`` reads one id, not a wildcard), else
    ``Item_Not_Found: Get Attributes: no objects available for implicit selection``."""
    if payload.get("UniqueIdentifier") is None:
        if ctx.id_placeholder:
            return ctx.id_placeholder
        if ctx.store.get("*") is None:
            raise Kmip21Error("Item_Not_Found", "Get Attributes: no objects available for implicit selection")
        return "*"
    return ctx.uid_of(payload)


async def handle_list(ctx: OpContext, payload: TTLV) -> TTLV:
    """GetAttributeList: references to every attribute the object has. Without a
    UniqueIdentifier: the batch's ID placeholder, else ``UnsupportedPlaceholder``
    (``attributes/get_list.rs``: ``.ok_or(KmsError::UnsupportedPlaceholder)``)."""
    uid = ctx.uid_of(payload)
    obj = ctx.retrieve(uid, "getattributes")
    attrs = full_attributes(ctx, obj)
    refs: list[TTLV] = []
    seen: set[str] = set()
    for c in attrs.value:
        if c.tag == "Attribute":
            refs.append(
                TTLV.struct(
                    "AttributeReference",
                    [
                        TTLV.text("VendorIdentification", c.get_value("VendorIdentification")),
                        TTLV.text("AttributeName", c.get_value("AttributeName")),
                    ],
                )
            )
        elif c.tag not in seen:
            seen.add(c.tag)
            refs.append(TTLV.enum("AttributeReference", c.tag))
    return TTLV.struct("GetAttributeListResponse", [TTLV.text("UniqueIdentifier", obj.uid), *refs])
