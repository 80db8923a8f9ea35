"""The audit view: what this console (and kms-tui commands) did, newest first, filterable.

The highlighted row's details (a revoke's reason code, message and compromise date, the full
error reason) are spelled out under the table, so they read at 80×24 too. A trail that cannot
be used (a symbolic link at its path) is said in the status line, and so is the state of the
trail's hash chain (intact with its row count and head, or the first changed, removed or
reordered row, as ``kms-tui audit verify`` finds it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Select, Static

from kms_tui.safetext import visible
from kms_tui.tui.screens.base import ConsoleScreen

OUTCOMES = ("ok", "refused", "failed")
AUDIT_LIMIT = 5000  # rows read from the trail; the view says when there may be more
COLUMNS = ("Time", "Operation", "Objects", "Outcome", "Reason", "User", "ms", "Details")
DETAIL_NAMES = {"reason": "Reason code", "message": "Message", "compromise_date": "Compromised on"}


@dataclass(frozen=True)
class AuditFilter:
    """Operation and outcome must match exactly; ``object`` is a substring of any object id."""

    operation: str | None = None
    object: str = ""
    outcome: str | None = None

    def matches(self, entry: dict[str, Any]) -> bool:
        if self.operation and entry.get("operation") != self.operation:
            return False
        if self.outcome and entry.get("outcome") != self.outcome:
            return False
        needle = self.object.strip().lower()
        return not needle or any(needle in str(i).lower() for i in entry.get("object_ids") or [])


def details_text(entry: dict[str, Any]) -> str:
    """``reason=KeyCompromise; message=…`` (stored masked) for the Details column."""
    return "; ".join(f"{k}={v}" for k, v in (entry.get("details") or {}).items())


def detail_lines(entry: dict[str, Any]) -> str:
    """The highlighted entry spelled out: what the user typed, and the full error reason."""
    head = f"{entry.get('operation', '')} {', '.join(str(i) for i in entry.get('object_ids') or [])}".strip()
    parts = [f"{DETAIL_NAMES.get(k, k)}: {v}" for k, v in (entry.get("details") or {}).items()]
    if entry.get("error_reason"):
        parts.append(f"Error: {entry['error_reason']}")
    return visible(f"{head} — " + "  ·  ".join(parts) if parts else f"{head} — no details recorded")


def entry_time(entry: dict[str, Any]) -> str:
    """The entry's time in local time (the trail stores UTC ISO strings)."""
    try:
        return datetime.fromisoformat(str(entry.get("time"))).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return str(entry.get("time", ""))


def chain_state(trail: Any) -> Text | None:
    """One line on the trail's hash chain: intact (rows, head), or the first broken row (red)."""
    verify = getattr(trail, "verify", None)
    if verify is None:
        return None
    try:
        verdict = verify()
    except Exception as exc:  # noqa: BLE001 - the state is unknown, and the line says why
        return Text(visible(f"chain not checked: {getattr(exc, 'message', None) or exc}"), style="bold")
    if verdict is None:
        return Text("chain: no trail yet")
    if verdict.intact:
        return Text(f"✓ chain intact ({verdict.rows} rows, head {verdict.head_hash[:12]}…)")
    where = f"row {verdict.first_bad_id}: " if verdict.first_bad_id is not None else ""
    return Text(visible(f"✗ CHAIN BROKEN at {where}{verdict.problem} (kms-tui audit verify)"), style="bold red")


