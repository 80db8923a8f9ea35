"""The audit view: what this console (and kms-tui commands) did, newest first, filterable.

The highlighted row's details (a revoke's reason code, message and compromise date, the full
error reason) are spelled out under the table, so they read at 80×24 too. A trail that cannot
be used (a symbolic link at its path) is said in the status line, and so is the state of the
trail's hash chain (intact with its row count and head, or the first changed, removed or
reordered row, as ``kms-tui audit verify`` finds it).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Select, Static

from kms_tui.audit.view import (
    DETAIL_NAMES,
    OUTCOMES,
    TIME_RANGES,
    AuditFilter,
    entry_datetime,
    operation_label,
    operation_name,
    outcome_label,
)
from kms_tui.safetext import visible
from kms_tui.tui.objects.columns import fit_middle
from kms_tui.tui.screens.base import ConsoleScreen
from kms_tui.tui.widgets.filter_input import FilterInput
from kms_tui.words import count

AUDIT_LIMIT = 5000  # rows read from the trail; the view says when there may be more
# what matters first: at 80 columns outcome, time, operation, user and duration are on screen
COLUMNS = ("Outcome", "Time", "Operation", "User", "ms", "Objects", "Reason", "Details")
OBJECTS_WIDTH = 20
REASON_WIDTH = 60
OUTCOME_STYLES = {"ok": "green", "refused": "red", "failed": "yellow"}  # 16-colour names; the word says it too
ANY = "any"


def details_text(entry: dict[str, Any]) -> str:
    """``reason=KeyCompromise; message=…`` (stored masked) for the Details column."""
    return "; ".join(f"{k}={v}" for k, v in (entry.get("details") or {}).items())


def detail_lines(entry: dict[str, Any]) -> str:
    """The highlighted entry spelled out: what the user typed, and the full error reason."""
    head = (
        f"{operation_label(str(entry.get('operation', '')))} "
        f"{', '.join(str(i) for i in entry.get('object_ids') or [])}".strip()
    )
    parts = [f"{DETAIL_NAMES.get(k, k)}: {v}" for k, v in (entry.get("details") or {}).items()]
    if entry.get("error_reason"):
        parts.append(f"Error: {entry['error_reason']}")
    return visible(f"{head} — " + "  ·  ".join(parts) if parts else f"{head} — no details recorded")


def entry_time(entry: dict[str, Any]) -> str:
    """The entry's time in local time (the trail stores UTC ISO strings)."""
    when = entry_datetime(entry)
    return when.astimezone().strftime("%m-%d %H:%M:%S") if when else str(entry.get("time", ""))


def objects_cell(entry: dict[str, Any]) -> str:
    """The first object id, shortened in the middle, and how many more."""
    ids = [visible(str(i)) for i in entry.get("object_ids") or []]
    if not ids:
        return ""
    first = ids[0] if len(ids[0]) <= OBJECTS_WIDTH else fit_middle(ids[0], OBJECTS_WIDTH)
    return first + (f" +{len(ids) - 1}" if len(ids) > 1 else "")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


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
        return Text(f"✓ chain intact ({count(verdict.rows, 'row')}, head {verdict.head_hash[:12]}…)")
    where = f"row {verdict.first_bad_id}: " if verdict.first_bad_id is not None else ""
    return Text(visible(f"✗ CHAIN BROKEN at {where}{verdict.problem} (kms-tui audit verify)"), style="bold red")


