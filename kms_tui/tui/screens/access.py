"""The access screen: the objects you own (``/access/owned``), the rights others granted you
(``/access/obtained``, with what they really allow on Cosmian 5.26), and your create right
(``/access/create``, ``/access/privileged``). ``g`` grants rights on the selected owned object;
a privileged user grants or revokes the create right with ``c`` / ``C``."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from kms_tui import access_rights as rights
from kms_tui.client.listing import ObjectSummary, plain_attributes
from kms_tui.safetext import visible
from kms_tui.tui.modals.grant import GrantModal, GrantRequest
from kms_tui.tui.modals.prompt import PromptModal
from kms_tui.tui.objects.access import me
from kms_tui.tui.screens.base import ConsoleScreen


def _t(value: Any) -> Text:
    """A table cell: server text, escaped, never read as markup."""
    return Text(visible(value))


ID_CELLS = 20  # as on the objects screen: start and end kept, so a key and its _pk stay apart


def _id(uid: str) -> Text:
    """An id shortened in the middle (enter on its row names it in full)."""
    from kms_tui.tui.objects.columns import fit_middle

    return Text(fit_middle(visible(uid), ID_CELLS).rstrip())


def _names(ops: list[str]) -> str:
    return ", ".join(visible(rights.display_name(op)) for op in ops)


class AccessScreen(ConsoleScreen):
    """Owned objects, rights obtained, the create right."""

    AUTO_FOCUS = "#access-owned"
    HELP_TITLE = "Access"
    HELP_TEXT = (
        "The objects you own and the rights others granted you. On Cosmian 5.26 a get grant stands "
        "for every operation except revoke and destroy, and any grant allows get_attributes: the "
        "'Also allows' column says so. g grants rights on the selected owned object (its grants are "
        "listed and revoked in the objects screen's detail pane). Privileged users grant (c) and "
        "revoke (C) the right to create objects."
    )
    BINDINGS = [
        Binding("r", "reload", "Reload", tooltip="Ask the server again.", id="access.reload"),
        Binding("g", "grant", "Grant", tooltip="Grant a user rights on the selected owned object.", id="access.grant"),
        Binding(
            "c",
            "grant_create",
            "Create right",
            show=False,
            tooltip="Privileged users: let a user create objects.",
            id="access.grant-create",
        ),
        Binding(
            "C",
            "revoke_create",
            "Revoke create",
            show=False,
            tooltip="Privileged users: take the create right away from a user.",
            id="access.revoke-create",
        ),
    ]
    WRITE_ACTIONS = frozenset({"grant", "grant_create", "revoke_create"})
    DEFAULT_CSS = """
    AccessScreen #access-body { padding: 0 1; }
    AccessScreen DataTable { height: auto; max-height: 14; }
    AccessScreen #access-create { height: auto; }
    AccessScreen .hint { margin-top: 0; }
    AccessScreen .-empty, AccessScreen .hint.-filled { display: none; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.owned: list[dict[str, Any]] = []
        self.obtained: list[dict[str, Any]] = []
        self.privileged = False

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="access-body"):
            yield Static("", id="access-create")
            yield Static("Owned by you", classes="section-title")
            owned: DataTable = DataTable(id="access-owned", cursor_type="row", zebra_stripes=True)
            owned.add_columns("Id", "State", "Type", "Algorithm", "Name")
            yield owned
            # said once the lists are read (hidden until then: "no object" while loading would be untrue)
            yield Static(
                "You own no object yet: the objects you create (2, then n) are yours.",
                id="access-owned-empty",
                classes="hint -filled",
            )
            yield Static("Granted to you", classes="section-title")
            obtained: DataTable = DataTable(id="access-obtained", cursor_type="row", zebra_stripes=True)
            obtained.add_columns("Id", "Owner", "State", "Operations", "Also allows")
            yield obtained
            yield Static(
                "Nobody granted you rights: an object's owner grants them (g on the objects screen).",
                id="access-obtained-empty",
                classes="hint -filled",
            )

    @property
    def client(self) -> Any:
        return getattr(getattr(self.app, "services", None), "client", None)

    def on_mount(self) -> None:
        self.watch(self.app, "services", lambda _s: self.action_reload(), init=True)

    def action_reload(self) -> None:
        if self.client is None:
            self.query_one("#access-create", Static).update("Not connected. Ctrl+O connects to a server.")
            return
        self.query_one("#access-create", Static).update("Loading…")
        self.run_worker(self._load(), group="access-load", exclusive=True, exit_on_error=False)

    async def _load(self) -> None:
        client = self.client
        try:
            owned = await client.access_owned()
            obtained = await client.access_obtained()
        except Exception as exc:  # noqa: BLE001 - shown on the screen
            reason = getattr(exc, "message", None) or str(exc)
            self.query_one("#access-create", Static).update(
                Text(f"Could not list the access rights: {visible(reason)}")
            )
            return
        may_create = privileged = None
        try:
            may_create = await client.access_create()
            privileged = await client.access_privileged()
        except Exception:  # noqa: BLE001 - older servers: said on screen
            pass
        self._show(owned, obtained, may_create, privileged)

    def _show(self, owned: list[Any], obtained: list[Any], may_create: bool | None, privileged: bool | None) -> None:
        self.privileged = bool(privileged)
        self.owned = []
        for entry in owned:
            if isinstance(entry, dict):
                uid = str(entry.get("object_id", ""))
                o = ObjectSummary.from_attributes(uid, plain_attributes(entry.get("attributes") or {}))
                self.owned.append(
                    {
                        "id": uid,
                        "state": str(entry.get("state", "") or o.state),
                        "type": o.object_type,
                        "algorithm": o.algorithm,
                        "name": ", ".join(o.names),
                    }
                )
        self.obtained = rights.obtained_rows(obtained)
        table = self.query_one("#access-owned", DataTable)
        table.clear()
        for r in self.owned:
            table.add_row(_id(r["id"]), _t(r["state"]), _t(r["type"]), _t(r["algorithm"]), _t(r["name"]))
        table = self.query_one("#access-obtained", DataTable)
        table.clear()
        for r in self.obtained:
            create_right = r["id"] == "*" and not r["owner"]
            note = (
                "the right to create objects"
                if create_right
                else (rights.explain(r["operations"], hsm=rights.is_hsm(r["id"])) or "—")
            )
            table.add_row(_id(r["id"]), _t(r["owner"] or "—"), _t(r["state"]), _t(_names(r["operations"])), _t(note))
        for name, rows in (("owned", self.owned), ("obtained", self.obtained)):
            self.query_one(f"#access-{name}", DataTable).set_class(not rows, "-empty")
            self.query_one(f"#access-{name}-empty", Static).set_class(bool(rows), "-filled")
        if may_create is None:
            create = "The server did not say whether you may create objects (/access/create)."
        else:
            create = "You may create objects." if may_create else "You may not create objects (no create right)."
        if privileged:
            create += (
                " You are a privileged user: c grants the create right to a user, C revokes it"
                " (the server does not list who holds it)."
            )
        self.query_one("#access-create", Static).update(
            Text(f"{create}  {len(self.owned)} owned, {len(self.obtained)} granted to you.")
        )

    # -- grant -----------------------------------------------------------------------------------

    def action_grant(self) -> None:
        if self.app.refuse_if_read_only("granting a right"):
            return
        table = self.query_one("#access-owned", DataTable)
        if not self.owned or table.cursor_row is None:
            self.notify("Select one of your objects (Owned by you) to grant rights on.", severity="warning")
            return
        uid = self.owned[min(table.cursor_row, len(self.owned) - 1)]["id"]

        def chosen(request: GrantRequest | None) -> None:
            if request is not None:
                self.run_worker(
                    self._grant(request.uid, request.user, list(request.operations)),
                    group="access-write",
                    exit_on_error=False,
                )

        self.app.push_screen(GrantModal(uid, owner=me(self.app)), chosen)

    async def _grant(self, uid: str | None, user: str, ops: list[str], *, revoke: bool = False) -> None:
        try:
            if revoke:
                await self.client.revoke_access(uid, user, ops)
            else:
                await self.client.grant(uid, user, ops)
        except Exception as exc:  # noqa: BLE001 - the app's error modal says why
            self.app.report_error(exc, destructive=True, title="The server refused")
            return
        what = "Revoked" if revoke else "Granted"
        self.app.notify(f"{what} {_names(ops)} {'from' if revoke else 'to'} {visible(user)}", markup=False)
        self.action_reload()

    def _create_right(self, *, revoke: bool) -> None:
        if self.app.refuse_if_read_only("changing the create right"):
            return
        if not self.privileged:
            self.notify("Only privileged users grant or revoke the create right.", severity="warning")
            return

        def chosen(user: str | None) -> None:
            if user:
                self.run_worker(
                    self._grant(None, user, ["create"], revoke=revoke), group="access-write", exit_on_error=False
                )

        verb = "Take the create right away from" if revoke else "Let this user create objects:"
        self.app.push_screen(PromptModal(verb, placeholder="user id"), chosen)

    def action_grant_create(self) -> None:
        self._create_right(revoke=False)

    def action_revoke_create(self) -> None:
        self._create_right(revoke=True)

    @on(DataTable.RowSelected, "#access-obtained")
    def _obtained_selected(self, event: DataTable.RowSelected) -> None:
        r = self.obtained[event.cursor_row] if event.cursor_row < len(self.obtained) else None
        if r and r["allows"]:
            self.notify(f"On {visible(r['id'])} you may: {_names(r['allows'])}", markup=False, timeout=8)
        elif r:
            self.notify(f"Id: {visible(r['id'])}", markup=False, timeout=8)

    @on(DataTable.RowSelected, "#access-owned")
    def _owned_selected(self, event: DataTable.RowSelected) -> None:
        r = self.owned[event.cursor_row] if event.cursor_row < len(self.owned) else None
        if r:  # the table shows the id shortened in the middle
            self.notify(f"Id: {visible(r['id'])}", markup=False, timeout=8)