class AuditScreen(ConsoleScreen):
    """The local audit trail in a table; filters apply as you type."""

    AUTO_FOCUS = "#audit-table"
    HELP_TITLE = "Audit"
    HELP_TEXT = (
        "Every KMIP and access-rights call this console made, newest first, from the local audit "
        "trail. Filter by operation, object id (any part) and outcome. The line under the table "
        "spells out the highlighted row: a revoke's reason code, message and compromise date, "
        "and the full error reason. r reloads."
    )
    BINDINGS = [
        Binding("r", "reload", "Reload", tooltip="Read the audit trail again.", id="audit.reload"),
        Binding("slash", "focus_object", "Filter", tooltip="Filter by object id.", id="audit.filter"),
    ]
    DEFAULT_CSS = """
    AuditScreen #audit-filters { height: 1; }
    AuditScreen #audit-filters Select, AuditScreen #audit-filters Input { width: 1fr; margin-right: 1; }
    AuditScreen #audit-status { height: auto; max-height: 5; color: $text-muted; }
    AuditScreen DataTable { height: 1fr; }
    AuditScreen #audit-detail { height: auto; max-height: 3; color: $text; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[dict[str, Any]] = []
        self._shown: list[dict[str, Any]] = []
        self.problem: str | None = None  # why the trail records nothing, if it does not
        self.chain: Text | None = None  # the hash chain's state (read with the entries)

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="audit-filters"):
            yield Select([], prompt="any operation", compact=True, id="audit-operation")
            yield Input(placeholder="object id contains…", compact=True, id="audit-object")
            yield Select([(o, o) for o in OUTCOMES], prompt="any outcome", compact=True, id="audit-outcome")
        yield Static("Reading the audit trail…", id="audit-status", markup=False)
        table: DataTable[str] = DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield Static("", id="audit-detail", markup=False)

    def on_mount(self) -> None:
        self.action_reload()

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self.load_entries()

    def action_focus_object(self) -> None:
        self.query_one("#audit-object", Input).focus()

    @work(exclusive=True, exit_on_error=False, group="audit-read", thread=True)
    def load_entries(self) -> list[dict[str, Any]]:
        """Read the trail in a thread (SQLite blocks); the result arrives via StateChanged."""
        services = getattr(self.app, "services", None)
        trail = getattr(services, "audit", None)
        if trail is None and getattr(self.app, "read_only", False):
            from kms_tui.tui.read_only_store import MemoryAuditTrail

            trail = MemoryAuditTrail()  # reads the trail without creating or touching it
        elif trail is None:
            from kms_tui.audit import AuditTrail

            trail = AuditTrail()
        flush = getattr(trail, "flush", None)
        if flush is not None:
            flush()  # rows still queued by the writer thread belong in the view
        self.problem = getattr(trail, "problem", None)
        entries = trail.entries(limit=AUDIT_LIMIT)
        self.chain = chain_state(trail) if self.problem is None else None
        return entries

    def on_worker_state_changed(self, event) -> None:  # Worker.StateChanged
        if event.worker.group != "audit-read" or not event.worker.is_finished:
            return
        if event.worker.error is not None:  # e.g. a symbolic link at the trail's path
            error = event.worker.error
            message = getattr(error, "message", None) or str(error)
            fix = getattr(error, "fix", "")
            text = f"The audit trail cannot be read: {message}" + (f" {fix}" if fix and fix not in message else "")
            self.query_one("#audit-status", Static).update(visible(text))
            return
        if event.worker.result is not None:
            self.entries = list(event.worker.result)
            self._refill_operations()
            self._show()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        shown = getattr(self, "_shown", [])
        row = event.cursor_row
        self.query_one("#audit-detail", Static).update(detail_lines(shown[row]) if 0 <= row < len(shown) else "")

    def _refill_operations(self) -> None:
        select = self.query_one("#audit-operation", Select)
        current = select.value
        operations = sorted({str(e.get("operation", "")) for e in self.entries if e.get("operation")})
        select.set_options([(o, o) for o in operations])
        if isinstance(current, str) and current in operations:
            select.value = current

    def current_filter(self) -> AuditFilter:
        operation = self.query_one("#audit-operation", Select).value
        outcome = self.query_one("#audit-outcome", Select).value
        return AuditFilter(
            operation=operation if isinstance(operation, str) else None,
            object=self.query_one("#audit-object", Input).value,
            outcome=outcome if isinstance(outcome, str) else None,
        )

    @on(Select.Changed)
    @on(Input.Changed)
    def _filters_changed(self, event) -> None:
        event.stop()
        self._show()

    def _show(self) -> None:
        wanted = self.current_filter()
        shown = [e for e in self.entries if wanted.matches(e)]
        self._shown = shown
        table = self.query_one("#audit-table", DataTable)
        table.clear()
        for entry in shown:
            cells = (
                entry_time(entry),
                visible(entry.get("operation", "")),
                visible(", ".join(str(i) for i in entry.get("object_ids") or [])),
                str(entry.get("outcome", "")),
                visible(entry.get("error_reason", "")),
                visible(entry.get("user", "")),
                str(entry.get("duration_ms", "")),
                visible(details_text(entry)),
            )
            # ids, reasons and user names came from a server: escaped, and Text so never markup
            table.add_row(*(Text(visible(cell)) for cell in cells))
        more = " (the most recent only)" if len(self.entries) >= AUDIT_LIMIT else ""
        status = f"{len(shown)} of {len(self.entries)} entries{more}, newest first"
        if self.problem:
            status = visible(f"Not recording: {self.problem}  ·  {status}")
        line = Text(status)
        if self.chain is not None:
            line = Text.assemble(self.chain, "  ·  ", status)
        self.query_one("#audit-status", Static).update(line)
        self.query_one("#audit-detail", Static).update(detail_lines(shown[0]) if shown else "")
