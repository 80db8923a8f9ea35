"""The profiles screen: every server/sign-in setup, which one is active, and their upkeep."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from kms_tui.safetext import visible
from kms_tui.tui.identity import sign_in_label
from kms_tui.tui.modals.confirm import ConfirmationModal
from kms_tui.tui.modals.prompt import PromptModal
from kms_tui.tui.screens.base import ConsoleScreen
from kms_tui.tui.widgets.vim import VimNavigation, vim_bindings
from kms_tui.words import count


def link_status(identity) -> str:
    """What the live check said about the open profile's server (never 'connected' untested)."""
    state = getattr(identity, "connection", "")
    detail = visible(getattr(identity, "connection_detail", ""))
    if state == "connected":
        return "connected"
    if state == "unreachable":
        return f"unreachable: {detail}" if detail else "unreachable"
    if state == "not signed in":
        return f"answers, but refused: {detail}" if detail else "answers, but refused"
    if state == "sandbox stopped":
        return "sandbox stopped (ctrl+r)"
    return "checking…"


def profile_rows(
    store,
    active_name: str | None,
    open_name: str | None,
    open_status: str = "checking…",
    open_url: str | None = None,
    open_saved: bool = True,
) -> list[tuple[str, ...]]:
    """(name, server, sign-in method, status) per profile; a broken file shows why. The open
    profile's status is ``open_status``, what the last live check of its server found, and its
    server ``open_url``, the one the console really uses (a read-only sandbox is not saved)."""
    rows = []
    listed = False
    for info in store.list():
        try:
            document = store.load(info.name)
            http = document.http_config
            server, method = str(http.get("server_url", "")), sign_in_label(http)
            problems = [p for p in document.problems() if p.is_error]
            status = count(len(problems), "problem") if problems else ""
        except Exception as exc:  # noqa: BLE001 - one broken file must not hide the others
            server, method, status = "", "", f"unreadable: {getattr(exc, 'message', exc)}"
        marks = []
        if info.name == active_name:
            marks.append("active")
        if info.name == open_name:
            listed = True
            marks.append(open_status)
            if open_url and open_url != server:
                server, status = open_url, ", ".join(filter(None, [status, "in this session only"]))
        if info.source == "discovered":
            marks.append(f"ckms ({info.origin})")
        cells = (info.name, server, method, ", ".join(filter(None, [*marks, status])))
        rows.append(tuple(visible(cell) for cell in cells))  # names, URLs and errors come from files
    if open_name and not listed and not open_saved:  # opened without a file (a read-only sandbox)
        rows.append(tuple(visible(c) for c in (open_name, open_url or "", "", f"{open_status}, not saved")))
    return rows


