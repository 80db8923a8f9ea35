"""Compare what two KMS servers hold (``kms-tui diff A B``): a disaster-recovery replica against
its primary, staging against production.

:func:`compare` is pure (two listings and their grants in, a :class:`ServerDiff` out);
:func:`snapshot` reads one server: every object (destroyed ones too: three listings, the live
ones and each destroyed state) with its attributes, and ``/access/list`` of each object we own
(one request each, a few at a time; skipped with ``grants=False``).

What is reported:

* objects on one side only, by id;
* among those, pairs that are the same object made again under a new id (same type, names and
  tags, at least one of them non-empty): ``recreated``;
* for ids on both sides: a different state, algorithm or length, tags, links, or grants
  (user → operations).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kms_tui.client.listing import DESTROYED, ObjectSummary
from kms_tui.client.requests import LocateFilter

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient


@dataclass
class Snapshot:
    objects: list[ObjectSummary]
    grants: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # id -> user -> operations
    problems: list[str] = field(default_factory=list)
    grants_read: bool = False


@dataclass
class Change:
    uid: str
    what: str  # state, algorithm, length, tags, links, grants
    a: Any
    b: Any

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.uid, "field": self.what, "a": self.a, "b": self.b}


@dataclass
class ServerDiff:
    only_a: list[ObjectSummary] = field(default_factory=list)
    only_b: list[ObjectSummary] = field(default_factory=list)
    recreated: list[tuple[ObjectSummary, ObjectSummary]] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    compared: int = 0  # ids on both sides

    @property
    def same(self) -> bool:
        return not (self.only_a or self.only_b or self.recreated or self.changed)

    def counts(self) -> dict[str, int]:
        return {
            "only_a": len(self.only_a),
            "only_b": len(self.only_b),
            "recreated": len(self.recreated),
            "changed_objects": len({c.uid for c in self.changed}),
            "changes": len(self.changed),
            "compared": self.compared,
        }


def shown(value: Any) -> str:
    """A changed value as one short text: grants ``user: ops; …``, lists comma-joined."""
    if isinstance(value, dict):
        return "; ".join(f"{u}: {','.join(ops)}" for u, ops in sorted(value.items())) or "(none)"
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "(none)"
    return "(none)" if value in (None, "") else str(value)


def brief(o: ObjectSummary) -> dict[str, Any]:
    return {"id": o.uid, "type": o.object_type, "state": o.state, "names": list(o.names), "tags": _tags(o)}


def _tags(o: ObjectSummary) -> list[str]:
    return sorted(t for t in o.attributes.get("tags", o.tags) if not str(t).startswith("_"))


def _links(o: ObjectSummary) -> list[str]:
    return sorted(f"{ln.get('type')}:{ln.get('id')}" for ln in o.links)


def _identity(o: ObjectSummary) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    names, tags = tuple(sorted(o.names)), tuple(_tags(o))
    if not names and not tags:
        return None
    return (o.object_type, names, tags)


def compare(a: Snapshot, b: Snapshot) -> ServerDiff:
    """What differs between two servers' snapshots (pure)."""
    by_a = {o.uid: o for o in a.objects}
    by_b = {o.uid: o for o in b.objects}
    out = ServerDiff()
    only_a = [o for u, o in by_a.items() if u not in by_b]
    only_b = [o for u, o in by_b.items() if u not in by_a]
    # re-created objects: the same identity (type, names, tags) on one side only each, live on B
    waiting: dict[tuple[Any, ...], list[ObjectSummary]] = {}
    for o in only_b:
        ident = _identity(o)
        if ident is not None:
            waiting.setdefault(ident, []).append(o)
    for o in only_a:
        ident = _identity(o)
        match = waiting.get(ident, []) if ident is not None else []
        if match:
            other = match.pop(0)
            out.recreated.append((o, other))
        else:
            out.only_a.append(o)
    paired = {id(other) for _o, other in out.recreated}
    out.only_b = [o for o in only_b if id(o) not in paired]
    both = [u for u in by_a if u in by_b]
    out.compared = len(both)
    for uid in both:
        x, y = by_a[uid], by_b[uid]
        for what, va, vb in (
            ("state", x.state, y.state),
            ("algorithm", x.algorithm, y.algorithm),
            ("length", x.length, y.length),
            ("tags", _tags(x), _tags(y)),
            ("links", _links(x), _links(y)),
        ):
            if va != vb:
                out.changed.append(Change(uid, what, va, vb))
        if a.grants_read and b.grants_read and (uid in a.grants or uid in b.grants):
            ga, gb = a.grants.get(uid, {}), b.grants.get(uid, {})
            if ga != gb:
                out.changed.append(Change(uid, "grants", ga, gb))
    out.only_a.sort(key=lambda o: o.uid)
    out.only_b.sort(key=lambda o: o.uid)
    return out


def grant_map(entries: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """``/access/list`` entries as user → sorted operations."""
    out: dict[str, list[str]] = {}
    for e in entries:
        user = str(e.get("user_id", ""))
        if user:
            out[user] = sorted({*out.get(user, []), *(str(op) for op in e.get("operations") or [])})
    return out


async def snapshot(client: KmsClient, *, grants: bool = True) -> Snapshot:
    """Every object on one server (live and destroyed) and, with ``grants``, who may use each."""
    from kms_tui.client.bulk import access_lists
    from kms_tui.client.listing import list_objects

    objects: dict[str, ObjectSummary] = {}
    problems: list[str] = []
    for filters in (LocateFilter(), *(LocateFilter(state=s) for s in DESTROYED)):
        listing = await list_objects(client, filters)
        problems += listing.problems
        for o in listing.objects:
            objects.setdefault(o.uid, o)
    snap = Snapshot(list(objects.values()), problems=problems, grants_read=grants)
    if grants:
        owned = [o.uid for o in snap.objects if not o.owner and o.state not in DESTROYED]
        lists = await access_lists(client, owned, problems)
        snap.grants = {uid: grant_map(entries) for uid, entries in lists.items() if entries}
    return snap
