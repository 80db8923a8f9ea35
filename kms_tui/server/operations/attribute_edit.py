"""SetAttribute, AddAttribute, DeleteAttribute and ModifyAttribute on one object.

Cosmian's read-only guards come first, with its texts (``crate/server/src/core/operations/
attributes/{set,add,modify,delete}.rs``); AddAttribute refuses what already exists; the sandbox
also refuses the other attributes it manages itself (``SERVER_MANAGED``, see docs/fidelity.md);
the ``tag`` vendor attribute updates the tags table too; Link/Name/vendor attributes are
multi-valued (one link per type)."""

from __future__ import annotations

import json

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server.context import OpContext
from kms_tui.server.errors import InvalidRequest, Kmip21Error, codec
from kms_tui.server.objects import SYSTEM_TAGS, require, touch
from kms_tui.server.store import StoredObject

SERVER_MANAGED = frozenset(
    {
        "State",
        "UniqueIdentifier",
        "ObjectType",
        "InitialDate",
        "LastChangeDate",
        "OriginalCreationDate",
        "Digest",
        "AlwaysSensitive",
        "NeverExtractable",
        "KeyValuePresent",
        "KeyValueLocation",
        "DestroyDate",
        "CompromiseDate",
        "ArchiveDate",
        "RandomNumberGenerator",
        "Fresh",
        "RotateGeneration",
        "RotateLatest",
        "RotateDate",
        "ShortUniqueIdentifier",
        "CertificateLength",
        "CertificateType",
        "X509CertificateIdentifier",
        "X509CertificateIssuer",
        "X509CertificateSubject",
        "CryptographicAlgorithm",
        "CryptographicLength",
        "KeyFormatType",
    }
)


# Cosmian's own read-only guards (``crate/server/src/core/operations/attributes/{set,add,
# modify,delete}.rs``): ``Attribute_Read_Only`` with the operation's verb, checked first.
_ROTATION = frozenset({"RotateGeneration", "RotateDate", "RotateLatest"})
_NOT_MODIFIABLE = (
    frozenset(
        {
            "UniqueIdentifier",
            "ObjectType",
            "CryptographicLength",
            "CertificateLength",
            "Digest",
            "State",
            "InitialDate",
            "Fresh",
            "LastChangeDate",
            "OriginalCreationDate",
            "AlwaysSensitive",
            "NeverExtractable",
        }
    )
    | _ROTATION
)
READ_ONLY = {
    "setattribute": ("set", frozenset({"AlwaysSensitive", "State"}) | _ROTATION),
    "addattribute": ("added", frozenset({"AlwaysSensitive", "RotateAutomatic"}) | _ROTATION),
    "modifyattribute": ("modified", _NOT_MODIFIABLE),
    "deleteattribute": ("deleted", frozenset({"AlwaysSensitive", "RotateAutomatic"}) | _ROTATION),
}
DELETE_BY_REFERENCE_READ_ONLY = _NOT_MODIFIABLE | {"RotateAutomatic"}
OP_NAMES = {
    "setattribute": "SetAttribute",
    "addattribute": "AddAttribute",
    "deleteattribute": "DeleteAttribute",
    "modifyattribute": "ModifyAttribute",
}


def _cosmian_guard(op: str, tag: str | None, value: object, *, by_reference: bool = False) -> None:
    verb, read_only = READ_ONLY[op]
    if by_reference:
        read_only = DELETE_BY_REFERENCE_READ_ONLY
    if tag in read_only:
        raise Kmip21Error(
            "Attribute_Read_Only", f"DENIED: this attribute is server-managed and cannot be {verb} by the user"
        )
    if tag == "RotateName" and op != "deleteattribute" and isinstance(value, str) and "@" in value:
        raise InvalidRequest(f"{OP_NAMES[op]}: rotate_name must not contain '@' (reserved for keyset versioning)")


def _single_attribute(payload: TTLV, field: str) -> TTLV:
    holder = require(payload, field)
    if holder.type != "Structure" or len(holder.value) != 1:
        raise codec(f"{payload.tag}: `{field}` must hold exactly one attribute")
    node: TTLV = holder.value[0]
    if node.tag not in A.KNOWN:
        raise InvalidRequest(f"{payload.tag}: unknown attribute {node.tag}")
    return node


def _check_writable(node: TTLV) -> None:
    if node.tag in SERVER_MANAGED:
        raise InvalidRequest(f"the attribute {node.tag} is server-managed and cannot be modified")
    if node.tag == "RotateName" and isinstance(node.value, str) and "@" in node.value:
        raise InvalidRequest(f"RotateName must not contain '@': {node.value}")


