"""Compare the active server with another profile's (``kms-tui diff`` in the console,
:mod:`kms_tui.client.diff`): objects on one side only, the same object re-created under a new
id, and for common ids differences in state, algorithm, length, tags, links and grants.

The other server is read through a client made for the comparison only (reads; nothing it does is
written to disk) and closed when the comparison ends; the active server through the shared client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Select, Static

from kms_tui.client.diff import shown
from kms_tui.safetext import visible
from kms_tui.tui.screens.base import ConsoleScreen
from kms_tui.words import count

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient


@dataclass
class Compared(Message):
    other: str
    diff: Any
    sizes: tuple[int, int]
    problems: list[str]


@dataclass
class CompareFailed(Message):
    error: BaseException


def diff_rows(diff: Any) -> list[tuple[str, str, str, str, str]]:
    """(kind, id here, id there, what, here → there) per difference, as the table shows them."""
    rows = [("only here", o.uid, "", o.object_type, o.state) for o in diff.only_a]
    rows += [("only there", "", o.uid, o.object_type, o.state) for o in diff.only_b]
    rows += [("re-created", x.uid, y.uid, x.object_type, f"{x.state} → {y.state}") for x, y in diff.recreated]
    rows += [("changed", c.uid, c.uid, c.what, f"{shown(c.a)} → {shown(c.b)}") for c in diff.changed]
    return rows


class CompareScreen(ConsoleScreen):
    """Pick another profile; the differences between its server and this one, in a table."""

    AUTO_FOCUS = "#compare-profile"
    HELP_TITLE = "Compare servers"
    HELP_TEXT = (
        "Compare this server with another profile's (a disaster-recovery replica with its primary, "
        "staging with production): objects on one side only, the same object re-created under a new "
        "id (same type, names and tags), and for the same id a different state, algorithm, length, "
        "tags, links or grants. Choose the profile, then c (or enter) compares; r compares again. "
        "The same as `kms-tui diff`."
    )
    BINDINGS = [
        Binding("c", "compare", "Compare", tooltip="Compare this server with the chosen profile's.", id="compare.run"),
        Binding("r", "compare", "Again", show=False, tooltip="Compare again.", id="compare.again"),
    ]
    DEFAULT_CSS = """
    CompareScreen #compare-bar { height: 1; }
    CompareScreen #compare-profile { width: 40; }
    CompareScreen #compare-status { height: auto; max-height: 3; padding: 0 1; background: $panel; }
    CompareScreen DataTable { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.running = False
        self.rows: list[tuple[str, str, str, str, str]] = []

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="compare-bar"):
            yield Static(" Compare with ", markup=False)
            yield Select([], prompt="choose a profile", compact=True, id="compare-profile")
        yield Static("Choose the profile to compare this server with, then c.", id="compare-status", markup=False)
        table: DataTable[Any] = DataTable(id="compare-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("Difference", "Id here", "Id there", "What", "Here → there")
        yield table

    def on_mount(self) -> None:
        self.load_profiles()

    def on_screen_resume(self) -> None:
        self.load_profiles()

    @work(thread=True, exclusive=True, exit_on_error=False, group="compare-profiles")
    def load_profiles(self) -> None:
        from kms_tui.config.store import ProfileStore

        names = [p.name for p in ProfileStore().list()]
        self.app.call_from_thread(self._profiles, names)

    def _profiles(self, names: list[str]) -> None:
        services = getattr(self.app, "services", None)
        here = getattr(services, "profile_name", None)
        select = self.query_one("#compare-profile", Select)
        current = select.value
        select.set_options([(visible(n), n) for n in names if n != here])
        if isinstance(current, str) and current in names:
            select.value = current

    @on(Select.Changed, "#compare-profile")
    def _chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.action_compare()

    def action_compare(self) -> None:
        other = self.query_one("#compare-profile", Select).value
        client = getattr(getattr(self.app, "services", None), "client", None)
        if client is None:
            self._status("Not connected. Ctrl+O connects to a server first.")
            return
        if not isinstance(other, str):
            self._status("Choose the profile to compare with first.")
            self.query_one("#compare-profile", Select).focus()
            return
        self.running = True
        self._status(f"Reading both servers (this one and {visible(other)})…")
        self.compare(client, other)

    @work(exclusive=True, exit_on_error=False, group="compare")
    async def compare(self, client: KmsClient, other: str) -> None:
        import asyncio

        from kms_tui.client.diff import compare, snapshot
        from kms_tui.config import resolve_connection
        from kms_tui.tui import services as svc

        try:
            profile = await asyncio.to_thread(resolve_connection, other)
            # reads only, nothing written to disk (the read-only form: audit rows kept in memory)
            theirs, session, _audit = await asyncio.to_thread(svc._client_and_session, profile, True)
            try:
                async with theirs:
                    here, there = await asyncio.gather(snapshot(client), snapshot(theirs))
            finally:
                await svc.close_quietly(session.stop)
        except Exception as exc:  # noqa: BLE001 - said on the status line and in a toast
            self.post_message(CompareFailed(exc))
            return
        problems = [f"here: {p}" for p in here.problems] + [f"there: {p}" for p in there.problems]
        self.post_message(Compared(other, compare(here, there), (len(here.objects), len(there.objects)), problems))

    @on(Compared)
    def _compared(self, message: Compared) -> None:
        self.running = False
        diff = message.diff
        self.rows = diff_rows(diff)
        table = self.query_one("#compare-table", DataTable)
        table.clear()
        for row in self.rows:
            table.add_row(*(Text(visible(cell)) for cell in row))
        c = diff.counts()
        here, there = message.sizes
        if diff.same:
            text = (
                f"Same as {visible(message.other)}: {count(c['compared'], 'object')}, "
                "same states, tags, links and grants."
            )
        else:
            text = (
                f"Different from {visible(message.other)} ({count(here, 'object')} here, {there} there): "
                f"{c['only_a']} only here, {c['only_b']} only there, {c['recreated']} re-created, "
                f"{c['changed_objects']} changed."
            )
        if message.problems:
            text += f" Not all read: {visible(message.problems[0])}"
        self._status(text)

    @on(CompareFailed)
    def _failed(self, message: CompareFailed) -> None:
        self.running = False
        reason = getattr(message.error, "message", None) or str(message.error)
        self._status(f"The comparison failed: {visible(reason)}")
        self.app.report_error(message.error, title="Compare")

    def _status(self, text: str) -> None:
        self.query_one("#compare-status", Static).update(text)
