"""The object browser: filter, list, inspect and act on the objects of the active profile.

Workers (group ``objects-load`` for listing, ``destructive`` for writes) talk to the shared
client and post the messages below; the handlers here own the widgets.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

from kms_tui.client.requests import LocateFilter
from kms_tui.safetext import visible
from kms_tui.tui.bulk.marks import BulkMarks
from kms_tui.tui.certificates.certify_modal import certify_from
from kms_tui.tui.certificates.renew import RENEW_BINDINGS, CertificateRenewal
from kms_tui.tui.objects import actions, guards
from kms_tui.tui.objects.access import grant_from
from kms_tui.tui.objects.arrivals import RowFeeder
from kms_tui.tui.objects.attribute_edit import AttributeEditor
from kms_tui.tui.objects.detail import ObjectDetail
from kms_tui.tui.objects.filter_bar import ObjectFilterBar
from kms_tui.tui.objects.lifecycle import Lifecycle, RowsChanged
from kms_tui.tui.objects.loading import PAINT_WAIT_S, Loaded, load_rows
from kms_tui.tui.objects.query import describe_filter
from kms_tui.tui.objects.rows import ObjectRow, TextFilterError, compile_text_filter
from kms_tui.tui.objects.secrets import SecretDetail, SecretReveal, SecretRevealed
from kms_tui.tui.objects.table import ObjectTable
from kms_tui.tui.objects.tags import TagEditor
from kms_tui.tui.objects.transfer import ExportChecked, Transfer
from kms_tui.tui.rotation import ROTATION_BINDINGS, RotationController
from kms_tui.tui.screens.base import ConsoleScreen
from kms_tui.tui.widgets.filter_input import FilterInput
from kms_tui.words import count


@dataclass
class RowsLoaded(Message):
    """A slice of the listing started as load number ``generation``."""

    generation: int
    loaded: Loaded


@dataclass
class LoadFailed(Message):
    generation: int
    error: BaseException


@dataclass
class RawLoaded(Message):
    uid: str
    text: str


def _fmt(n: int) -> str:
    return f"{n:,}"


class ObjectsScreen(ConsoleScreen):
    """Filter bar on top, the table, the detail pane on the right when asked for."""

    AUTO_FOCUS = "#objects-table"
    # hidden from the footer and the palette in read-only mode (their keys say why)
    WRITE_ACTIONS = frozenset(
        {
            "create",
            "activate",
            "revoke",
            "destroy",
            "grant_access",
            "certify",
            "edit_tags",
            "edit_attributes",
            "import",
            "rekey",
            "renew_certificate",
        }
    )
    HELP_TITLE = "Objects"
    HELP_TEXT = (
        "Every object you own or were granted, loaded in the background (x stops the load). "
        "/ filters the loaded rows: words match anywhere, /regex/ is a regular expression, "
        "!word excludes. f opens the server filters (type, algorithm, state incl. destroyed, "
        "tags, name, length, linked to); enter applies them. One key per column sorts, the same key "
        "again reverses: I id, Y type, L algorithm, E length, S state, # tags, M name, D created "
        "(o the next column, O reverses). Enter shows an object's details, "
        "t its raw TTLV, l follows its link. R re-keys a key, H shows its rotation history "
        "(old and new keys, policy, next rotation), K tests it with a round trip on the server. "
        "A certificate's detail shows its chain to the root (enter on an issuer jumps to it); "
        "C issues a certificate. i imports a key or certificate from a file (shown before it is "
        "sent); e exports in any format (key material only after a confirmation). "
        "V shows the value of secret data or an opaque object (masked until "
        "then; V again hides it). T edits the tags; A the name, the dates and vendor attributes. "
        "Destroy asks for the first characters of the id; "
        "an Active key is revoked first. Space marks a row, * every row the filter shows; with rows "
        "marked, v d T g e act on all of them (revoke and destroy after a preview that asks for the "
        "count). Read-only mode refuses every change."
    )
    BINDINGS = [
        Binding("slash", "focus_text_filter", "Filter", tooltip="Filter the loaded rows.", id="objects.filter"),
        Binding(
            "f", "toggle_server_filters", "Locate", tooltip="Server filters: type, state, tags…", id="objects.locate"
        ),
        Binding("r", "reload", "Reload", tooltip="Load the list again from the server.", id="objects.reload"),
        Binding("x", "cancel_load", "Stop", show=False, tooltip="Stop loading.", id="objects.stop"),
        Binding(
            "n",
            "create",
            "New",
            tooltip="Create a key, a key pair, secret data or an opaque object.",
            id="objects.create",
        ),
        Binding(
            "a", "activate", "Activate", show=False, tooltip="Activate a pre-active object.", id="objects.activate"
        ),
        Binding("v", "revoke", "Revoke", tooltip="Revoke the object (and its linked key).", id="objects.revoke"),
        Binding("d", "destroy", "Destroy", tooltip="Destroy the object, after confirmation.", id="objects.destroy"),
        Binding(
            "g",
            "grant_access",
            "Grant",
            show=False,
            priority=True,  # before the table's g (home is first)
            tooltip="Grant a user rights on the object you own.",
            id="objects.grant",
        ),
        Binding(
            "C",
            "certify",
            "Certify",
            show=False,
            tooltip="Issue a certificate: new key pair, public key or CSR; self-signed or by a CA in the KMS.",
            id="objects.certify",
        ),
        Binding("T", "edit_tags", "Tags", show=False, tooltip="Add or remove the object's tags.", id="objects.tags"),
        Binding(
            "A",
            "edit_attributes",
            "Name/dates",
            show=False,
            id="objects.attributes",
            tooltip="Edit the object's name, its activation and deactivation dates and its vendor attributes.",
        ),
        Binding(
            "V",
            "reveal_value",
            "Reveal",
            show=False,
            id="objects.reveal",
            tooltip="Show (or hide again) the value of secret data or an opaque object; masked until then.",
        ),
        Binding(
            "e",
            "export",
            "Export",
            show=False,
            tooltip="Save the object to a file: public PEM, PKCS#8, raw, PKCS#12… (asks before key material).",
            id="objects.export",
        ),
        Binding(
            "i",
            "import",
            "Import",
            show=False,
            tooltip="Import a key, certificate, chain or PKCS#12 from a file.",
            id="objects.import",
        ),
        Binding(
            "exclamation_mark",
            "show_command",
            "Command",
            show=False,
            tooltip="Show the highlighted object's attributes request as kms-tui, ckms and KMIP JSON.",
            id="objects.show-command",
        ),
        Binding(
            "c", "copy_id", "Copy id", show=False, tooltip="Copy the id (OSC 52: works over SSH).", id="objects.copy-id"
        ),
        Binding("l", "follow_link", "Follow", show=False, tooltip="Go to the linked key.", id="objects.follow"),
        Binding("t", "toggle_raw", "TTLV", show=False, tooltip="Raw TTLV of the attributes.", id="objects.raw"),
        Binding(
            "escape", "close_detail", "Close", show=False, tooltip="Close the detail pane.", id="objects.close-detail"
        ),
        Binding(
            "space",
            "toggle_mark",
            "Mark",
            show=False,
            tooltip="Mark the row (v d T g e then act on every marked row).",
            id="objects.mark",
        ),
        Binding(
            "asterisk",
            "mark_shown",
            "Mark all",
            show=False,
            tooltip="Mark every row the filter shows (again: unmark them).",
            id="objects.mark-shown",
        ),
        *ROTATION_BINDINGS,  # R re-key, H rotation history, K test this key (kms_tui/tui/rotation)
        *RENEW_BINDINGS,  # N renews a certificate (kms_tui/tui/certificates/renew.py)
    ]
    DEFAULT_CSS = """
    ObjectsScreen #objects-body { height: 1fr; }
    ObjectsScreen ObjectDetail { display: none; width: 3fr; }
    ObjectsScreen.-detail ObjectDetail { display: block; }
    ObjectsScreen ObjectTable { width: 1fr; }
    ObjectsScreen.-detail ObjectTable { width: 2fr; }
    ObjectsScreen #objects-status { height: 1; background: $panel; padding: 0 1; }
    ObjectsScreen #objects-status.-partial { color: $warning; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.filters = LocateFilter()
        self.generation = 0
        self.load_running = False
        self.partial_problems: list[str] = []
        self.round_trips = 0
        self.pending_select: str | None = None
        self.export_dir = Path.cwd()
        self._table: ObjectTable | None = None
        self.arrivals = RowFeeder(self)  # listed rows into the table, with its timers
        self._in_place = False  # the running load refreshes the rows shown (a reload)
        self.bulk = BulkMarks(self)  # marks and bulk actions (kms_tui.tui.bulk)
        self._listed_text = "No objects."  # what the empty table says when no text filter hides rows
        self._filter_text = ""
        self.rotation = RotationController(self)
        self.lifecycle = Lifecycle(self)  # n a v d
        self.tags = TagEditor(self)
        self.attribute_edits = AttributeEditor(self)
        self.secrets = SecretReveal(self)  # V
        self.transfer = Transfer(self)  # i e
        self._guard_state: tuple[bool, ...] = ()  # what the highlighted object allowed at the last footer
        self._guard_keys: frozenset[str] | None = None  # keys of the actions a state may refuse
        self.renewal = CertificateRenewal(self)

    # -- what the highlighted object's state allows (kms_tui.tui.objects.guards) ------------------
    # Actions it does not allow are disabled in the footer and the palette, and refused with the
    # reason when invoked anyway.

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        allowed = super().check_action(action, parameters)  # read-only mode first
        if allowed and action in guards.GUARDED_ACTIONS and self.is_mounted:
            if guards.refusal(action, self.table.current) is not None:
                return None  # shown disabled; invoking it says why
        return allowed

    def refresh_guards(self) -> None:
        """Rebuild the footer when the highlighted object allows other actions than before."""
        signature = guards.allowed_signature(self.table.current)
        if signature != self._guard_state:
            self._guard_state = signature
            self.refresh_bindings()

    def on_key(self, event: events.Key) -> None:
        """A key of an action the state disables: say why instead of doing nothing."""
        if self._guard_keys is None:
            self._guard_keys = frozenset(
                key for key, active in self.active_bindings.items() if active.binding.action in guards.GUARDED_ACTIONS
            )
        if event.key not in self._guard_keys:
            return
        active = self.active_bindings.get(event.key)
        if active is not None and not active.enabled:
            event.stop()  # the action itself refuses, saying why (read-only mode first, then the state)
            getattr(self, f"action_{active.binding.action}")()

    def refused_by_state(self, action: str, row: ObjectRow) -> bool:
        """True (and the user is told why) when ``row``'s state does not allow ``action``."""
        reason = guards.refusal(action, row)
        if reason:
            self.notify(reason, severity="warning", markup=False)
        return reason is not None

    def writable_row(self, what: str) -> ObjectRow | None:
        """The current row if a write may start; else None and the user is told why."""
        if self.app.refuse_if_read_only(what):
            return None
        row = self.table.current
        if row is None:
            self.notify(f"Select an object to {what}.", severity="warning")
        return row

    def run_for(self, work: Callable[[], Coroutine[Any, Any, None]], group: str, *, exclusive: bool = False) -> None:
        """Run ``work`` as this screen's worker, for an object the screen owns (``group ==
        "destructive"``: a failure opens the error modal). A callable, not a coroutine: a worker
        cancelled before it starts then leaves no coroutine never awaited."""
        self.run_worker(
            work,  # type: ignore[arg-type]
            group=group,
            exclusive=exclusive,
            exit_on_error=False,
        )  # (mypy infers Textual's WorkType of a callable as Never)

    # -- layout ------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield ObjectFilterBar(id="objects-filter-bar")
        with Horizontal(id="objects-body"):
            yield ObjectTable(id="objects-table")
            yield SecretDetail(id="objects-detail")  # a CertificateDetail that also shows secret values
        yield Static("", id="objects-status", markup=False)  # error reasons come from the server

    @property
    def table(self) -> ObjectTable:
        if self._table is None:  # a DOM query each time would cost more than the work in hot paths
            self._table = self.query_one(ObjectTable)
        return self._table

    @property
    def detail(self) -> ObjectDetail:
        return self.query_one(ObjectDetail)

    @property
    def filter_bar(self) -> ObjectFilterBar:
        return self.query_one(ObjectFilterBar)

    def on_mount(self) -> None:  # the table gets the focus from AUTO_FOCUS (focusing twice recomposes the footer twice)
        self.watch(self.app, "services", self._services_changed)

    def _services_changed(self, services: Any) -> None:
        if services is None:
            self._set_empty("Not connected. Ctrl+O connects to a server or starts the sandbox.")
            self.table.clear()
            self._set_status(self.table.empty_text)
        else:  # after the screen's first frame: its first layout and footer go first
            self.call_after_refresh(self.start_load)

    # -- loading -----------------------------------------------------------------------------

    @property
    def client(self) -> Any:
        services = getattr(self.app, "services", None)
        return getattr(services, "client", None)

    def start_load(self, filters: LocateFilter | None = None, *, in_place: bool = False) -> None:
        """List the objects matching ``filters`` again, in the background. The rows shown are
        forgotten first, or with ``in_place`` (a reload, same filters) kept and refreshed as
        the new listing arrives: the list does not go blank and the cursor stays on its
        object; rows the new listing lacks go when it is complete."""
        if filters is not None:
            self.filters = filters
        if self.client is None:
            return
        self.generation += 1
        self.load_running, self.partial_problems = True, []
        self.arrivals.reset()
        self._in_place = in_place and self.table.total > 0
        if not self._in_place:
            self._set_empty("Loading…")
            self.table.clear()
        self._set_status(f"Loading {describe_filter(self.filters)}…  (x stops)")
        self.load_objects(self.filters, self.generation)

    @work(exclusive=True, exit_on_error=False, group="objects-load")
    async def load_objects(self, filters: LocateFilter, generation: int) -> None:
        """List the objects through the shared client on the app's loop; the listing yields
        between slices and posts rows (never touches widgets). Cancelling stops it."""

        def post(loaded: Loaded) -> None:
            self.post_message(RowsLoaded(generation, loaded))

        async def painted() -> None:  # the rows posted so far are drawn (or PAINT_WAIT_S passed)
            drawn = asyncio.Event()
            self.call_after_refresh(drawn.set)  # queued after the rows: runs once they are drawn
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(drawn.wait(), PAINT_WAIT_S)

        client = self.client
        if client is None:
            return
        try:
            await load_rows(client, filters, post, painted)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - shown in the status line and a toast
            self.post_message(LoadFailed(generation, exc))

    @on(RowsLoaded)
    def _rows_loaded(self, message: RowsLoaded) -> None:
        if message.generation != self.generation:
            return  # a newer load replaced this one
        loaded = message.loaded
        rows, loaded.rows = loaded.rows, []  # a handled message may live on in a frozen cycle: no rows
        self.partial_problems = loaded.problems if loaded.partial else []
        self.round_trips = loaded.round_trips
        if not loaded.done:
            self.arrivals.arrived(rows)
            return
        self.load_running = False
        self.app.server_answered()
        self.arrivals.last(rows)
        self.arrivals.show(then=lambda: self._load_complete(removed_elsewhere=self._in_place and not loaded.partial))

    def _load_complete(self, *, removed_elsewhere: bool) -> None:
        if removed_elsewhere:  # a complete reload: the rows it did not list are gone
            gone = self.table.row_ids() - self.arrivals.received  # in C: a loop over 100,000 ids took 30 ms
            if gone:
                self.table.remove_rows(gone)
        self._set_empty(
            "No objects yet: n creates a key."
            if self.filters.is_empty
            else f"No objects match {describe_filter(self.filters)}."
        )
        if self.pending_select and self.table.select_uid(self.pending_select):
            self.pending_select = None
        if self.has_class("-detail"):  # the object shown may have changed
            self.detail.show_row(self.table.current)
        self._show_counts()

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        if message.generation != self.generation:
            return
        self.load_running = False
        self.arrivals.show(then=lambda: self._say_load_failed(message.error))  # what arrived stays
        self.app.report_error(message.error, title="Could not list the objects")

    def _say_load_failed(self, error: BaseException) -> None:
        self._set_empty("The list could not be loaded (see the status line).")
        reason = visible(getattr(error, "message", None) or str(error))
        shown = "" if not self._in_place else f"; the {_fmt(self.table.total)} shown may be out of date"
        self._set_status(
            f"Load failed after {_fmt(len(self.arrivals.received))} objects{shown}: {reason}  (r retries)", partial=True
        )

    def action_cancel_load(self) -> None:
        if self.load_running:
            self.workers.cancel_group(self, "objects-load")
            self.generation += 1  # slices still in flight are dropped
            self.load_running = False
            self.partial_problems = ["loading stopped by you (r loads again)"]
            self.arrivals.show(then=self._show_counts)  # those already here stay

    def action_reload(self) -> None:
        self.start_load(in_place=True)

    def _show_counts(self) -> None:
        total, shown = self.table.total, len(self.table.shown_rows)
        text = f"{_fmt(shown)} of {count(total, 'object')}" if shown != total else count(total, "object")
        text += f" · {describe_filter(self.filters)}"
        if hint := self.table.sort_hint():
            text += f" · {hint}"
        if self.arrivals.waiting:
            text += f" · {_fmt(self.arrivals.waiting)} more arrived, shown when you pause"
        text += self.bulk.status()
        if self.load_running:
            text = "Loading… " + text + "  (x stops)"
        if self.partial_problems:
            text += f" · PARTIAL: {self.partial_problems[0]}"
            if len(self.partial_problems) > 1:
                text += f" (+{len(self.partial_problems) - 1} more)"
        self._set_status(text, partial=bool(self.partial_problems))

    def _set_status(self, text: str, *, partial: bool = False) -> None:
        status = self.query_one("#objects-status", Static)
        status.update(text, layout=False)  # one line, always: no layout pass (a full-screen redraw)
        status.set_class(partial, "-partial")

    # -- filters -----------------------------------------------------------------------------

    def action_focus_text_filter(self) -> None:
        self.query_one("#filter-text", Input).focus()

    async def action_toggle_server_filters(self) -> None:
        await self.filter_bar.toggle()
        if not self.filter_bar.expanded:
            self.table.focus()

    @on(ObjectFilterBar.QueryChanged)
    def _query_changed(self, message: ObjectFilterBar.QueryChanged) -> None:
        if message.query != self.filters:
            self.start_load(message.query)

    @on(ObjectFilterBar.TextChanged)
    def _text_changed(self, message: ObjectFilterBar.TextChanged) -> None:
        try:
            predicate = compile_text_filter(message.text)
        except TextFilterError as exc:
            self.filter_bar.show_error(str(exc))
            return
        self.filter_bar.show_error("")
        self.table.set_filter(predicate)
        self._filter_text = message.text
        self._show_empty_reason()
        self._show_counts()

    def _set_empty(self, text: str) -> None:
        """What the empty table says when no text filter hides its rows."""
        self._listed_text = text
        self._show_empty_reason()

    def _show_empty_reason(self) -> None:
        """What the empty table says: why nothing shows (the text filter hides every loaded row,
        or the server filters or the KMS have none)."""
        total, text = self.table.total, self._filter_text
        if text and total and not self.table.shown_rows:
            self.table.empty_text = f"No row matches '{visible(text)}': {count(total, 'object')} hidden (esc clears)"
        else:
            self.table.empty_text = self._listed_text
        self.table.refresh()

    @on(Input.Submitted, "#filter-text")
    @on(FilterInput.Left)
    def _text_submitted(self) -> None:
        self.table.focus()  # visibly: the focused table's header is highlighted

    # -- detail pane -------------------------------------------------------------------------

    @on(ObjectTable.Highlighted)
    def _highlighted(self, message: ObjectTable.Highlighted) -> None:
        self.refresh_guards()  # what the footer offers follows the object's state
        if self.has_class("-detail"):
            self.detail.show_row(message.row)

    @on(ObjectTable.SortShown)
    def _sort_shown(self) -> None:
        if not self.load_running:  # a load's status line says so itself when it ends
            self._show_counts()

    @on(ObjectTable.Selected)
    def _selected(self, message: ObjectTable.Selected) -> None:
        self.add_class("-detail")
        self.detail.show_row(message.row)

    def action_close_detail(self) -> None:
        if self.has_class("-detail"):
            self.remove_class("-detail")
            self.table.focus()
        elif self.focused is not self.table:
            self.table.focus()

    def reveal(self, uid: str) -> None:
        """Put the cursor on ``uid`` (another screen's jump, e.g. the radar's), now or once the
        listing brings it."""
        if self.table.select_uid(uid):
            self.add_class("-detail")
            self.detail.show_row(self.table.current)
        else:
            self.pending_select = uid

    def action_follow_link(self, uid: str | None = None) -> None:
        row = self.table.current
        target = uid or (row.linked_key if row else None)
        if not target:
            self.notify("This object has no linked key.", severity="warning")
            return
        if not self.table.select_uid(target):
            self.notify(
                f"{visible(target)} is not in the list (filtered out, or not visible to you).",
                severity="warning",
                markup=False,
            )
            return
        self.add_class("-detail")
        self.detail.show_row(self.table.current)

    def action_toggle_raw(self) -> None:
        row = self.table.current
        if row is None:
            return
        self.add_class("-detail")
        if self.detail.row is row and self.detail.raw is not None:
            self.detail.show_row(row)
        else:
            self.detail.show_row(row)
            self.load_raw(row.uid)

    @work(exclusive=True, exit_on_error=False, group="objects-raw")
    async def load_raw(self, uid: str) -> None:
        self.post_message(RawLoaded(uid, await actions.raw_attributes_json(self.client, uid)))

    @on(RawLoaded)
    def _raw_loaded(self, message: RawLoaded) -> None:
        self.detail.show_raw(message.uid, message.text)

    def action_rekey(self) -> None:
        self.rotation.rekey()

    def action_rotation_history(self) -> None:
        self.rotation.history()

    def action_test_key(self) -> None:
        self.rotation.test_key()

    def action_renew_certificate(self) -> None:
        self.renewal.renew()

    def action_grant_access(self) -> None:
        if not isinstance(self.focused, Input) and self.bulk.take("grant"):
            return  # rows are marked: the grant goes to each of them
        grant_from(self)

    def action_certify(self) -> None:
        certify_from(self)

    def action_copy_id(self) -> None:
        row = self.table.current
        if row is not None:
            self.app.copy_to_clipboard(row.uid)  # OSC 52: reaches the local terminal over SSH/tmux
            self.notify(f"Copied {visible(row.uid)}", markup=False)

    def action_show_command(self) -> None:
        """`!`: the highlighted object's attributes request as kms-tui, ckms and KMIP JSON."""
        row = self.table.current
        if row is None:
            self.notify("Select an object first.", severity="warning")
            return
        from kms_tui.tui.modals.show_command import ShowCommandModal
        from kms_tui.tui.show_command import for_row

        self.app.push_screen(ShowCommandModal(for_row(row.uid)))

    # -- marks: with rows marked, v d T g e act on all of them (kms_tui.tui.bulk) ---------------

    def action_toggle_mark(self) -> None:
        self.bulk.toggle()

    def action_mark_shown(self) -> None:
        self.bulk.mark_shown()

    def refresh_counts(self) -> None:
        self._show_counts()

    def action_create(self) -> None:
        self.lifecycle.create()

    def action_activate(self) -> None:
        self.lifecycle.activate()

    def action_revoke(self) -> None:
        if not self.bulk.take("revoke"):
            self.lifecycle.revoke()

    def action_destroy(self) -> None:
        if not self.bulk.take("destroy"):
            self.lifecycle.destroy()

    def action_edit_tags(self) -> None:
        if not self.bulk.take("tags"):
            self.tags.edit()

    def action_edit_attributes(self) -> None:
        self.attribute_edits.edit()

    def action_reveal_value(self) -> None:
        self.secrets.toggle()

    @on(SecretRevealed)
    def _secret_revealed(self, message: SecretRevealed) -> None:
        self.secrets.show(message)

    def action_export(self) -> None:
        if not self.bulk.take("export"):
            self.transfer.start_export()

    def action_import(self) -> None:
        self.transfer.start_import()

    @on(ExportChecked)
    def _export_checked(self, message: ExportChecked) -> None:
        self.transfer.export_checked(message)

    @on(RowsChanged)
    def _rows_changed(self, message: RowsChanged) -> None:
        self.bulk.forget(message.gone)
        self.bulk.sync()
        self.table.remove_rows(message.gone)
        self.table.add_rows(message.rows)
        if message.select and not self.table.select_uid(message.select):
            self.pending_select = message.select
        if self.has_class("-detail"):
            self.detail.show_row(self.table.current)
        self._show_counts()
        self.refresh_guards()
        self.notify(visible(message.notice, keep_newlines=True), markup=False)