def _is_tag_attr(ctx: OpContext, node: TTLV) -> bool:
    return (
        node.tag == "Attribute"
        and node.get_value("VendorIdentification") == ctx.vendor
        and node.get_value("AttributeName") == "tag"
    )


def _apply_tags(ctx: OpContext, obj: StoredObject, node: TTLV, *, add: bool) -> None:
    value = node.get("AttributeValue")
    try:
        tags = json.loads(value.value) if value is not None and value.type == "TextString" else None
    except ValueError:
        tags = None
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise InvalidRequest("the tag attribute must be a TextString holding a JSON array of strings")
    try:
        A.check_user_tags(tags)
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None
    system = {t for t in obj.tags if t.startswith("_")}
    if obj.object_type in SYSTEM_TAGS:
        system |= {SYSTEM_TAGS[obj.object_type]}
    base = obj.tags if add else system
    obj.tags = set(base) | set(tags)
    A.set_tags(obj.attributes, ctx.vendor, obj.tags)


def _replace(attrs: TTLV, node: TTLV) -> None:
    if node.tag == "Link":
        A.set_link(attrs, node.get_value("LinkType"), str(node.get_value("LinkedObjectIdentifier")))
    elif node.tag == "Attribute":
        A.remove_vendor_attribute(attrs, node.get_value("VendorIdentification"), node.get_value("AttributeName"))
        attrs.value.append(node.copy())
    else:
        attrs.set(node.copy())


async def _edit(ctx: OpContext, payload: TTLV, op: str) -> TTLV:
    uid = ctx.uid_of(payload)
    field = "CurrentAttribute" if op == "deleteattribute" and payload.get("CurrentAttribute") else "NewAttribute"
    node = None
    if op == "deleteattribute":
        obj = ctx.retrieve(uid, op)  # delete.rs: retrieved before the attribute is looked at
        if payload.get("CurrentAttribute") is None and payload.get("AttributeReference") is None:
            return TTLV.struct("DeleteAttributeResponse", [TTLV.text("UniqueIdentifier", obj.uid)])
    if op == "deleteattribute" and payload.get("CurrentAttribute") is None:
        ref = require(payload, "AttributeReference")
        target = ref.value if ref.type != "Structure" else None
        if ref.type == "Structure":  # a vendor attribute, named by (vendor, name)
            node = A.vendor_node(
                str(ref.get_value("VendorIdentification")),
                str(ref.get_value("AttributeName")),
                TTLV.text("AttributeValue", ""),
            )
        elif target == "Tag":
            node = A.vendor_node(ctx.vendor, "tag", TTLV.text("AttributeValue", "[]"))
        _cosmian_guard(op, target if isinstance(target, str) else None, None, by_reference=True)
    else:
        node = _single_attribute(payload, field)
        target = node.tag
        if op == "deleteattribute":
            _cosmian_guard(op, target, node.value)
        else:  # set.rs, add.rs, modify.rs: the guard comes before the retrieval
            _cosmian_guard(op, target, node.value)
            obj = ctx.retrieve(uid, op)
    if op == "addattribute" and target == "State":
        raise InvalidRequest("Attribute: State cannot be modified. Use Revoke and Destroy to change the object state")
    if op == "modifyattribute" and target == "ActivationDate" and obj.state != "PreActive":
        raise Kmip21Error(
            "Wrong_Key_Lifecycle_State",
            f"ModifyAttribute: ActivationDate can only be modified on a Pre-Active object (current state: {obj.state})",
        )
    if target == "RotateName" and op in ("setattribute", "addattribute") and node is not None and node.value != obj.uid:
        if op == "setattribute":
            raise InvalidRequest(
                f"SetAttribute: rotate_name ('{node.value}') must equal the object's UID "
                f"('{obj.uid}') — create the object with the keyset name as its ID"
            )
        raise InvalidRequest(
            f"AddAttribute: rotate_name ('{node.value}') must equal the key's UID "
            f"('{obj.uid}') — create the key with the keyset name as its ID"
        )
    if node is not None and node.tag != "Attribute":
        _check_writable(node)
    elif target in SERVER_MANAGED:
        raise InvalidRequest(f"the attribute {target} is server-managed and cannot be deleted")
    attrs = obj.attributes
    tags_changed = False
    if op == "deleteattribute":
        if node is not None and _is_tag_attr(ctx, node):
            obj.tags = {t for t in obj.tags if t.startswith("_")}
            A.set_tags(attrs, ctx.vendor, obj.tags)
            tags_changed = True
        elif node is not None and node.tag in ("Link", "Name", "Attribute"):
            attrs.value = [c for c in attrs.value if not (c.tag == node.tag and _matches(c, node))]
        else:
            attrs.remove(str(target))
    elif node is None:  # only a DeleteAttribute names its attribute by reference
        raise codec(f"{payload.tag}: no attribute")
    elif _is_tag_attr(ctx, node):
        _apply_tags(ctx, obj, node, add=(op == "addattribute"))
        tags_changed = True
    elif op == "addattribute":
        _add(attrs, node)
    elif op == "setattribute" and node.tag == "Name":  # set.rs: pushed unless already there
        if not any(c.tag == "Name" and _same_name(c, node) for c in attrs.value):
            attrs.value.append(node.copy())
    else:
        _replace(attrs, node)
    if op in ("setattribute", "addattribute") and target == "RotateName":  # keyset metadata, generation 0
        if attrs.get("RotateGeneration") is None:
            attrs.value.append(TTLV.integer("RotateGeneration", 0))
        if attrs.get("RotateLatest") is None:
            attrs.value.append(TTLV.boolean("RotateLatest", True))
    if (
        op == "setattribute"
        and target == "RotateInterval"
        and node is not None
        and isinstance(node.value, int)
        and node.value > 0
        and attrs.get("RotateAutomatic") is None
    ):  # set.rs: an interval alone enables auto-rotation
        attrs.value.append(TTLV.boolean("RotateAutomatic", True))
    touch(obj)
    ctx.store.update(obj, tags=tags_changed)
    return TTLV.struct(f"{OP_NAMES[op]}Response", [TTLV.text("UniqueIdentifier", obj.uid)])


