"""The radar: what on the active server needs attention, worst first (``kms_tui.client.radar``,
the same findings as ``kms-tui due``).

One line per finding; the line under the table spells out the highlighted one and which key acts
on it: enter opens the object on the objects screen, v revokes (KeyCompromise for a compromised
key's partner), N renews a certificate (ReCertify), R re-keys a key due for rotation or
deactivation, a activates an old PreActive key, d destroys (revoking first when it is still
Active), x removes a grant to every user (``*``). w changes the window (7, 30, 90 days), r scans
again. Each write asks first and is refused in read-only mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from kms_tui.safetext import visible
from kms_tui.tui.modals.confirm import ConfirmationModal
from kms_tui.tui.screens.base import ConsoleScreen
from kms_tui.words import count

WINDOWS = (7, 30, 90)  # days; w cycles through them
LEVEL_STYLE = {"critical": "bold red", "due": "yellow", "warning": "cyan"}
# finding kind -> the key that acts on it, and what it does
ACTIONS: dict[str, tuple[str, str]] = {
    "compromised_partner": ("v", "revoke it (KeyCompromise)"),
    "certificate_expired": ("N", "renew it (ReCertify: a new certificate, the old one retired)"),
    "certificate_expiring": ("N", "renew it (ReCertify: a new certificate, the old one retired)"),
    "key_deactivation": ("R", "re-key it: a successor takes over (v revokes it)"),
    "key_deactivated": ("d", "destroy it if nothing needs it any more (R re-keys it)"),
    "key_rotation": ("R", "re-key it now: the new key takes over"),
    "stale_pre_active": ("a", "activate it, or d destroys it"),
    "public_grant": ("x", "remove the grant to every user"),
}


@dataclass
class Scanned(Message):
    radar: Any
    within_days: int


@dataclass
class ScanFailed(Message):
    error: BaseException


@dataclass
class Acted(Message):
    notice: str


class RadarScreen(ConsoleScreen):
    """Findings of the radar in a table, the highlighted one spelled out under it."""

    AUTO_FOCUS = "#radar-table"
    HELP_TITLE = "Radar"
    HELP_TEXT = (
        "What needs attention on this server, worst first: certificates expired or expiring within "
        "the window, keys whose DeactivationDate is near or past, keys still usable although their "
        "partner is Compromised, old PreActive keys, objects granted to every user (*). The same "
        "list as `kms-tui due`. The line under the table says what to do and which key does it: "
        "enter opens the object, v revokes, N renews a certificate, R re-keys, a activates, d destroys, "
        "x removes a grant to *. "
        "w changes the window (7, 30, 90 days); r scans again."
    )
    BINDINGS = [
        Binding("enter", "open_object", "Open", tooltip="Show the object on the objects screen.", id="radar.open"),
        Binding("v", "revoke", "Revoke", tooltip="Revoke the object of this finding.", id="radar.revoke"),
        Binding("N", "renew", "Renew", tooltip="Renew the certificate (ReCertify).", id="radar.renew"),
        Binding("R", "rekey", "Re-key", tooltip="Re-key the key: a successor replaces it.", id="radar.rekey"),
        Binding("a", "activate", "Activate", show=False, tooltip="Activate an old PreActive key.", id="radar.activate"),
        Binding(
            "d",
            "destroy",
            "Destroy",
            show=False,
            tooltip="Destroy the object (revoked first if Active).",
            id="radar.destroy",
        ),
        Binding(
            "x", "remove_public_grant", "Ungrant *", tooltip="Remove the grant to every user (*).", id="radar.ungrant"
        ),
        Binding("w", "next_window", "Window", tooltip="Look 7, 30 or 90 days ahead.", id="radar.window"),
        Binding("r", "rescan", "Rescan", tooltip="Scan the server again.", id="radar.rescan"),
    ]
    WRITE_ACTIONS = frozenset({"revoke", "renew", "rekey", "activate", "destroy", "remove_public_grant"})
    DEFAULT_CSS = """
    RadarScreen #radar-status { height: 1; background: $panel; padding: 0 1; }
    RadarScreen DataTable { height: 1fr; }
    RadarScreen #radar-detail { height: auto; max-height: 6; padding: 0 1; border-top: solid $primary; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.within_days = 30
        self.findings: list[Any] = []
        self.scanning = False
        self.empty_reason = ""  # what the detail line says while the table is empty: why

    def compose_body(self) -> ComposeResult:
        yield Static("", id="radar-status", markup=False)
        table: DataTable[Any] = DataTable(id="radar-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("Level", "Object", "What", "When")
        yield table
        yield Static("", id="radar-detail")

    @property
    def client(self) -> Any:
        return getattr(getattr(self.app, "services", None), "client", None)

    @property
    def table(self) -> DataTable:
        return self.query_one("#radar-table", DataTable)

    def on_mount(self) -> None:
        self.watch(self.app, "services", lambda _s: self.action_rescan(), init=True)

    # -- scanning ----------------------------------------------------------------------------
    def action_rescan(self) -> None:
        if self.client is None:
            self._status("Not connected. Ctrl+O connects to a server or starts the sandbox.")
            return
        self.scanning = True
        self.empty_reason = ""
        self._status(f"Scanning for what is due within {self.within_days} days…")
        self.scan(self.within_days)

    def action_next_window(self) -> None:
        self.within_days = WINDOWS[(WINDOWS.index(self.within_days) + 1) % len(WINDOWS)]
        self.action_rescan()

    @work(exclusive=True, exit_on_error=False, group="radar-scan")
    async def scan(self, within_days: int) -> None:
        from kms_tui.client.radar import scan

        try:
            radar = await scan(self.client, within=timedelta(days=within_days), now=self.app.clock())
        except Exception as exc:  # noqa: BLE001 - said on the status line and in a toast
            self.post_message(ScanFailed(exc))
            return
        self.post_message(Scanned(radar, within_days))

    @on(Scanned)
    def _scanned(self, message: Scanned) -> None:
        self.scanning = False
        radar = message.radar
        self.findings = list(radar.findings)
        keep = self._current()
        table = self.table
        table.clear()
        for f in self.findings:
            when = f"{f.when:%Y-%m-%d}" if f.when else ""
            table.add_row(
                Text(f.level, style=LEVEL_STYLE.get(f.level, "")),
                Text(visible(f.uid)),
                Text(f.kind.replace("_", " ")),
                Text(when),
            )
        if keep is not None:
            for index, f in enumerate(self.findings):
                if (f.uid, f.kind) == (keep.uid, keep.kind):
                    table.move_cursor(row=index)
                    break
        levels = {lv: sum(1 for f in self.findings if f.level == lv) for lv in ("critical", "due", "warning")}
        if self.findings:
            counts = ", ".join(f"{n} {lv}" for lv, n in levels.items() if n)
            text = f"{len(self.findings)} to look at within {message.within_days} days ({counts})"
        else:
            text = f"Nothing due within {message.within_days} days"
        self.empty_reason = (
            f"Nothing to do: of the {count(radar.checked, 'object')} checked, none expires, is due for rotation "
            f"or deactivation, or is granted to every user within {message.within_days} days. w looks further "
            "ahead, r scans again."
            if radar.checked
            else "Nothing to do: you see no object on this server (n on the objects screen creates one)."
        )
        text += f" · {radar.checked} checked"
        if radar.problems:
            text += f" · {len(radar.problems)} not checked: {visible(radar.problems[0])}"
        self._status(text)
        self._show_detail()

    @on(ScanFailed)
    def _scan_failed(self, message: ScanFailed) -> None:
        self.scanning = False
        self.findings = []
        self.table.clear()
        self.empty_reason = "Nothing is known: the scan failed (see the line above). r scans again."
        self._show_detail()
        reason = getattr(message.error, "message", None) or str(message.error)
        self._status(f"The scan failed: {visible(reason)}  (r scans again)")
        self.app.report_error(message.error, title="Radar")

    def _status(self, text: str) -> None:
        self.query_one("#radar-status", Static).update(text)

    # -- the highlighted finding -------------------------------------------------------------
    def _current(self) -> Any:
        if not self.findings or not self.is_mounted:
            return None
        row = self.table.cursor_row
        return self.findings[row] if 0 <= row < len(self.findings) else None

    @on(DataTable.RowHighlighted, "#radar-table")
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        f = self._current()
        detail = self.query_one("#radar-detail", Static)
        if f is None:
            detail.update("" if self.findings else escape(self.empty_reason))
            return
        key, what = ACTIONS.get(f.kind, ("enter", "open it"))
        name = f" ({escape(visible(f.name))})" if f.name else ""
        detail.update(
            f"[b]{escape(visible(f.uid))}[/b]{name} {escape(f.object_type)}: {escape(visible(f.message))}\n"
            f"[b]{key}[/b]: {escape(what)} · {escape(visible(f.action))}"
        )

    @on(DataTable.RowSelected, "#radar-table")
    async def _selected(self) -> None:
        await self.action_open_object()

    # -- actions -------------------------------------------------------------------------------
    async def action_open_object(self) -> None:
        f = self._current()
        if f is None:
            return
        uid = f.uid

        def reveal() -> None:
            show = getattr(self.app.screen, "reveal", None)
            if show is not None:
                show(uid)

        await self.app.go_to("objects", then=reveal)

    def _finding_for(self, what: str, kinds: tuple[str, ...] = ()) -> Any:
        if self.app.refuse_if_read_only(what):
            return None
        f = self._current()
        if f is None:
            self.notify(f"Select a finding to {what}.", severity="warning")
            return None
        if kinds and f.kind not in kinds:
            key, hint = ACTIONS.get(f.kind, ("enter", "open it"))
            self.notify(f"Not for this finding: {hint} ({key}).", severity="warning", markup=False)
            return None
        return f

    def _ask(self, question: str, label: str, then: Any) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmationModal(question, confirm_label=label), answered)

    def action_revoke(self) -> None:
        f = self._finding_for("revoke", ("compromised_partner", "certificate_expired", "key_deactivation"))
        if f is not None:
            if f.kind == "compromised_partner":  # its partner is Compromised: a cascade would fail
                question = f"Revoke {escape(visible(f.uid))} with reason KeyCompromise?"
                self._ask(question, "Revoke", lambda: self.act("revoke", f.uid, "KeyCompromise", cascade=False))
            else:
                question = (
                    f"Revoke {escape(visible(f.uid))} with reason Superseded? Its key-pair partner is revoked too."
                )
                self._ask(question, "Revoke", lambda: self.act("revoke", f.uid, "Superseded"))

    def action_renew(self) -> None:
        f = self._finding_for("renew", ("certificate_expiring", "certificate_expired"))
        if f is not None:
            self._ask(
                f"Renew {escape(visible(f.uid))}? ReCertify issues a new certificate (the server finds the "
                "issuer) and retires this one.",
                "Renew",
                lambda: self.act("renew", f.uid),
            )

    def action_rekey(self) -> None:
        f = self._finding_for("re-key", ("key_rotation", "key_deactivation", "key_deactivated"))
        if f is not None:
            self._ask(
                f"Re-key {escape(visible(f.uid))}? A new key replaces it (ReKey; a key pair: ReKeyKeyPair).",
                "Re-key",
                lambda: self.act("rekey", f.uid),
            )

    def action_activate(self) -> None:
        f = self._finding_for("activate", ("stale_pre_active",))
        if f is not None:
            self._ask(f"Activate {escape(visible(f.uid))}?", "Activate", lambda: self.act("activate", f.uid))

    def action_destroy(self) -> None:
        f = self._finding_for("destroy", ("key_deactivated", "stale_pre_active", "certificate_expired"))
        if f is not None:
            self._ask(
                f"Destroy {escape(visible(f.uid))}? Its key material is erased for good.",
                "Destroy",
                lambda: self.act("destroy", f.uid),
            )

    def action_remove_public_grant(self) -> None:
        f = self._finding_for("remove a grant", ("public_grant",))
        if f is not None:
            self._ask(
                f"Remove the grant to every user (*) on {escape(visible(f.uid))}?",
                "Remove grant",
                lambda: self.act("ungrant", f.uid),
            )

    @work(exit_on_error=False, group="destructive")
    async def act(self, what: str, uid: str, reason: str = "", *, cascade: bool = True) -> None:
        client = self.client
        if what == "revoke":
            await client.revoke(uid, reason, message="from the radar", cascade=cascade)
            notice = f"Revoked {visible(uid)} ({reason})"
        elif what == "renew":
            from kms_tui.client.certificates import renew_keeping_tags

            new = await renew_keeping_tags(client, uid)
            notice = f"Renewed {visible(uid)}: the new certificate is {visible(new)}"
        elif what == "rekey":
            from kms_tui.client.rotation import rekey

            done = await rekey(client, uid)
            notice = f"Re-keyed {visible(uid)}: the new key is {visible(done['new'])}"
        elif what == "activate":
            await client.activate(uid)
            notice = f"Activated {visible(uid)}"
        elif what == "destroy":
            attrs = await client.get_attributes(uid, with_tags=False)
            if attrs.get("State") == "Active":
                await client.revoke(uid, "Superseded", message="revoked before destroy")
            await client.destroy(uid)
            notice = f"Destroyed {visible(uid)}"
        else:
            for entry in await client.access_list(uid):
                if isinstance(entry, dict) and entry.get("user_id") == "*":
                    await client.revoke_access(uid, "*", list(entry.get("operations") or []))
            notice = f"Removed the grant to every user on {visible(uid)}"
        self.post_message(Acted(notice))

    @on(Acted)
    def _acted(self, message: Acted) -> None:
        self.notify(message.notice, markup=False)
        self.action_rescan()
