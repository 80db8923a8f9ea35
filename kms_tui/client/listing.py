"""List every object with its attributes in few round trips (the object browser, ``locate``).

Locate caps its answer at 1,000 ids and ignores ``OffsetItems`` (reference §3.3), and the web UI
then sends one GetAttributes per id. Instead:

1. ``GET /access/owned`` returns every object we own *with* its attributes, and
   ``GET /access/obtained`` the objects shared with us — two requests, sent concurrently;
2. the attributes of shared objects (and tags, if the server left them out of ``owned``) come
   from GetAttributes items batched in one RequestMessage;
3. a server without ``/access/owned`` gets Locates partitioned by object type and state, all in
   one RequestMessage; a partition that hits the 1,000 cap makes the result ``partial``.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from kms_tui.client import requests
from kms_tui.client.errors import KmsError, ServerRefused
from kms_tui.client.requests import LocateFilter

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient

LOCATE_CAP = 1000
OBJECT_TYPES = ("SymmetricKey", "PrivateKey", "PublicKey", "Certificate", "SecretData", "OpaqueObject")
STATES = ("PreActive", "Active", "Deactivated", "Compromised", "Destroyed", "Destroyed_Compromised")
DESTROYED = ("Destroyed", "Destroyed_Compromised")


@dataclass
class ObjectSummary:
    """One row of the object browser."""

    uid: str
    object_type: str = ""
    algorithm: str = ""
    length: int | None = None
    state: str = ""
    tags: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)
    owner: str = ""  # empty: we own it
    rights: list[str] = field(default_factory=list)  # our rights on a shared object
    attributes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_attributes(cls, uid: str, attrs: dict[str, Any], **extra: Any) -> ObjectSummary:
        return cls(
            uid=uid,
            object_type=str(attrs.get("ObjectType", "") or ""),
            algorithm=str(attrs.get("CryptographicAlgorithm", "") or ""),
            length=attrs.get("CryptographicLength"),
            state=str(extra.pop("state", None) or attrs.get("State", "") or ""),
            tags=[t for t in attrs.get("tags", []) if not t.startswith("_")],
            names=list(attrs.get("names", [])),
            links=list(attrs.get("links", [])),
            attributes=attrs,
            **extra,
        )

    def matches(self, f: LocateFilter) -> bool:
        """The filters Locate applies, applied here to rows we already have."""
        if f.state:
            if self.state != f.state:
                return False
        elif self.state in DESTROYED:
            return False  # like Locate: destroyed objects only when asked for
        return (
            (not f.object_type or self.object_type == f.object_type)
            and (not f.algorithm or self.algorithm == f.algorithm)
            and (not f.length or self.length == f.length)
            and (not f.name or f.name in self.names)
            and (not f.tags or set(f.tags) <= set(self.attributes.get("tags", [])))
            and (not f.linked_to or any(link["id"] == f.linked_to for link in self.links))
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ObjectList:
    objects: list[ObjectSummary]
    partial: bool = False
    problems: list[str] = field(default_factory=list)  # why the list may be incomplete
    round_trips: int = 0


def plain_attributes(raw: dict[str, Any]) -> dict[str, Any]:
    """Attributes from ``/access/owned`` (plain serde JSON) in the shape of ``attributes_to_dict``."""
    out: dict[str, Any] = {}
    for key, value in (raw or {}).items():
        if key in ("Attribute", "VendorAttributes", "vendor_attributes"):
            for va in value if isinstance(value, list) else [value]:
                v = va.get("AttributeValue")
                if isinstance(v, dict):  # adjacently tagged {"_t": type, "_c": content}
                    v = v.get("_c")
                if va.get("AttributeName") == "tag":
                    out["tags"] = sorted(json.loads(v) if isinstance(v, str) else v or [])
                else:
                    out.setdefault("vendor_attributes", {})[f"{va.get('VendorIdentification')}/{va.get('AttributeName')}"] = v
        elif key == "Link":
            out["links"] = [
                {"type": link.get("LinkType"), "id": str(_scalar(link.get("LinkedObjectIdentifier")))}
                for link in (value if isinstance(value, list) else [value])
            ]
        elif key == "Name":
            out["names"] = [n.get("NameValue") for n in (value if isinstance(value, list) else [value])]
        else:
            out[key] = value
    return out


def _scalar(v: Any) -> Any:
    if isinstance(v, dict) and len(v) == 1:
        return next(iter(v.values()))
    return v


async def list_objects(client: KmsClient, filters: LocateFilter = LocateFilter()) -> ObjectList:
    """Every object matching ``filters`` that we own or were granted, with attributes."""
    before = client.exchange.round_trips
    try:
        owned, obtained = await asyncio.gather(client.access_owned(), client.access_obtained())
    except ServerRefused as exc:
        result = await _by_partitioned_locate(client, filters, exc)
        result.round_trips = client.exchange.round_trips - before
        return result
    rows: dict[str, ObjectSummary] = {}
    need_tags: list[str] = []
    for entry in owned:
        uid = str(entry.get("object_id"))
        attrs = plain_attributes(entry.get("attributes") or {})
        if "tags" not in attrs:
            need_tags.append(uid)
        rows[uid] = ObjectSummary.from_attributes(uid, attrs, state=entry.get("state"))
    shared = {str(e.get("object_id")): e for e in obtained if str(e.get("object_id")) not in rows}
    problems: list[str] = []
    if need_tags:  # the server left tags out of /access/owned: one batch for all of them
        await _fill_tags(client, rows, need_tags, problems)
    if shared:
        fetched = await client.get_attributes_many(list(shared))
        for uid, attrs in fetched.items():
            entry = shared[uid]
            extra = {"owner": str(entry.get("owner_id", "")), "rights": list(entry.get("operations", []))}
            if isinstance(attrs, KmsError):
                problems.append(f"{uid}: {attrs.message}")
                rows[uid] = ObjectSummary(uid=uid, state=str(entry.get("state", "")), **extra)
            else:
                rows[uid] = ObjectSummary.from_attributes(uid, attrs, state=entry.get("state"), **extra)
    objects = [r for r in rows.values() if r.matches(filters)]
    return ObjectList(objects, partial=bool(problems), problems=problems, round_trips=client.exchange.round_trips - before)


async def _fill_tags(client: KmsClient, rows: dict[str, ObjectSummary], uids: list[str], problems: list[str]) -> None:
    results = await client.batch([requests.get_tags(u) for u in uids])
    for uid, res in zip(uids, results):
        if res.ok:
            tags = requests.attributes_to_dict(res.unwrap().get("Attributes")).get("tags", [])
            rows[uid].attributes["tags"] = tags
            rows[uid].tags = [t for t in tags if not t.startswith("_")]
        else:
            problems.append(f"{uid}: tags unavailable ({res.reason})")


async def _by_partitioned_locate(client: KmsClient, filters: LocateFilter, cause: KmsError) -> ObjectList:
    """Fallback for servers without ``/access/owned``: Locates split under the 1,000 cap."""
    types = [filters.object_type] if filters.object_type else list(OBJECT_TYPES)
    states = [filters.state] if filters.state else [s for s in STATES if s not in DESTROYED]
    parts = [LocateFilter(**{**asdict(filters), "object_type": t, "state": s, "linked_to": None}) for t in types for s in states]
    problems = [f"/access/owned unavailable ({cause.message}); used Locate"]
    ids: list[str] = []
    for part, res in zip(parts, await client.batch([requests.locate(p) for p in parts])):
        if not res.ok:
            problems.append(f"Locate {part.object_type}/{part.state}: {res.message or res.reason}")
            continue
        found = requests.located_ids(res.unwrap())
        if len(found) >= LOCATE_CAP:
            problems.append(f"{part.object_type}/{part.state}: more than {LOCATE_CAP} objects, list truncated")
        ids.extend(u for u in found if u not in ids)
    rows = []
    for uid, attrs in (await client.get_attributes_many(ids)).items():
        if isinstance(attrs, KmsError):
            problems.append(f"{uid}: {attrs.message}")
            continue
        rows.append(ObjectSummary.from_attributes(uid, attrs))
    objects = [r for r in rows if r.matches(filters)]
    truncated = any("truncated" in p or "Locate " in p for p in problems[1:])
    return ObjectList(objects, partial=truncated or len(problems) > 1, problems=problems)
