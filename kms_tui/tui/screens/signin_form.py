"""The sign-in setup form: server, sign-in method, TLS, proxy and headers of one profile."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Select, Static, Switch, TextArea

from kms_tui.tui.modals.file_picker import FilePickerModal
from kms_tui.tui.screens.config_editor import problems_text
from kms_tui.tui.signin_model import BY_KEY, FIELDS, METHODS, apply_form, form_key, form_values, method_of
from kms_tui.tui.unsaved import FormEdits
from kms_tui.tui.widgets.header import ConsoleHeader
from kms_tui.words import count

if TYPE_CHECKING:
    from textual import getters
    from textual.timer import Timer

    from kms_tui.tui.app import KmsConsole

CHECK_DELAY = 0.4  # seconds of quiet before the inline checks run again
PLAIN = {
    "server_url": ("Server URL", "https://kms.example.com:9998"),
    "proxy.url": ("Proxy URL (empty: no proxy)", "http://proxy:3128"),
    "proxy.basic_auth_username": ("Proxy user", ""),
    "proxy.exclusion_list": ("Hosts not proxied (comma-separated)", "localhost, .internal"),
}


# What each field is called on screen: problems name the field, not a line of the TOML
LABELS = {
    "name": "Profile name",
    **{key: label for key, (label, _hint) in PLAIN.items()},
    **{key: spec.label for key, spec in FIELDS.items()},
    "proxy.basic_auth_password": "Proxy password",
    "verified_cert": "Trusted CA certificate",
    "custom_headers": "Custom headers",
    "accept_invalid_certs": "Accept invalid certificates",
}
FILES_ELSEWHERE = "Files are on another machine (save anyway)"  # short: a switch label does not wrap
CHECKED_LATER = "Each field is checked once you edit it, and all of them on save (ctrl+s)."


class FormProblem(str):
    """A problem of the form itself (not of the TOML): shown as is, blocks saving."""

    is_error = True
    field = "name"


def problem_field(problem) -> str | None:
    """The form key (``server_url``, ``proxy.url``…) a problem is about; None: the whole profile."""
    return getattr(problem, "field", None) or form_key(getattr(problem, "path", ""))


def problem_line(problem) -> str:
    """``Server URL: … is not a valid URL (allowed: …)``: the field's name instead of a TOML line."""
    key = problem_field(problem)
    if isinstance(problem, FormProblem) or key is None:
        return str(problem)
    message = problem.message
    if message.startswith("`` "):  # the validator quotes the value: an empty one reads as ``
        message = "an empty value " + message[3:]
    text = f"{LABELS.get(key, key)}: {message}"
    if problem.allowed:
        text += f" (allowed: {problem.allowed})"
    return text if problem.is_error else f"{problem.severity}: {text}"


class ProblemLine(str):
    """A problem as the form words it (``problem_line``), still an error or a warning."""

    is_error: bool

    def __new__(cls, problem) -> ProblemLine:
        line = super().__new__(cls, problem_line(problem))
        line.is_error = getattr(problem, "is_error", True)
        return line


def form_problems_text(shown: list, hidden: int) -> str:
    """The problems panel: those of the fields edited so far (every one after a save)."""
    if not shown and hidden:
        return f"[$text-muted]{CHECKED_LATER}[/]"
    return problems_text([ProblemLine(p) for p in shown])


def input_id(key: str) -> str:
    return "f-" + key.replace(".", "-").replace("_", "-")