def _same_name(a: TTLV, b: TTLV) -> bool:
    return bool(
        a.get_value("NameValue") == b.get_value("NameValue") and a.get_value("NameType") == b.get_value("NameType")
    )


def _add(attrs: TTLV, node: TTLV) -> None:
    """``add.rs``: AddAttribute adds, it never replaces."""
    if node.tag == "Link":
        if node.get_value("LinkType") in A.links(attrs):
            raise InvalidRequest("Link already exists")
    elif node.tag == "Attribute":
        vendor, name = node.get_value("VendorIdentification"), node.get_value("AttributeName")
        if vendor != "KMIP1" and any(
            c.tag == "Attribute"
            and c.get_value("VendorIdentification") == vendor
            and c.get_value("AttributeName") == name
            for c in attrs.value
        ):
            raise InvalidRequest("Vendor Attribute already exists")
    elif node.tag == "Name":
        if any(c.tag == "Name" and _same_name(c, node) for c in attrs.value):
            raise Kmip21Error("Non_Unique_Name_Attribute", "DENIED")
        attrs.value.append(node.copy())
        return
    elif node.tag == "Description" and attrs.get("Description") is not None:
        raise Kmip21Error("Attribute_Single_Valued", "DENIED")
    elif attrs.get(node.tag) is not None:
        raise InvalidRequest(f"{node.tag} already exists")
    _replace(attrs, node)


def _matches(have: TTLV, want: TTLV) -> bool:
    """A stored multi-valued attribute matches the one named in a DeleteAttribute."""
    if want.tag == "Link":
        return bool(have.get_value("LinkType") == want.get_value("LinkType"))
    if want.tag == "Name":
        return bool(have.get_value("NameValue") == want.get_value("NameValue"))
    return bool(
        have.get_value("VendorIdentification") == want.get_value("VendorIdentification")
        and have.get_value("AttributeName") == want.get_value("AttributeName")
    )


async def handle_set(ctx: OpContext, payload: TTLV) -> TTLV:
    """SetAttribute: replace (or add) one attribute."""
    return await _edit(ctx, payload, "setattribute")


async def handle_add(ctx: OpContext, payload: TTLV) -> TTLV:
    """AddAttribute: add one attribute (names and tags accumulate)."""
    require(payload, "UniqueIdentifier")  # add.rs: a required field (no placeholder)
    return await _edit(ctx, payload, "addattribute")


async def handle_delete(ctx: OpContext, payload: TTLV) -> TTLV:
    """DeleteAttribute: remove an attribute named by value or reference."""
    return await _edit(ctx, payload, "deleteattribute")


async def handle_modify(ctx: OpContext, payload: TTLV) -> TTLV:
    """ModifyAttribute: change the value of one attribute."""
    return await _edit(ctx, payload, "modifyattribute")
