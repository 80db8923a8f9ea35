"""The console app: one factory (``create_app``) for the CLI, the tests and the screenshots."""

from __future__ import annotations

import argparse
import inspect
import os
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.worker import Worker, WorkerState

from kms_tui.tui import services as svc
from kms_tui.tui.commands import ConsoleCommands
from kms_tui.tui.identity import Identity, sign_in_label
from kms_tui.tui.key_order import OrderedKeys
from kms_tui.tui.messages import (
    LinkChecked,
    SandboxStopped,
    ServicesFailed,
    ServicesReady,
    SessionChanged,
    StartupResolved,
    WhoAmILoaded,
)
from kms_tui.tui.modals.discard import DiscardModal
from kms_tui.tui.modals.error import ErrorModal, describe_error
from kms_tui.tui.registry import SCREENS, make_screen
from kms_tui.tui.services import AppServices, ConsoleOptions
from kms_tui.tui.theme import THEMES, remember, saved_theme, starting_theme
from kms_tui.tui.unsaved import unsaved_changes

if TYPE_CHECKING:  # imported on use (it loads ctypes): the welcome screen does not need it
    from kms_tui.tui.sandbox_process import SandboxProcess

# worker groups whose failure opens an error modal instead of a toast
DESTRUCTIVE_GROUPS = frozenset({"destructive"})
LINK_CHECK_EVERY = 15.0  # seconds between live checks of the active server
# An error toast says it once and goes (the screen or its status line keeps what lasts); one
# that asks for an action (the sandbox stopped: ctrl+r) stays until the console connects again
# or it is clicked. Either way it takes its own rows above the footer (app.tcss): never over
# the screen's content.
ERROR_TOAST_SECONDS = 8.0
UNTIL_ACTED_ON = 24 * 3600.0
SANDBOX_STOPPED = "Sandbox stopped"


def _mode_bindings() -> list[Binding]:
    return [
        Binding(e.key, f"app.switch_mode('{e.mode}')", e.title, tooltip=e.description, id=f"go-{e.mode}", show=False)
        for e in SCREENS
    ]


