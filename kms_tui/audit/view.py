"""Reading the audit trail's rows: filters, operation names, outcomes (shared by `kms-tui audit`
and the console's audit view; pure, no I/O).

A batch is stored as ``RequestMessage[GetAttributes×10]`` (or ``RequestMessage[Revoke,Destroy×2]``);
it reads as one operation with a count (``GetAttributes ×10``) and filters under that operation's
name, so ×2, ×4 and ×10 are not three operations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

OUTCOMES = ("ok", "refused", "failed")
# glyph and word: the word carries the meaning without colour (16 colours, monochrome, a copy)
OUTCOME_LABELS = {"ok": "✓ ok", "refused": "✗ refused", "failed": "! failed"}
DETAIL_NAMES = {"reason": "Revoke reason", "message": "Revoke message", "compromise_date": "Compromised on"}

_BATCH = re.compile(r"^RequestMessage\[(.*)\]$")
_PART = re.compile(r"^(.*?)×(\d+)$")


def batch_parts(operation: str) -> list[tuple[str, int]] | None:
    """``[(name, count), …]`` of a batch's operations, or None when ``operation`` is not a batch."""
    found = _BATCH.match(operation or "")
    if not found:
        return None
    parts = []
    for part in found.group(1).split(","):
        counted = _PART.match(part.strip())
        parts.append((counted.group(1), int(counted.group(2))) if counted else (part.strip(), 1))
    return parts


def operation_name(operation: str) -> str:
    """The operation a row is filed under: a batch of one kind under that kind, a mixed one as ``Batch``."""
    parts = batch_parts(operation)
    if parts is None:
        return operation or ""
    names = {name for name, _count in parts}
    return names.pop() if len(names) == 1 else "Batch"


def operation_label(operation: str) -> str:
    """How a row's operation reads: ``GetAttributes ×10``, ``Batch: Revoke, Destroy ×2``."""
    parts = batch_parts(operation)
    if parts is None:
        return operation or ""
    if len({name for name, _count in parts}) == 1:
        return f"{parts[0][0]} ×{sum(count for _name, count in parts)}"
    return "Batch: " + ", ".join(f"{name} ×{count}" if count > 1 else name for name, count in parts)


def outcome_label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome, outcome)


def entry_datetime(entry: dict[str, Any]) -> datetime | None:
    """When the row was written (aware, UTC), None if unreadable."""
    try:
        when = datetime.fromisoformat(str(entry.get("time", "")).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


# time ranges the console offers: (label, how far back)
TIME_RANGES: tuple[tuple[str, timedelta], ...] = (
    ("last hour", timedelta(hours=1)),
    ("last 24 hours", timedelta(days=1)),
    ("last 7 days", timedelta(days=7)),
    ("last 30 days", timedelta(days=30)),
)


@dataclass(frozen=True)
class AuditFilter:
    """Every field set must match: ``operation`` by :func:`operation_name`, ``outcome`` and
    ``profile`` exactly, ``object`` as part of any object id (any case), the time within
    [``since``, ``until``)."""

    operation: str | None = None
    object: str = ""
    outcome: str | None = None
    profile: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def matches(self, entry: dict[str, Any]) -> bool:
        if self.operation and operation_name(str(entry.get("operation", ""))) != self.operation:
            return False
        if self.outcome and entry.get("outcome") != self.outcome:
            return False
        if self.profile and entry.get("profile") != self.profile:
            return False
        if self.since is not None or self.until is not None:
            when = entry_datetime(entry)
            if when is None or (self.since and when < self.since) or (self.until and when >= self.until):
                return False
        needle = self.object.strip().lower()
        return not needle or any(needle in str(i).lower() for i in entry.get("object_ids") or [])

    @property
    def is_empty(self) -> bool:
        return self == AuditFilter()


def detail_fields(entry: dict[str, Any]) -> list[tuple[str, str]]:
    """Every field of a row, as (label, text), for a row's detail: nothing left out."""
    when = entry_datetime(entry)
    local = when.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z") if when else str(entry.get("time", ""))
    fields = [
        ("Outcome", outcome_label(str(entry.get("outcome", "")))),
        ("Time", f"{local} ({entry.get('time', '')})"),
        ("Operation", operation_label(str(entry.get("operation", "")))),
    ]
    if batch_parts(str(entry.get("operation", ""))) is not None:
        fields.append(("Sent as", str(entry.get("operation", ""))))
    ids = [str(i) for i in entry.get("object_ids") or []]
    fields.append(("Objects", "\n".join(ids) if ids else "—"))
    fields.append(("Reason", str(entry.get("error_reason") or "—")))
    for key, value in (entry.get("details") or {}).items():
        fields.append((DETAIL_NAMES.get(key, key), str(value)))
    fields += [
        ("KMS user", str(entry.get("user") or "—")),
        ("OS user", str(entry.get("os_user") or "—")),
        ("Profile", str(entry.get("profile") or "—")),
        ("Server", str(entry.get("server") or "—")),
        ("Duration", f"{entry.get('duration_ms', '')} ms"),
        ("Attempts", str(entry.get("attempts", ""))),
    ]
    if entry.get("hash"):
        fields.append(("Row hash", str(entry["hash"])))
    return fields