class AuditScreen(ConsoleScreen):
    """The local audit trail in a table; filters apply as you type."""

    AUTO_FOCUS = "#audit-table"
    HELP_TITLE = "Audit"
    HELP_TEXT = (
        "Every KMIP and access-rights call this console and kms-tui commands made, newest first, "
        "from the local audit trail. A batch is one operation with its count (GetAttributes ×10). "
        "Filter by operation, object id (any part), outcome, profile and time; esc in the object "
        "filter clears it, a second esc goes back to the table. Enter shows every field of a row "
        "(a revoke's reason and message, the full error reason); the line under the table sums it up. "
        "The same filters: kms-tui audit --operation --object --outcome --since --until [--json]."
    )
    BINDINGS = [
        Binding("enter", "open_entry", "Details", tooltip="Every field of the highlighted row.", id="audit.details"),
        Binding("r", "reload", "Reload", tooltip="Read the audit trail again.", id="audit.reload"),
        Binding("slash", "focus_object", "Filter", tooltip="Filter by object id (any part).", id="audit.filter"),
    ]
    DEFAULT_CSS = """
    AuditScreen #audit-filters { height: 1; }
    AuditScreen #audit-filters Select, AuditScreen #audit-filters Input { width: 1fr; margin-right: 1; }
    AuditScreen #audit-filters #audit-object { width: 2fr; }
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
            yield FilterInput(placeholder="/ object id…", compact=True, id="audit-object")
            yield Select(
                [(outcome_label(o), o) for o in OUTCOMES], prompt="any outcome", compact=True, id="audit-outcome"
            )
            yield Select([], prompt="any profile", compact=True, id="audit-profile")
            yield Select(
                [(label, label) for label, _delta in TIME_RANGES], prompt="any time", compact=True, id="audit-time"
            )
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

    def action_open_entry(self) -> None:
        table = self.query_one("#audit-table", DataTable)
        if 0 <= table.cursor_row < len(self._shown):
            from kms_tui.tui.modals.audit_entry import AuditEntryModal

            self.app.push_screen(AuditEntryModal(self._shown[table.cursor_row]))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_entry()

    @on(FilterInput.Left)
    def _filter_left(self) -> None:
        self.query_one("#audit-table", DataTable).focus()

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
        """The operation and profile choices: those the trail holds (a batch under its operation)."""
        for select_id, values in (
            ("#audit-operation", {operation_name(str(e.get("operation", ""))) for e in self.entries}),
            ("#audit-profile", {str(e.get("profile", "")) for e in self.entries}),
        ):
            select = self.query_one(select_id, Select)
            current = select.value
            choices = sorted(v for v in values if v)
            select.set_options([(visible(v), v) for v in choices])
            if isinstance(current, str) and current in choices:
                select.value = current

    def _nothing_matches(self, total: int) -> str:
        """Why the table is empty: which filters hide every row, and how to undo them."""
        said = []
        for select_id in ("#audit-operation", "#audit-outcome", "#audit-profile", "#audit-time"):
            select = self.query_one(select_id, Select)
            if isinstance(select.value, str):
                said.append(visible(select.value))
        text = self.query_one("#audit-object", Input).value
        if text:
            said.append(f"'{visible(text)}'")
        undo = "esc clears the object filter" if text else ""
        if len(said) > (1 if text else 0):
            undo += ("; " if undo else "") + "a list set back to 'any' shows more"
        return f"No entry matches {' + '.join(said)}: {count(total, 'entry', 'entries')} hidden ({undo})"

    def current_filter(self) -> AuditFilter:
        def chosen(select_id: str) -> str | None:
            value = self.query_one(select_id, Select).value
            return value if isinstance(value, str) else None

        since = None
        span = dict(TIME_RANGES).get(chosen("#audit-time") or "")
        if span is not None:
            since = self.app.clock() - span
        return AuditFilter(
            operation=chosen("#audit-operation"),
            object=self.query_one("#audit-object", Input).value,
            outcome=chosen("#audit-outcome"),
            profile=chosen("#audit-profile"),
            since=since,
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
            outcome = str(entry.get("outcome", ""))
            cells = (
                entry_time(entry),
                operation_label(str(entry.get("operation", ""))),
                str(entry.get("user", "")),
                str(entry.get("duration_ms", "")),
                objects_cell(entry),
                _cut(str(entry.get("error_reason", "")), REASON_WIDTH),
                details_text(entry),
            )
            # ids, reasons and user names came from a server: escaped, and Text so never markup
            table.add_row(
                Text(outcome_label(outcome), style=OUTCOME_STYLES.get(outcome, "")),
                *(Text(visible(cell)) for cell in cells),
            )
        more = " (the most recent only)" if len(self.entries) >= AUDIT_LIMIT else ""
        total = len(self.entries)
        if not self.entries:
            status = "No audit rows yet: what you do here and with kms-tui commands appears here, newest first."
        elif shown:
            status = f"{len(shown):,} of {count(total, 'entry', 'entries')}{more}, newest first · enter: every field"
        else:
            status = self._nothing_matches(total)
        if self.problem:
            status = visible(f"Not recording: {self.problem}  ·  {status}")
        line = Text(status)
        if self.chain is not None:
            line = Text.assemble(self.chain, "  ·  ", status)
        self.query_one("#audit-status", Static).update(line)
        self.query_one("#audit-detail", Static).update(detail_lines(shown[0]) if shown else "")
