"""Locate: the filters Cosmian applies (tags, type, algorithm, length, format, links, names,
groups, application info, state), destroyed objects hidden unless a State is asked, cap 1000,
OffsetItems ignored."""

from __future__ import annotations

from typing import Any

from kms_tui.kmip.ttlv import TTLV, decode
from kms_tui.server import attributes as A
from kms_tui.server.context import OpContext
from kms_tui.server.errors import InvalidRequest
from kms_tui.server.objects import require

MAX_LOCATE_ITEMS = 1000
LIVE_STATES = ("PreActive", "Active", "Deactivated", "Compromised")
SIMPLE_FILTERS = (
    "ObjectGroup",
    "ObjectGroupMember",
    "CryptographicAlgorithm",
    "CryptographicLength",
    "KeyFormatType",
    "ApplicationSpecificInformation",
)


def _predicates(filters: TTLV) -> list[Any]:
    """Checks on the stored attributes that SQL does not already apply."""
    preds = []
    for tag in SIMPLE_FILTERS:
        node = filters.get(tag)
        if node is not None:
            want = node.value if node.type != "Structure" else node
            preds.append(lambda a, tag=tag, want=want: any(c.value == want for c in a.children(tag)))
    for link in filters.children("Link"):
        lt, target = link.get_value("LinkType"), link.get("LinkedObjectIdentifier")
        preds.append(
            lambda a, lt=lt, target=target: any(
                c.get_value("LinkType") == lt
                and (
                    target is None
                    or target.type != "TextString"
                    or c.get_value("LinkedObjectIdentifier") == target.value
                )
                for c in a.children("Link")
            )
        )
    for name in filters.children("Name"):
        nv, nt = name.get_value("NameValue"), name.get_value("NameType")
        preds.append(
            lambda a, nv=nv, nt=nt: any(
                c.get_value("NameValue") == nv and (nt is None or c.get_value("NameType") == nt)
                for c in a.children("Name")
            )
        )
    return preds


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """Locate: ids of visible objects matching every filter."""
    filters = require(payload, "Attributes")
    try:
        tags = A.request_tags(filters, ctx.vendor) or []
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None
    maximum = payload.get_value("MaximumItems")
    # locate.rs: min(max(MaximumItems, 0), 1000): 0 (or less) locates nothing
    limit = MAX_LOCATE_ITEMS if not isinstance(maximum, int) else min(max(maximum, 0), MAX_LOCATE_ITEMS)
    state = filters.get_value("State")
    uid = filters.get_value("UniqueIdentifier")
    preds = _predicates(filters)
    found: list[str] = []
    rows = ctx.store.locate_candidates(
        ctx.user,
        tags=tags,
        states=[state] if state else LIVE_STATES,
        object_type=filters.get_value("ObjectType"),
        uid=str(uid) if uid is not None else None,
    )
    for oid, attrs_json, _state in rows:
        if len(found) >= limit:
            break
        if preds:
            attrs = decode(attrs_json)
            if not all(p(attrs) for p in preds):
                continue
        found.append(oid)
    children = [TTLV.integer("LocatedItems", len(found))]
    children += [TTLV.text("UniqueIdentifier", i) for i in found]
    return TTLV.struct("LocateResponse", children)