class SignInFormScreen(FormEdits, Screen[str | None]):
    """Create (``name=None``) or edit a profile; dismisses with the saved profile's name.

    Opens with its first field focused (the name, or the server URL when editing); escape asks
    before throwing away changed fields."""

    if TYPE_CHECKING:  # it runs in the console: its app has the console's methods
        app = getters.app(KmsConsole)

    AUTO_FOCUS = ""  # not the scrolling body: on_mount focuses the first field

    HELP_TITLE = "Sign-in setup"
    HELP_TEXT = (
        "Choose how this profile signs in. Problems (missing files, a key that does not match its "
        "certificate, a wrong PKCS#12 password, expired certificates) show before you save. "
        "Any secret field accepts a secret:// reference."
    )
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", tooltip="Save the profile (refused while it has errors).", id="form-save"),
        Binding("escape", "cancel", "Cancel", tooltip="Leave without saving.", id="form-cancel"),
        Binding("ctrl+b", "browse", "Browse", tooltip="Pick a file for the focused path field.", id="form-browse"),
    ]

    def __init__(
        self, name: str | None = None, *, server_url: str = "", document=None, suggested_name: str = ""
    ) -> None:
        super().__init__()
        from kms_tui.config import ProfileDocument, ProfileStore

        self.store = ProfileStore()
        self.profile_name = name
        self.document = document or (self.store.load(name) if name else ProfileDocument.new(server_url or ""))
        settings = self.store.profile_settings(name) if name else None
        self.flow_extras = settings.oauth if settings else None
        self.values = form_values(self.document.data())
        if server_url:
            self.values["server_url"] = server_url
        if suggested_name and not name:
            self.values["name"] = suggested_name
        self.values["device_authorization_url"] = getattr(self.flow_extras, "device_authorization_url", "") or ""
        self.method = method_of(self.document.http_config, getattr(self.flow_extras, "flow", None))
        self._pending: Timer | None = None
        self.touched: set[str] = set()  # ids of the fields edited: their problems show
        self.save_tried = False  # after a save, every problem shows

    # --- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        title = f"Edit profile {self.profile_name}" if self.profile_name else "New profile"
        with VerticalScroll(id="form-body"):
            yield Static(title, classes="section-title")
            if not self.profile_name:
                yield from self.row("name", "Profile name", "prod-eu")
            yield from self.row("server_url", *PLAIN["server_url"])
            yield Label("Sign-in method")
            yield Select([(m.label, m.key) for m in METHODS], value=self.method, allow_blank=False, id="f-method")
            for key, spec in FIELDS.items():
                yield from self.row(
                    key, spec.label, spec.placeholder, secret=spec.kind == "secret", path=spec.kind == "path"
                )
            with Horizontal(classes="switch-row", id="row-files-elsewhere"):
                yield Switch(False, id="f-files-elsewhere")
                yield Label(FILES_ELSEWHERE)
            yield Static("TLS", classes="section-title")
            yield Label("Trusted CA certificate: a PEM file path, or paste the PEM (empty: system roots)")
            yield TextArea(self.values.get("verified_cert", ""), id="f-verified-cert", classes="pem")
            with Horizontal(classes="switch-row"):
                yield Switch(bool(self.values.get("accept_invalid_certs")), id="f-accept-invalid-certs")
                yield Label("Accept invalid certificates")
            yield Static(
                "⚠ The server's identity will not be checked: anyone on the path can read your "
                "traffic. Use only for a test server.",
                id="insecure-warning",
                classes="warning",
            )
            yield Static("Proxy", classes="section-title")
            for key in ("proxy.url", "proxy.basic_auth_username", "proxy.exclusion_list"):
                yield from self.row(key, *PLAIN[key])
            yield from self.row("proxy.basic_auth_password", "Proxy password", "", secret=True)
            yield Static("Custom headers (one 'Name: Value' per line)", classes="section-title")
            yield TextArea(self.values.get("custom_headers", ""), id="f-custom-headers", classes="headers")
        yield Static("", id="form-problems")
        yield Footer()

    def row(
        self, key: str, label: str, placeholder: str = "", *, secret: bool = False, path: bool = False
    ) -> ComposeResult:
        with Vertical(classes="field", id=f"row-{input_id(key)[2:]}"):
            yield Label(label)
            with Horizontal(classes="field-line"):
                yield Input(self.values.get(key, ""), placeholder=placeholder, password=secret, id=input_id(key))
                if path:
                    yield Button("…", id=f"browse-{input_id(key)[2:]}", classes="browse")

    def on_mount(self) -> None:
        # before any key is handed over (see key_order.py); no scroll: the title stays in view
        self.query_one(Input).focus(scroll_visible=False)
        self.show_method_fields()
        self.query_one("#insecure-warning").display = bool(self.values.get("accept_invalid_certs"))
        self.run_checks()

    # --- behaviour ------------------------------------------------------------------------
    def show_method_fields(self) -> None:
        wanted = set(BY_KEY[self.method].fields)
        for key in FIELDS:
            self.query_one(f"#row-{input_id(key)[2:]}").display = key in wanted
        self.query_one("#row-files-elsewhere").display = any(FIELDS[key].kind == "path" for key in wanted)

    @on(Select.Changed, "#f-method")
    def method_changed(self, event: Select.Changed) -> None:
        self.method = str(event.value)
        self.show_method_fields()
        self.schedule_checks()

    @on(Switch.Changed, "#f-accept-invalid-certs")
    def insecure_changed(self, event: Switch.Changed) -> None:
        self.query_one("#insecure-warning").display = event.value
        self.field_changed(event)

    @on(Switch.Changed, "#f-files-elsewhere")
    def files_elsewhere_changed(self) -> None:
        self.schedule_checks()

    @on(Input.Changed)
    @on(TextArea.Changed)
    def field_changed(self, event: Input.Changed | TextArea.Changed | Switch.Changed) -> None:
        """A field edited (not merely filled in as the form opens): its problems show from now on."""
        widget = event.control
        value = widget.text if isinstance(widget, TextArea) else widget.value
        if widget.id and self._baseline is not None and value != self._baseline.get(widget.id, value):
            self.touched.add(widget.id)
        self.schedule_checks()

    def schedule_checks(self) -> None:
        if self._pending is not None:
            self._pending.stop()
        self._pending = self.set_timer(CHECK_DELAY, self.run_checks)

    def collect(self) -> dict[str, str]:
        """The form's current values."""
        values = {
            key: widget.value
            for key in [*FIELDS, *PLAIN, "proxy.basic_auth_password", "name"]
            for widget in self.query(f"#{input_id(key)}").results(Input)
        }
        values["verified_cert"] = self.query_one("#f-verified-cert", TextArea).text
        values["custom_headers"] = self.query_one("#f-custom-headers", TextArea).text
        values["accept_invalid_certs"] = "true" if self.query_one("#f-accept-invalid-certs", Switch).value else ""
        return values

    def draft(self):
        """A copy of the document with the form applied (nothing written)."""
        from kms_tui.config import ProfileDocument

        draft = ProfileDocument.parse(self.document.render(), self.document.path)
        apply_form(draft, self.collect(), self.method)
        return draft

    def current_problems(self) -> list:
        """Schema problems plus the file checks (exists, key matches, PKCS#12 opens, expiry)."""
        from kms_tui.config import check_http_config
        from kms_tui.config.checks import is_missing_file
        from kms_tui.config.errors import ConfigError, Problem
        from kms_tui.config.store import check_name

        problems: list = []
        if not self.profile_name:
            try:
                check_name(self.collect().get("name", ""))
            except ConfigError:
                problems.append(FormProblem("Profile name: type 1-64 letters, digits, '.', '_' or '-'."))
        try:
            draft = self.draft()
        except (OSError, ValueError) as exc:
            return [*problems, Problem("", None, str(exc))]
        text = draft.render()
        problems += draft.problems()
        found = check_http_config(draft.http_config, text)  # real time: certificates expire for real
        if self.query_one("#f-files-elsewhere", Switch).value and self.query_one("#row-files-elsewhere").display:
            found = [
                replace(
                    p,
                    severity="warning",
                    allowed="",
                    message=p.message.replace("does not exist", "is not on this machine (on another one, you said)"),
                )
                if is_missing_file(p)
                else p
                for p in found
            ]
        return problems + found

    def run_checks(self) -> list:
        """Check the whole form; show the problems of the fields edited so far (all after a save)."""
        problems = self.current_problems()
        shown = [p for p in problems if self.save_tried or self.is_touched(problem_field(p))]
        self.query_one("#form-problems", Static).update(form_problems_text(shown, len(problems) - len(shown)))
        return problems

    def is_touched(self, key: str | None) -> bool:
        """Whether the field ``key`` was edited (None, the profile as a whole: any field was)."""
        if key is None:
            return bool(self.touched)
        return input_id(key) in self.touched  # inputs, text areas and switches alike

    def action_save(self) -> None:
        if self.app.refuse_if_read_only("saving a profile"):
            return
        self.save_tried = True  # every problem shows from now on
        errors = [p for p in self.run_checks() if getattr(p, "is_error", True)]
        if errors:
            from kms_tui.config.checks import is_missing_file

            elsewhere = ""
            missing = any(not isinstance(p, str) and is_missing_file(p) for p in errors)
            if missing and self.query_one("#row-files-elsewhere").display:
                elsewhere = f"\nFor a profile used on another host, turn on '{FILES_ELSEWHERE}'."
            self.app.notify(
                f"Not saved: {problem_line(errors[0])}{elsewhere}",
                title=count(len(errors), "problem") + " to fix",
                severity="error",
                markup=False,
            )
            return
        name = self.profile_name or self.collect()["name"].strip()
        try:
            self.save_as(name)
        except Exception as exc:  # noqa: BLE001
            self.app.report_error(exc, title="Could not save the profile")
            return
        self.app.notify(f"Profile {name}.", title="Saved", markup=False)
        self.dismiss(name)

    def save_as(self, name: str) -> None:
        """Write the ckms.toml (atomic, 0600 with a secret) and the OAuth flow in settings.toml."""
        from kms_tui.config import ConfigError

        if not self.profile_name and self.store.exists(name):
            raise ConfigError(f"a profile named {name!r} already exists", fix="Choose another name.")
        self.store.save(name, self.draft())
        method = BY_KEY[self.method]
        if method.flow:
            settings = self.store.profile_settings(name)
            device_url = self.collect().get("device_authorization_url", "").strip() or None
            oauth = settings.oauth.model_copy(update={"flow": method.flow, "device_authorization_url": device_url})
            self.store.set_profile_settings(name, settings.model_copy(update={"oauth": oauth}))

    def edits_title(self) -> str:
        return f"The form of profile {self.profile_name}" if self.profile_name else "The new profile form"

    def action_cancel(self) -> None:
        self.close_form()

    def action_browse(self) -> None:
        focused = self.focused
        key = next(
            (k for k, s in FIELDS.items() if s.kind == "path" and focused is not None and focused.id == input_id(k)),
            None,
        )
        if key is None:
            self.app.notify("Focus a file field (certificate, key, PKCS#12) first.")
            return
        self.pick_file(key)

    @on(Button.Pressed, ".browse")
    def browse_pressed(self, event: Button.Pressed) -> None:
        key = next(k for k in FIELDS if f"browse-{input_id(k)[2:]}" == event.button.id)
        self.pick_file(key)

    def pick_file(self, key: str) -> None:
        field = self.query_one(f"#{input_id(key)}", Input)
        start = Path(field.value).expanduser() if field.value else None

        def picked(path: Path | None) -> None:
            if path is not None:
                field.value = str(path)
                field.focus()

        self.app.push_screen(FilePickerModal(f"Choose: {FIELDS[key].label}", start), picked)
