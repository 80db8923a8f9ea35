"""SetAttribute, AddAttribute, DeleteAttribute and ModifyAttribute on one object.

Server-managed attributes cannot be written; the ``tag`` vendor attribute updates the tags
table too; Link/Name/vendor attributes are multi-valued (one link per type)."""

from __future__ import annotations

import json

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server.context import OpContext
from kms_tui.server.errors import InvalidRequest, codec
from kms_tui.server.objects import SYSTEM_TAGS, require, touch
from kms_tui.server.store import StoredObject

SERVER_MANAGED = frozenset({
    "State", "UniqueIdentifier", "ObjectType", "InitialDate", "LastChangeDate", "OriginalCreationDate",
    "Digest", "AlwaysSensitive", "NeverExtractable", "KeyValuePresent", "KeyValueLocation",
    "DestroyDate", "CompromiseDate", "ArchiveDate", "RandomNumberGenerator", "Fresh",
    "RotateGeneration", "RotateLatest", "RotateDate", "ShortUniqueIdentifier",
    "CertificateLength", "CertificateType", "X509CertificateIdentifier", "X509CertificateIssuer",
    "X509CertificateSubject", "CryptographicAlgorithm", "CryptographicLength", "KeyFormatType",
})


def _single_attribute(payload: TTLV, field: str) -> TTLV:
    holder = require(payload, field)
    if holder.type != "Structure" or len(holder.value) != 1:
        raise codec(f"{payload.tag}: `{field}` must hold exactly one attribute")
    node = holder.value[0]
    if node.tag not in A.KNOWN:
        raise InvalidRequest(f"{payload.tag}: unknown attribute {node.tag}")
    return node


def _check_writable(node: TTLV) -> None:
    if node.tag in SERVER_MANAGED:
        raise InvalidRequest(f"the attribute {node.tag} is server-managed and cannot be modified")
    if node.tag == "RotateName" and isinstance(node.value, str) and "@" in node.value:
        raise InvalidRequest(f"RotateName must not contain '@': {node.value}")


def _is_tag_attr(ctx: OpContext, node: TTLV) -> bool:
    return (node.tag == "Attribute" and node.get_value("VendorIdentification") == ctx.vendor
            and node.get_value("AttributeName") == "tag")


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
    system = {t for t in obj.tags if t.startswith("_")} | ({SYSTEM_TAGS[obj.object_type]} if obj.object_type in SYSTEM_TAGS else set())
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
    obj = ctx.retrieve(ctx.uid_of(payload), op)
    field = "CurrentAttribute" if op == "deleteattribute" and payload.get("CurrentAttribute") else "NewAttribute"
    node = None
    if op == "deleteattribute" and payload.get("CurrentAttribute") is None:
        ref = require(payload, "AttributeReference")
        target = ref.value if ref.type != "Structure" else None
        if ref.type == "Structure":  # a vendor attribute, named by (vendor, name)
            node = A.vendor_node(str(ref.get_value("VendorIdentification")), str(ref.get_value("AttributeName")),
                                 TTLV.text("AttributeValue", ""))
        elif target == "Tag":
            node = A.vendor_node(ctx.vendor, "tag", TTLV.text("AttributeValue", "[]"))
    else:
        node = _single_attribute(payload, field)
        target = node.tag
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
            attrs.remove(target)
    elif node is not None and _is_tag_attr(ctx, node):
        _apply_tags(ctx, obj, node, add=(op == "addattribute"))
        tags_changed = True
    elif op == "addattribute" and node.tag == "Name":
        attrs.value.append(node.copy())
    else:
        _replace(attrs, node)
    touch(obj)
    ctx.store.update(obj, tags=tags_changed)
    name = {"setattribute": "SetAttribute", "addattribute": "AddAttribute",
            "deleteattribute": "DeleteAttribute", "modifyattribute": "ModifyAttribute"}[op]
    return TTLV.struct(f"{name}Response", [TTLV.text("UniqueIdentifier", obj.uid)])


def _matches(have: TTLV, want: TTLV) -> bool:
    """A stored multi-valued attribute matches the one named in a DeleteAttribute."""
    if want.tag == "Link":
        return have.get_value("LinkType") == want.get_value("LinkType")
    if want.tag == "Name":
        return have.get_value("NameValue") == want.get_value("NameValue")
    return (have.get_value("VendorIdentification") == want.get_value("VendorIdentification")
            and have.get_value("AttributeName") == want.get_value("AttributeName"))


async def handle_set(ctx: OpContext, payload: TTLV) -> TTLV:
    """SetAttribute: replace (or add) one attribute."""
    return await _edit(ctx, payload, "setattribute")


async def handle_add(ctx: OpContext, payload: TTLV) -> TTLV:
    """AddAttribute: add one attribute (names and tags accumulate)."""
    return await _edit(ctx, payload, "addattribute")


async def handle_delete(ctx: OpContext, payload: TTLV) -> TTLV:
    """DeleteAttribute: remove an attribute named by value or reference."""
    return await _edit(ctx, payload, "deleteattribute")


async def handle_modify(ctx: OpContext, payload: TTLV) -> TTLV:
    """ModifyAttribute: change the value of one attribute."""
    return await _edit(ctx, payload, "modifyattribute")
