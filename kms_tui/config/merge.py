"""Three-way merge of TOML data for concurrent saves (profiles and settings.toml).

A save knows the data it loaded (``base``), the data it wants (``ours``) and, under the file's
lock, what is on disk now (``theirs``). When another process changed the file in between, our
changes are applied onto theirs if the two sets of changed keys are disjoint (no key, or table
holding it, changed on both sides, unless to the same value); otherwise the save is refused.
A key is a dotted path to a leaf value; an array is one value (never merged item by item).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Path_ = tuple[str, ...]
DELETED = object()


def flatten(tree: Any, prefix: Path_ = ()) -> dict[Path_, Any]:
    """Leaf values by key path (empty tables hold no value)."""
    out: dict[Path_, Any] = {}
    if isinstance(tree, dict):
        for key, value in tree.items():
            if isinstance(value, dict):
                out.update(flatten(value, prefix + (str(key),)))
            else:
                out[prefix + (str(key),)] = value
    return out


def _same(a: Any, b: Any) -> bool:
    if a is DELETED or b is DELETED:
        return a is b
    return type(a) is type(b) and a == b  # 1 is not true, 1 is not 1.0


def changes(base: dict[str, Any], new: dict[str, Any]) -> dict[Path_, Any]:
    """What ``new`` changed relative to ``base``: path → new value, or DELETED."""
    before, after = flatten(base), flatten(new)
    out = {p: v for p, v in after.items() if p not in before or not _same(before[p], v)}
    out.update({p: DELETED for p in before if p not in after})
    return out


def conflicts(ours: dict[Path_, Any], theirs: dict[Path_, Any]) -> list[str]:
    """Keys changed on both sides (differently), or where one side changed a table the other
    changed a key in; dotted, sorted."""
    found: set[str] = set()
    for p, mine in ours.items():
        for q, other in theirs.items():
            if p == q:
                if not _same(mine, other):
                    found.add(".".join(p))
            elif p[: len(q)] == q or q[: len(p)] == p:
                found.add(".".join(p if len(p) <= len(q) else q))
    return sorted(found)


def apply(tree: Any, delta: dict[Path_, Any], new_table: Callable[[], Any] = dict) -> None:
    """Apply ``delta`` to ``tree`` in place (a dict or a tomlkit container): deletions first."""
    for path, value in delta.items():
        if value is not DELETED:
            continue
        node = tree
        for part in path[:-1]:
            node = node.get(part) if hasattr(node, "get") else None
            if node is None:
                break
        if node is not None and hasattr(node, "pop"):
            node.pop(path[-1], None)
    for path, value in delta.items():
        if value is DELETED:
            continue
        node = tree
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                node[part] = new_table()
                child = node[part]
            node = child
        node[path[-1]] = value


def merge(base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]) -> tuple[dict[Path_, Any], list[str]]:
    """Our changes (to apply onto theirs) and the conflicting keys (empty when it merges)."""
    mine = changes(base, ours)
    return mine, conflicts(mine, changes(base, theirs))
