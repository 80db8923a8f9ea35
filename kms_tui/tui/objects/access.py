"""Access rights in the objects screen's detail pane: the owner and, for an object you own, every
user and the operations they hold (``/access/list/{id}``), with what those rights really allow on
Cosmian 5.26. ``g`` (on the screen) grants; ``delete`` on a user's row opens the revoke dialog (all of
their rights ticked: untick those to keep), which is the confirmation.

:class:`AccessDetail` is the objects screen's detail pane with this section under the attributes;
the grant and revoke requests run in workers of the section and refresh it when they land.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from functools import partial  # a worker cancelled before it starts leaves no coroutine unawaited
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.actions import SkipAction
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from kms_tui import access_rights as rights
from kms_tui.safetext import visible
from kms_tui.tui.modals.grant import GrantModal, GrantRequest
from kms_tui.tui.modals.revoke_rights import RevokeRightsModal, RevokeRightsRequest
from kms_tui.tui.objects.detail import ObjectDetail
from kms_tui.tui.objects.rows import ObjectRow

if TYPE_CHECKING:
    from textual import getters

    from kms_tui.tui.app import KmsConsole
    from kms_tui.tui.objects.screen import ObjectsScreen


PAUSE = 0.2  # seconds the cursor rests on a row before its grants are asked for


def _names(ops: list[str]) -> str:
    return ", ".join(visible(rights.display_name(op)) for op in ops)


def me(app: Any) -> str:
    """The signed-in user as the server named it ('' when not known yet)."""
    return str(getattr(getattr(app, "identity", None), "user", "") or "")


def is_mine(row: ObjectRow, user: str) -> bool:
    """Whether ``row`` is one of the user's objects (listings leave the owner empty for those)."""
    return not row.owner or (bool(user) and row.owner == user)