class ProfilesScreen(VimNavigation, ConsoleScreen):
    """List profiles; add, edit, duplicate, rename, delete, set active, export, sign in/out."""

    HELP_TITLE = "Profiles"
    HELP_TEXT = "Each profile is one ckms.toml. Enter makes the selected one active and connects to it."
    WRITE_ACTIONS = frozenset({"add", "edit", "duplicate", "rename", "delete", "export"})
    BINDINGS = [
        Binding("enter", "activate", "Use", tooltip="Make this profile active and connect.", id="profiles-activate"),
        Binding("a", "add", "Add", tooltip="Create a profile with the sign-in setup form.", id="profiles-add"),
        Binding("e", "edit", "Edit", tooltip="Change server, sign-in, TLS, proxy, headers.", id="profiles-edit"),
        Binding("c", "duplicate", "Duplicate", tooltip="Copy this profile under a new name.", id="profiles-duplicate"),
        Binding("R", "rename", "Rename", tooltip="Give this profile another name.", id="profiles-rename"),
        Binding("delete,D", "delete", "Delete", tooltip="Delete this profile (asks first).", id="profiles-delete"),
        Binding("x", "export", "Export", tooltip="Write this profile as a standalone ckms.toml.", id="profiles-export"),
        Binding("s", "sign_in", "Sign in", tooltip="Sign in with this profile's method.", id="profiles-sign-in"),
        Binding("o", "sign_out", "Sign out", tooltip="Forget this profile's tokens.", id="profiles-sign-out"),
        *vim_bindings("profiles"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static("Profiles", classes="section-title")
        table: DataTable[str] = DataTable(id="profiles-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("Name", "Server", "Sign-in", "Status")
        yield table
        yield Static("", id="profiles-empty", classes="hint")

    def on_mount(self) -> None:
        self._shown_status = ""
        self.watch(self.app, "services", lambda _s: self.reload(), init=True)
        self.watch(self.app, "identity", self._identity_changed)

    def on_screen_resume(self) -> None:
        self.reload()
        self.app.check_link()  # what the list says about the open profile is asked afresh

    def _identity_changed(self, identity) -> None:
        if link_status(identity) != self._shown_status:
            self.reload()

    @property
    def store(self):
        from kms_tui.config import ProfileStore

        return ProfileStore()

    def reload(self) -> None:
        """Re-read the profile list from disk, keeping the cursor on the same name."""
        table = self.query_one("#profiles-table", DataTable)
        keep = self.selected()
        table.clear()
        services = getattr(self.app, "services", None)
        self._shown_status = status = link_status(getattr(self.app, "identity", None))
        try:
            store = self.store
            rows = profile_rows(
                store,
                store.active(),
                services.profile_name if services else None,
                status,
                services.server_url if services else None,
                getattr(getattr(services, "profile", None), "path", None) is not None,
            )
        except Exception as exc:  # noqa: BLE001
            self.app.report_error(exc, title="Cannot list profiles")
            rows = []
        for row in rows:
            table.add_row(*(Text(cell) for cell in row), key=row[0])  # Text: never read as markup
        self.query_one("#profiles-empty", Static).update(
            "" if rows else "No profile yet: press a to add one, or Ctrl+O for the sandbox."
        )
        names = [r[0] for r in rows]
        if keep in names:
            table.move_cursor(row=names.index(keep))

    def selected(self) -> str | None:
        table = self.query_one("#profiles-table", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_activate()

    # --- actions --------------------------------------------------------------------------
    def action_activate(self) -> None:
        name = self.selected()
        if name and self.app.switch_profile(name):
            self.app.notify(f"Connecting with profile {name}…")

    def action_add(self) -> None:
        if self.app.refuse_if_read_only("adding a profile"):
            return
        from kms_tui.tui.screens.signin_form import SignInFormScreen

        self.app.push_screen(SignInFormScreen(), self.after_form)

    def action_edit(self) -> None:
        name = self.selected()
        if not name or self.app.refuse_if_read_only("editing a profile"):
            return
        from kms_tui.tui.screens.signin_form import SignInFormScreen

        try:
            form = SignInFormScreen(name)
        except Exception as exc:  # noqa: BLE001
            self.app.report_error(exc, title=f"Cannot edit {name}: open it in the config editor")
            return
        self.app.push_screen(form, self.after_form)

    def after_form(self, name: str | None) -> None:
        self.reload()
        services = getattr(self.app, "services", None)
        if name and (services is None or services.profile_name == name):
            self.app.switch_profile(name)

    def ask_name(self, question: str, value: str, then) -> None:
        from kms_tui.config import ConfigError
        from kms_tui.config.store import check_name

        def check(text: str) -> str | None:
            try:
                check_name(text)
            except ConfigError as exc:
                return f"{exc.message}. {exc.fix or ''}"
            return "That name is taken." if self.store.exists(text) else None

        self.app.push_screen(
            PromptModal(question, value=value, check=check), lambda new: self.guarded(then, new) if new else None
        )

    def guarded(self, operation, *args) -> None:
        """Run a store operation; its error becomes a toast; the list is reloaded."""
        try:
            operation(*args)
        except Exception as exc:  # noqa: BLE001
            self.app.report_error(exc, title="Profile not changed")
        self.reload()

    def action_duplicate(self) -> None:
        name = self.selected()
        if name and not self.app.refuse_if_read_only("duplicating a profile"):
            self.ask_name(f"Copy {name} as:", f"{name}-copy", lambda new: self.store.duplicate(name, new))

    def action_rename(self) -> None:
        name = self.selected()
        if name and not self.app.refuse_if_read_only("renaming a profile"):
            self.ask_name(f"Rename {name} to:", name, lambda new: self.store.rename(name, new))

    def action_delete(self) -> None:
        name = self.selected()
        if not name or self.app.refuse_if_read_only("deleting a profile"):
            return
        question = f"Delete profile {name}? Its ckms.toml is removed (a discovered ckms file is only hidden)."
        self.app.push_screen(
            ConfirmationModal(question, confirm_label="Delete"),
            lambda ok: self.guarded(self.store.delete, name) if ok else None,
        )

    def action_export(self) -> None:
        name = self.selected()
        if not name or self.app.refuse_if_read_only("exporting a profile"):
            return

        def export(dest: str) -> None:
            notices = self.store.export(name, Path(dest).expanduser())
            self.app.notify("\n".join([f"Wrote {dest}.", *notices]), title="Exported", markup=False)

        self.app.push_screen(
            PromptModal(f"Export {name} to (a ckms.toml path):", value=str(Path.cwd() / "ckms.toml")),
            lambda dest: self.guarded(export, dest) if dest else None,
        )

    def action_sign_in(self) -> None:
        name = self.selected()
        if not name:
            return
        services = getattr(self.app, "services", None)
        if services is None or services.profile_name != name:
            if not self.app.switch_profile(name):
                return
        from kms_tui.tui.modals.sign_in import SignInModal

        self.app.push_screen(SignInModal())

    @work(exclusive=True, exit_on_error=False, group="sign-out")
    async def action_sign_out(self) -> None:
        services = getattr(self.app, "services", None)
        if services is None or services.profile_name != self.selected():
            self.app.notify("Sign out applies to the connected profile: select it first.")
            return
        await services.session.logout()
        self.app.notify(f"Signed out of {services.profile_name}.")
        self.app.reopen_active_profile()