class KmsConsole(OrderedKeys, App):
    """The operator console. Screens are modes (see ``registry.SCREENS``)."""

    CSS_PATH = "app.tcss"
    TITLE = "kms-tui"
    COMMANDS = App.COMMANDS | {ConsoleCommands}
    MODES = {entry.mode: partial(make_screen, entry) for entry in SCREENS}
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", tooltip="List the keys of this screen (F1 or ?).", id="help"),
        Binding(
            "colon",
            "command_mode",
            "Command mode",
            show=False,
            id="command-mode",
            tooltip="Go to a screen or run an action by typing its name (as k9s's ':'), enter runs it.",
        ),
        Binding("ctrl+q", "quit", "Quit", tooltip="Quit the console (stops the sandbox).", id="quit", priority=True),
        Binding(
            "ctrl+o",
            "onboarding",
            "Connect",
            show=False,
            tooltip="Try the sandbox, connect to a server or import a ckms.toml.",
            id="onboarding",
        ),
        Binding(
            "ctrl+t",
            "next_theme",
            "Theme",
            show=False,
            tooltip="Switch to the next theme (kept in settings.toml).",
            id="next-theme",
        ),
        Binding(
            "ctrl+g",
            "write_mode",
            "Write mode",
            tooltip="Production profile: switch to write mode for this session (asks for its name), "
            "or back to read-only.",
            id="write-mode",
        ),
        Binding(
            "ctrl+r",
            "restart_sandbox",
            "Restart sandbox",
            show=False,
            tooltip="Start the local sandbox again (after it stopped) and reconnect to it.",
            id="restart-sandbox",
        ),
        *_mode_bindings(),
    ]

    identity: reactive[Identity] = reactive(Identity, always_update=True)
    whoami_data: reactive[Any] = reactive(None, always_update=True)
    services: reactive[AppServices | None] = reactive(None)

    def __init__(self, options: ConsoleOptions | None = None) -> None:
        super().__init__()
        self.options = options or ConsoleOptions()
        self.clock = self.options.clock
        self.sandbox: SandboxProcess | None = None
        self.sign_in_when_ready = False
        self.settings: Any = None  # settings.toml, read by the start-up thread
        self.read_only = self.options.read_only
        self._read_only_base = self.read_only  # --read-only or settings.toml; a profile may add its own
        self._link_timer: Any = None
        self._write_mode: set[str] = set()  # production profiles switched to write mode this session
        self._init_key_order()

    # --- start-up -------------------------------------------------------------------------
    def on_mount(self) -> None:
        self._key_order_mounted()
        self.theme = starting_theme(self.options.theme, None, self.console.color_system)
        self.identity = Identity(read_only=self.read_only)
        if self.nothing_to_open():
            # a newcomer: the welcome screen is the first frame, alone (no start-up thread, and the
            # whoami screen is built when the welcome screen is left, see OnboardingScreen.leave)
            self.action_onboarding()
            return
        self.switch_mode("whoami")
        self.call_after_refresh(self.load_start_profile)  # after the first frame is drawn

    def nothing_to_open(self) -> bool:
        """True when no profile can open at start (no --sandbox/--conf/--profile, no $CKMS_CONF,
        no settings.toml, so no active profile): what the start-up thread would conclude, known
        without loading the config layer."""
        options = self.options
        if options.sandbox or options.conf is not None or options.profile or os.environ.get("CKMS_CONF"):
            return False
        from kms_tui import paths

        try:
            return not (paths.config_dir() / "settings.toml").exists()
        except OSError:  # an unusable config folder: the start-up thread reports it
            return False

    @work(thread=True, exclusive=True, exit_on_error=False, group="startup")
    def load_start_profile(self) -> None:
        """Read settings.toml and find the profile to open: --sandbox, --conf, --profile, the
        active one, else onboarding. A thread, so the first frame does not wait for the config layer."""
        settings, profile, error = None, None, None
        try:
            settings = svc.load_settings() if self.options.discover_user_config else None
            if not self.options.sandbox:
                profile = svc.start_profile(self.options)
        except Exception as exc:  # noqa: BLE001 - a broken config must not stop the console
            error = exc
        self.post_message(StartupResolved(settings, profile, error))

    @on(StartupResolved)
    def _startup_resolved(self, message: StartupResolved) -> None:
        self.settings = message.settings
        if message.settings is not None:
            self.read_only = self._read_only_base = self.read_only or bool(message.settings.read_only)
            saved = saved_theme(message.settings)
            if not self.options.theme and saved in self.available_themes:
                self.theme = saved
            if message.settings.keymap:
                self.set_keymap(dict(message.settings.keymap))
            self.identity = replace(self.identity, read_only=self.read_only)
        self.watch(self, "theme", self._theme_chosen, init=False)  # from now on, a choice is kept
        if self.options.sandbox:
            self.start_sandbox()
        elif message.error is not None:
            self.report_error(message.error, title="Could not load the profile")
            self.action_onboarding()
        elif message.profile is None:
            self.action_onboarding()
        else:
            self.activate_profile(message.profile)

    # --- profile activation ---------------------------------------------------------------
    @work(exclusive=True, exit_on_error=False, group="activate")
    async def activate_profile(self, profile: Any) -> None:
        """Open client and session for a resolved ``profile`` (worker: posts ServicesReady/Failed)."""
        try:
            services = await svc.open_services(
                profile,
                options=self.options,
                settings=self.settings,
                on_session_change=lambda state: self.post_message(SessionChanged(state)),
            )
        except Exception as exc:  # noqa: BLE001
            self.post_message(ServicesFailed(profile.name, exc))
            return
        self.post_message(ServicesReady(services))

    @on(ServicesReady)
    async def _services_ready(self, message: ServicesReady) -> None:
        old, self.services = self.services, message.services
        self._forget_acted_on()
        if old is not None and old is not message.services:
            await old.close()
        s = message.services
        self._apply_read_only(s)
        self.identity = Identity(
            profile=s.profile_name,
            method=sign_in_label(s.http_config),
            insecure_tls=s.accept_invalid_certs,
            read_only=self.read_only,
            production=s.production,
            write_mode=s.profile_name in self._write_mode,
            connection="checking",
        )
        self.check_link()
        self.refresh_whoami()
        if self.sign_in_when_ready:
            self.sign_in_when_ready = False
            from kms_tui.tui.modals.sign_in import SignInModal

            self.push_screen(SignInModal())

    def _apply_read_only(self, s: AppServices) -> None:
        """Read-only from --read-only, settings.toml, the profile's own flag, or a production
        profile not switched to write mode for this session."""
        production_lock = s.production and s.profile_name not in self._write_mode
        read_only = self._read_only_base or bool(s.read_only) or production_lock
        if read_only != self.read_only:
            self.read_only = read_only
            self.screen.refresh_bindings()  # write actions appear or vanish

    # --- production profiles --------------------------------------------------------------
    @property
    def production_profile(self) -> str | None:
        """The active profile's name when it is marked production, else None."""
        s = self.services
        return s.profile_name if s is not None and s.production else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "write_mode":  # the key shows only on a production profile
            return self.production_profile is not None
        return True

    def action_write_mode(self) -> None:
        """Production profile: write mode for this session after its name is typed; again: back
        to read-only."""
        name = self.production_profile
        if name is None:
            self.notify(
                "Write mode is for profiles marked production (kms-tui profile mark NAME --production); "
                "this one is not.",
                title="Write mode",
                markup=False,
            )
            return
        if name in self._write_mode:
            self._set_write_mode(name, False)
            return
        from kms_tui.tui.modals.production import ProductionConfirmModal

        def chosen(yes: bool | None) -> None:
            if yes and self.production_profile == name:
                self._set_write_mode(name, True)

        self.push_screen(ProductionConfirmModal(name, "Switch to write mode for this session"), chosen)

    def _set_write_mode(self, name: str, on: bool) -> None:
        (self._write_mode.add if on else self._write_mode.discard)(name)
        if self.services is not None:
            self._apply_read_only(self.services)
        self.identity = replace(self.identity, read_only=self.read_only, write_mode=on)
        self.notify(
            f"Write mode on {name} for this session: changes ask for the profile name."
            if on
            else f"{name} is read-only again.",
            title="Production",
            severity="warning",
            markup=False,
        )

    def confirm_production(self, what: str, then: Callable[[], Any]) -> None:
        """Run ``then`` at once, or, on a production profile, once its name is typed."""
        name = self.production_profile
        if name is None:
            then()
            return
        from kms_tui.tui.modals.production import ProductionConfirmModal

        self.push_screen(ProductionConfirmModal(name, what), lambda yes: then() if yes else None)

    def reopen_active_profile(self) -> None:
        """Re-read the active profile's file (after an edit or sign-in) and reconnect."""
        if self.services is None:
            return
        try:
            profile = svc.resolve_again(self.services.profile)
        except Exception as exc:  # noqa: BLE001
            self.report_error(exc, title="The profile no longer loads")
            return
        self.activate_profile(profile)

    def switch_profile(self, name: str, *, then_sign_in: bool = False) -> bool:
        """Make ``name`` active and connect to it; False (with a toast) when it does not load.

        ``then_sign_in`` opens the sign-in once the profile's session exists (onboarding)."""
        self.sign_in_when_ready = then_sign_in
        try:
            profile = svc.make_active(name, persist=not self.read_only)  # read-only writes no file
        except Exception as exc:  # noqa: BLE001
            self.report_error(exc, title=f"Cannot use profile {name}")
            return False
        self.activate_profile(profile)
        return True

    @on(ServicesFailed)
    def _services_failed(self, message: ServicesFailed) -> None:
        if self.services is None:  # nothing open: the header names the profile that failed, and why
            message_text, _fix = describe_error(message.error)
            self.identity = Identity(
                profile=message.profile,
                read_only=self.read_only,
                connection="unreachable",
                connection_detail=message_text,
            )
        # else the console still uses the profile that was open: the header keeps saying so
        self.report_error(message.error, title=f"Could not open profile {message.profile}")

    # --- live status of the server ----------------------------------------------------------
    def check_link(self) -> None:
        """Ask the active server again whether it answers (now, then every LINK_CHECK_EVERY s)."""
        if self._link_timer is not None:
            self._link_timer.stop()
            self._link_timer = None
        if self.services is not None:
            self._check_link(self.services)

    @work(exclusive=True, exit_on_error=False, group="link-check")
    async def _check_link(self, services: AppServices) -> None:
        """/version, then /me (authenticated): 'connected' means both answered (worker)."""
        error: BaseException | None = None
        try:
            await services.client.version()
            await services.client.me()
        except Exception as exc:  # noqa: BLE001 - the cause is what the status shows
            error = exc
        self.post_message(LinkChecked(services, error))

    @on(LinkChecked)
    def _link_checked(self, message: LinkChecked) -> None:
        if message.services is not self.services:
            return  # another profile is active now
        if self.identity.connection == "sandbox stopped" and message.error is not None:
            pass  # the more precise cause stays
        elif message.error is None:
            self.identity = self.identity.with_connection("connected")
        else:
            from kms_tui.client.errors import NotAuthenticated, ServerRefused

            text, _fix = describe_error(message.error)
            # the server answered but refused us: reachable, not usable with this sign-in
            refused = isinstance(message.error, (NotAuthenticated, ServerRefused))
            self.identity = self.identity.with_connection("not signed in" if refused else "unreachable", text)
        self._link_timer = self.set_timer(LINK_CHECK_EVERY, self.check_link)

    @work(exclusive=True, exit_on_error=False, group="whoami")
    async def refresh_whoami(self) -> None:
        """Fetch whoami data for the active profile (worker)."""
        if self.services is None:
            return
        self.post_message(WhoAmILoaded(await self.services.whoami()))

    @on(WhoAmILoaded)
    def _whoami_loaded(self, message: WhoAmILoaded) -> None:
        self.whoami_data = message.whoami
        identity = self.identity.with_whoami(message.whoami)
        errors = getattr(message.whoami, "errors", None)
        if identity.connection == "checking" and errors == {} and getattr(message.whoami, "user", None):
            identity = identity.with_connection("connected")  # whoami got its answers: a live check too
        self.identity = identity

    @on(SessionChanged)
    def _session_changed(self, message: SessionChanged) -> None:
        before = self.identity.expires_at
        self.identity = self.identity.with_session(message.state)
        if self.identity.expires_at != before:
            self.refresh_whoami()  # the panel follows token refreshes

    # --- sandbox -----------------------------------------------------------------------------
    @work(exclusive=True, exit_on_error=False, group="sandbox")
    async def start_sandbox(self) -> None:
        """Start the sandbox child (again, on a new port, if it stopped), point the ``sandbox``
        profile at it and connect the shared client to it (worker).

        Only the first-start choice makes ``sandbox`` the active profile: with ``--sandbox`` the
        profile headless commands use is left alone, and a read-only console writes no file."""
        if self.sandbox is None:
            from kms_tui.tui.sandbox_process import SandboxProcess

            self.sandbox = SandboxProcess(
                self.options.sandbox_db,
                read_only=self.read_only,
                on_exit=lambda code: self.post_message(SandboxStopped(code)),
            )
        restarting = self.sandbox.returncode is not None
        url = await self.sandbox.ensure_running()
        profile = svc.sandbox_profile(
            url, save=not self.read_only, make_active=not (self.read_only or self.options.sandbox)
        )
        if restarting:
            self.notify(f"The sandbox runs again at {url}.", title="Sandbox restarted", markup=False)
        self.call_later(self.activate_profile, profile)

    @on(SandboxStopped)
    def _sandbox_stopped(self, message: SandboxStopped) -> None:
        from kms_tui.tui.sandbox_process import SANDBOX_PROFILE

        code = message.returncode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        detail = f"the sandbox process stopped ({how}); Ctrl+R (or Ctrl+O → sandbox) starts it again"
        if self.services is not None and self.services.profile_name == SANDBOX_PROFILE:
            self.identity = self.identity.with_connection("sandbox stopped", detail)
        self.notify(
            detail[0].upper() + detail[1:] + ".",
            title=SANDBOX_STOPPED,
            severity="error",
            timeout=UNTIL_ACTED_ON,
            markup=False,
        )

    def _forget_acted_on(self) -> None:
        """Connected again: the toasts that asked for it (the sandbox stopped) have done their job."""
        for notification in list(self._notifications):
            if notification.title == SANDBOX_STOPPED:
                self._unnotify(notification)

    def action_restart_sandbox(self) -> None:
        """Start the sandbox again (a no-op reconnect when it still runs)."""
        self.start_sandbox()

    # --- errors ---------------------------------------------------------------------------
    @on(Worker.StateChanged)
    def handle_worker_state(self, event: Worker.StateChanged) -> None:
        """The one place a worker error reaches the user: a toast, or a modal for destructive ones."""
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        self.report_error(event.worker.error, destructive=event.worker.group in DESTRUCTIVE_GROUPS)

    def server_answered(self) -> None:
        """A call to the active server just succeeded: a NOT CONNECTED badge is asked again now,
        not at the next periodic check (up to LINK_CHECK_EVERY seconds of a stale header)."""
        if self.identity.connection in ("unreachable", "not signed in", "sandbox stopped"):
            self.check_link()

    def report_error(self, error: BaseException, *, destructive: bool = False, title: str | None = None) -> None:
        """Show ``error`` (message and fix) without ever raising."""
        from kms_tui.client.errors import Unreachable

        if isinstance(error, Unreachable) and self.identity.connection == "connected":
            self.check_link()  # the header says so now, not at the next periodic check
        if destructive:
            self.push_screen(ErrorModal(error, title=title or "The action failed"))
            return
        message, fix = describe_error(error)
        self.notify(
            f"{message}\n{fix}".strip(),
            title=title or "Error",
            severity="error",
            timeout=ERROR_TOAST_SECONDS,
            markup=False,
        )

    def refuse_if_read_only(self, what: str) -> bool:
        """True (and a toast) when the console is read-only; call before any write."""
        if self.read_only:
            name = self.production_profile
            if (
                name is not None
                and name not in self._write_mode
                and not self._read_only_base
                and not (self.services is not None and self.services.read_only)
            ):
                self.notify(
                    f"{name} is a production profile, read-only until ctrl+g switches to write mode "
                    f"for this session: {what} is disabled.",
                    title="Production",
                    severity="warning",
                    markup=False,
                )
            else:
                self.notify(f"Read-only mode: {what} is disabled.", title="Read-only", severity="warning")
        return self.read_only

    # --- actions ----------------------------------------------------------------------------
    def action_help(self) -> None:
        from kms_tui.tui.screens.help import HelpScreen

        if type(self.screen).__name__ != "HelpScreen":
            self.push_screen(HelpScreen(self.screen))

    def action_onboarding(self) -> None:
        from kms_tui.tui.screens.onboarding import OnboardingScreen

        self.confirm_discard(self.screen_stack, "leave", lambda: self.push_screen(OnboardingScreen()), discard=True)

    def _theme_chosen(self, theme: str) -> None:
        """ctrl+t and the palette's Theme both land here: the choice is saved in settings.toml."""
        if not self.read_only:
            remember(self, self.settings, theme, partial(setattr, self, "settings"))

    def get_system_commands(self, screen: Any) -> Iterable[SystemCommand]:
        """Only the palette entries an operator needs; Textual's others (keys panel, maximize,
        screenshot) are left out."""
        yield SystemCommand(
            "Theme",
            "Choose the console's colours (ctrl+t cycles them); kept in settings.toml",
            self.action_change_theme,
        )
        yield SystemCommand("Quit", "Leave kms-tui (asks first about unsaved edits)", self.action_quit)

    def action_command_mode(self) -> None:
        """k9s's ':': the command palette (its own action, so the footer keeps showing ctrl+p for it)."""
        self.action_command_palette()

    def action_next_theme(self) -> None:
        names = [t for t in THEMES if t in self.available_themes]
        self.theme = names[(names.index(self.theme) + 1) % len(names)] if self.theme in names else names[0]
        self.notify(f"Theme: {self.theme}")

    async def action_switch_mode(self, mode: str) -> None:
        await self.go_to(mode)

    async def go_to(self, mode: str, then: Callable[[], Any] | None = None) -> None:
        """Show the screen of ``mode`` (number keys, palette); unsaved edits on the screens left
        behind are not thrown away without asking. ``then`` runs once it is shown."""

        async def switch() -> None:
            if mode != self.current_mode:
                if then is None:
                    self.switch_mode(mode)  # as Textual's own action: not awaited
                    return
                await self.switch_mode(mode)
            if then is not None:
                outcome = then()
                if inspect.isawaitable(outcome):
                    await outcome

        if mode == self.current_mode:
            await switch()
            return
        outcome = self.confirm_discard(self.screen_stack, "leave", switch, discard=True)
        if inspect.isawaitable(outcome):
            await outcome

    async def action_quit(self) -> None:
        outcome = self.confirm_discard(self.every_screen(), "quit", self.quit_now)
        if inspect.isawaitable(outcome):
            await outcome

    async def quit_now(self) -> None:
        """Quit without asking: close the client, stop the sandbox, exit."""
        await self.shutdown()
        self.exit()

    # --- unsaved edits (the one place they are checked, see unsaved.py) ---------------------
    def every_screen(self) -> list[Any]:
        """The screens of every mode's stack (a form left open on another screen counts too)."""
        return [screen for stack in self._screen_stacks.values() for screen in stack]

    def confirm_discard(
        self, screens: Iterable[Any], leaving: str, then: Callable[[], Any], *, discard: bool = False
    ) -> Any:
        """Run ``then`` at once when none of ``screens`` holds unsaved edits (its result is returned:
        await it if it is awaitable); else ask first, naming what would be lost (Keep editing is
        the default), and run it only after Discard. With ``discard`` those screens drop their
        edits first (forms close, the config editor reloads)."""
        lost = unsaved_changes(screens)
        if not lost:
            return then()
        if isinstance(self.screen, DiscardModal):
            return None  # already asking

        async def answered(go: bool | None) -> None:
            if not go:
                return
            if discard:
                self.discard_edits([screen for screen, _what in lost])
            outcome = then()
            if inspect.isawaitable(outcome):
                await outcome

        self.push_screen(DiscardModal([what for _screen, what in lost], leaving), answered)
        return None

    def discard_edits(self, screens: list[Any]) -> None:
        """Drop the edits of ``screens``: forms pushed on the current stack close (with what is
        above them), a mode's own screen (the config editor) drops them itself."""
        stack = self.screen_stack
        pushed = [stack.index(s) for s in screens if s in stack[1:]]
        for _ in range(len(stack) - min(pushed, default=len(stack))):
            self.pop_screen()
        if stack[0] in screens and hasattr(stack[0], "discard_changes"):
            stack[0].discard_changes()

    async def shutdown(self) -> None:
        """Close the shared client and stop the sandbox child (its data is kept)."""
        services, self.services = self.services, None
        if services is not None:
            await services.close()
        if self.sandbox is not None:
            await self.sandbox.stop(final=True)

    async def on_unmount(self) -> None:
        await self.shutdown()


def create_app(
    *,
    profile: str | None = None,
    conf: str | Path | None = None,
    sandbox: bool = False,
    read_only: bool = False,
    clock: svc.Clock | None = None,
    discover_user_config: bool = True,
    theme: str | None = None,
    sandbox_db: Path | None = None,
) -> KmsConsole:
    """Build the console; the CLI, the tests and the screenshot script all come through here."""
    options = ConsoleOptions(
        profile=profile,
        conf=Path(conf) if conf else None,
        sandbox=sandbox,
        read_only=read_only,
        discover_user_config=discover_user_config,
        theme=theme,
        sandbox_db=sandbox_db,
    )
    if clock is not None:
        options = replace(options, clock=clock)
    return KmsConsole(options)


def run_console(args: argparse.Namespace) -> int:
    """``kms-tui`` with no command: run the console until the user quits."""
    app = create_app(
        profile=getattr(args, "profile", None),
        conf=getattr(args, "conf", None),
        sandbox=bool(getattr(args, "sandbox", False)),
        read_only=bool(getattr(args, "read_only", False)),
    )
    app.run()
    return int(app.return_code or 0)