class AccessSection(Vertical):
    """The access-rights part of the detail pane."""

    if TYPE_CHECKING:  # it runs in the console: its app has the console's methods
        app = getters.app(KmsConsole)

    BINDINGS = [
        Binding(
            "delete",
            "revoke_right",
            "Revoke right",
            tooltip="Take some or all of this user's rights on the object away (asks which, first).",
            id="access.revoke-right",
        ),
    ]
    DEFAULT_CSS = """
    AccessSection { height: auto; margin-top: 1; }
    AccessSection #access-title { text-style: bold underline; }
    AccessSection #access-table { height: auto; max-height: 12; }
    AccessSection #access-table.-empty { display: none; }
    AccessSection #access-note { color: $text-muted; height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.uid: str | None = None
        self.accesses: list[dict[str, Any]] = []
        self.generation = 0

    def compose(self):
        yield Static("", id="access-owner")
        yield Static("Access rights", id="access-title")
        table: DataTable = DataTable(id="access-table", cursor_type="row", zebra_stripes=True, classes="-empty")
        table.add_columns("User", "Operations", "Also allows")
        yield table
        yield Static("", id="access-note")

    @property
    def client(self) -> Any:
        return getattr(getattr(self.app, "services", None), "client", None)

    def show(self, row: ObjectRow | None) -> None:
        """Show ``row``'s owner and, for an object we own, load its grants."""
        self.generation += 1
        self.uid, self.accesses = None, []
        self._fill([])
        owner = self.query_one("#access-owner", Static)
        note = self.query_one("#access-note", Static)
        if row is None:
            self.display = False
            return
        self.display = True
        user = me(self.app)
        if not is_mine(row, user):
            owner.update("")  # the attributes above name the owner already
            note.update("Only the owner sees who holds rights on this object and grants them.")
            return
        owner.update(Text.assemble(("Owner".ljust(24), "bold"), f"you ({visible(user)})" if user else "you"))
        self.uid = row.uid
        if self.client is None:
            note.update("Not connected.")
            return
        note.update("Loading who holds rights…")
        self._start_load(partial(self._load, row.uid, self.generation, pause=PAUSE))

    def _start_load(self, load: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """One load at a time (a newer one cancels the last). Given as a callable, not a coroutine:
        a load cancelled before it starts then leaves no coroutine never awaited."""
        self.run_worker(
            load,  # type: ignore[arg-type]
            group="access-list",
            exclusive=True,
            exit_on_error=False,
        )  # (mypy infers Textual's WorkType of a callable as Never)

    async def _load(self, uid: str, generation: int, *, pause: float = 0.0) -> None:
        if pause:  # moving through the list: ask only for the row the cursor stops on
            await asyncio.sleep(pause)
        try:
            answer = await self.client.access_list(uid)
        except Exception as exc:  # noqa: BLE001 - shown in the section
            if generation == self.generation:
                reason = getattr(exc, "message", None) or str(exc)
                self.query_one("#access-note", Static).update(Text(f"Access rights unavailable: {visible(reason)}"))
            return
        if generation == self.generation:
            self._fill(rights.user_rows(answer, uid))

    def _fill(self, rows: list[dict[str, Any]]) -> None:
        self.accesses = rows
        table = self.query_one("#access-table", DataTable)
        table.clear()
        hsm = rights.is_hsm(self.uid or "")
        for r in rows:
            table.add_row(
                Text(visible(r["user"])),
                Text(_names(r["operations"])),
                Text(rights.explain(r["operations"], hsm=hsm) or "—"),
            )
        table.set_class(not rows, "-empty")
        if self.uid is not None:
            self.query_one("#access-note", Static).update(
                "g grants; delete on a user's row revokes some or all of their rights."
                if rows
                else "No one else holds rights on this object. g grants."
            )

    # -- revoke ----------------------------------------------------------------------------------

    def action_revoke_right(self) -> None:
        table = self.query_one("#access-table", DataTable)
        if self.uid is None or not self.accesses or table.cursor_row is None:
            return
        if self.app.refuse_if_read_only("revoking a right"):
            return
        entry = self.accesses[min(table.cursor_row, len(self.accesses) - 1)]
        uid, user = self.uid, entry["user"]

        def chosen(request: RevokeRightsRequest | None) -> None:
            if request is not None:
                self.app.confirm_production(
                    f"Take rights on {visible(uid)} away from {visible(user)}",
                    lambda: self.run_worker(
                        self._revoke(uid, user, list(request.operations)), group="access-write", exit_on_error=False
                    ),
                )

        self.app.push_screen(RevokeRightsModal(uid, user, list(entry["operations"])), chosen)

    async def _revoke(self, uid: str, user: str, ops: list[str]) -> None:
        try:
            await self.client.revoke_access(uid, user, ops)
        except Exception as exc:  # noqa: BLE001 - the app's error modal says why
            self.app.report_error(exc, destructive=True, title="Could not revoke the rights")
            return
        self.app.notify(f"Revoked {_names(ops)} from {visible(user)}", markup=False)
        self._reload(uid)

    # -- grant -----------------------------------------------------------------------------------

    def grant(self, row: ObjectRow | None) -> None:
        """Open the grant dialog for ``row`` (which we must own)."""
        if self.app.refuse_if_read_only("granting a right"):
            return
        if row is None:
            self.app.notify("Select an object to grant rights on.", severity="warning")
            return
        if self.client is None:
            self.app.notify("Not connected: Ctrl+O connects first.", severity="warning")
            return
        user = me(self.app)
        if not is_mine(row, user):
            self.app.notify(
                f"Only the owner ({visible(row.owner)}) can grant rights on this object.",
                severity="warning",
                markup=False,
            )
            return

        def chosen(request: GrantRequest | None) -> None:
            if request is not None:
                self.run_worker(self._grant(request), group="access-write", exit_on_error=False)

        self.app.push_screen(GrantModal(row.uid, owner=user), chosen)

    async def _grant(self, request: GrantRequest) -> None:
        try:
            await self.client.grant(request.uid, request.user, list(request.operations))
        except Exception as exc:  # noqa: BLE001 - the app's error modal says why
            self.app.report_error(exc, destructive=True, title="Could not grant the rights")
            return
        self.app.notify(f"Granted {_names(list(request.operations))} to {visible(request.user)}", markup=False)
        self._reload(request.uid)

    def _reload(self, uid: str) -> None:
        if self.uid == uid:
            self.generation += 1
            self._start_load(partial(self._load, uid, self.generation))


def grant_from(screen: ObjectsScreen) -> None:
    """The objects screen's ``g`` (a priority key, before the table's own ``g``): the grant dialog
    for the current row; a letter like any other while a text field has the focus."""
    if isinstance(screen.focused, Input):
        raise SkipAction()
    screen.query_one(AccessDetail).access.grant(screen.table.current)


class AccessDetail(ObjectDetail):
    """The objects screen's detail pane, with the access rights under the attributes."""

    def compose(self):
        yield from super().compose()
        yield AccessSection(id="detail-access")

    @property
    def access(self) -> AccessSection:
        return self.query_one(AccessSection)

    def on_mount(self) -> None:
        self.access.display = False

    def show_row(self, row: ObjectRow | None) -> None:
        super().show_row(row)
        self.access.show(row)

    def show_raw(self, uid: str, ttlv_json: str) -> None:
        super().show_raw(uid, ttlv_json)
        if self.row is not None and self.row.uid == uid:
            self.access.display = False
