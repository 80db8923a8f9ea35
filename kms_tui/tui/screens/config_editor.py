"""The config editor: the active profile's ckms.toml, validated as you type, saved atomically."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Static, TextArea

from kms_tui import paths
from kms_tui.tui.modals.diff import DiffModal, unified_diff
from kms_tui.tui.screens.base import ConsoleScreen
from kms_tui.words import count

VALIDATE_DELAY = 0.3  # seconds of quiet typing before validating again


def problems_text(problems: list) -> str:
    """One line per problem, 'line N: message', or a reassuring line when there are none."""
    if not problems:
        return "[$success]✓ valid ckms.toml[/]"
    lines = []
    for p in problems:
        colour = "$error" if getattr(p, "is_error", True) else "$warning"
        lines.append(f"[{colour}]{escape_markup(str(p))}[/]")
    return "\n".join(lines)


def display_path(path: Path) -> str:
    """The path shortened for the title: relative to kms-tui's config dir, else to ~."""
    for base, prefix in ((paths.config_dir(), ""), (Path.home(), "~/")):
        try:
            return prefix + str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)


def escape_markup(text: str) -> str:
    return text.replace("[", r"\[")


class ConfigEditorScreen(ConsoleScreen):
    """Edit the active profile's file; ctrl+s shows the diff, then writes it (with a backup)."""

    HELP_TITLE = "Config editor"
    AUTO_FOCUS = ""  # the text is focused when the screen opens, not again each time it resumes
    # (esc left it: back from help or another screen, the number keys still work)
    HELP_TEXT = (
        "The active profile's ckms.toml. Problems show below with their line as you type. "
        "Saving shows a diff first and keeps the previous versions as backups. "
        "Esc leaves the text: then the number keys switch screens and enter edits again. "
        "Ctrl+S and F4 work while typing."
    )
    WRITE_ACTIONS = frozenset({"save", "external_editor"})
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", tooltip="Review the diff, then write the file.", id="config-save"),
        Binding(
            "f4",
            "external_editor",
            "Editor",
            tooltip="Edit in $EDITOR, then come back here.",
            id="config-external-editor",
        ),
        Binding(
            "ctrl+r",
            "reload",
            "Reload",
            tooltip="Reload the file from disk (asks before discarding edits).",
            id="config-reload",
        ),
        # before the text area, which keeps escape for itself (it would move to the next field)
        Binding(
            "escape",
            "leave_text",
            "Leave text",
            priority=True,
            id="config-leave",
            tooltip="Stop typing in the file: the number keys then switch screens, enter edits again.",
        ),
        Binding("enter", "edit_text", "Edit", id="config-edit", tooltip="Type in the file again."),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.path: Path | None = None
        self.on_disk = ""
        self._pending: Timer | None = None

    def compose_body(self) -> ComposeResult:
        with Vertical(id="config-body"):
            with Horizontal(id="config-titlebar"):
                yield Static("No profile is open.", id="config-path", markup=False)
            yield TextArea.code_editor("", language="toml", id="config-text", soft_wrap=False)
            yield Static("", id="config-problems")

    def on_mount(self) -> None:
        self.watch(self.app, "services", self._services_changed, init=True)
        self.query_one("#config-text", TextArea).focus()

    def _in_text(self) -> bool:
        return isinstance(self.focused, TextArea)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_text":
            return self._in_text()  # the footer says "esc Leave text" only while typing
        if action == "edit_text":
            return not self._in_text()
        return super().check_action(action, parameters)

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def on_descendant_blur(self) -> None:
        self.refresh_bindings()

    def action_leave_text(self) -> None:
        """Focus moves to the screen itself: the number keys switch screens again."""
        self.set_focus(None)
        self.refresh_bindings()

    def action_edit_text(self) -> None:
        self.query_one("#config-text", TextArea).focus()

    def _services_changed(self, _services) -> None:
        lost = self.has_unsaved_changes()
        if lost:  # a reconnect (sign-in, another profile) must not wipe what is being typed
            self.app.notify(
                f"{lost} They are kept: ctrl+s saves them, ctrl+r reloads the file.", title="Edits kept", markup=False
            )
            return
        self.load_from_disk()

    # --- unsaved edits (see unsaved.py) ------------------------------------------------------
    def has_unsaved_changes(self) -> str | None:
        if self.path is None or self.query_one("#config-text", TextArea).text == self.on_disk:
            return None
        return f"The config editor has unsaved changes to {display_path(self.path)}."

    def discard_changes(self) -> None:
        self.load_from_disk()

    def load_from_disk(self) -> None:
        """Show the active profile's file as it is on disk."""
        services = getattr(self.app, "services", None)
        profile = getattr(services, "profile", None)
        path = getattr(profile, "path", None)
        editor = self.query_one("#config-text", TextArea)
        editor.read_only = bool(getattr(self.app, "read_only", False)) or path is None
        if path is None:
            self.path, self.on_disk = None, ""
            editor.load_text("")
            self.query_one("#config-path", Static).update("No profile is open. Ctrl+O to connect.")
            self.query_one("#config-problems", Static).update("")
            return
        self.path = Path(path)
        try:
            self.on_disk = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            self.app.report_error(exc, title=f"Cannot read {self.path}")
            self.on_disk = ""
        editor.load_text(self.on_disk)
        suffix = "  (read-only)" if editor.read_only else ""
        self.query_one("#config-path", Static).update(
            f"{getattr(services, 'profile_name', '')}: {display_path(self.path)}{suffix}"
        )
        self.validate_now()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self._pending is not None:
            self._pending.stop()
        self._pending = self.set_timer(VALIDATE_DELAY, self.validate_now)

    def current_problems(self) -> list:
        from kms_tui.config import validate_document

        return validate_document(self.query_one("#config-text", TextArea).text)

    def validate_now(self) -> list:
        """Validate the text now and show every problem with its line."""
        problems = self.current_problems()
        self.query_one("#config-problems", Static).update(problems_text(problems))
        return problems

    def action_save(self) -> None:
        if self.app.refuse_if_read_only("saving the config") or self.path is None:
            return
        errors = [p for p in self.validate_now() if getattr(p, "is_error", True)]
        if errors:
            self.app.notify(
                f"Not saved: {count(len(errors), 'problem')}, first on {errors[0]}. Fix them first.",
                title="Config has errors",
                severity="error",
                markup=False,
            )
            return
        text = self.query_one("#config-text", TextArea).text
        diff = unified_diff(self.on_disk, text, self.path.name)
        if not diff:
            self.app.notify("Nothing to save: the file is unchanged.")
            return
        self.app.push_screen(DiffModal(diff), lambda ok: self.write(text) if ok else None)

    def write(self, text: str) -> None:
        """Write atomically (backup kept), then reopen the profile so the change takes effect."""
        from kms_tui.config import ProfileDocument
        from kms_tui.config.atomic import write_atomic
        from kms_tui.config.errors import ConfigError

        if self.path is None:  # no profile open: the editor is read-only
            return
        path = self.path
        loaded = self.on_disk.encode("utf-8")
        wanted = text.encode("utf-8")

        def unchanged_since_loaded(current: bytes | None) -> bytes:
            """Under the file's lock: refuse if someone saved the file after the editor read it
            (their save would be lost), unless they wrote exactly what we are writing."""
            if (current or b"") not in (loaded, wanted):
                raise ConfigError(
                    "the file changed on disk since the editor opened it; not overwritten",
                    source=self.path,
                    fix="Copy your edits, press ctrl+r to reload the file, then apply them again.",
                )
            return wanted

        try:
            document = ProfileDocument.parse(text, self.path)
            write_atomic(path, wanted, secret=document.holds_secret(), decide=unchanged_since_loaded)
        except Exception as exc:  # noqa: BLE001
            self.app.report_error(exc, title="Could not save", destructive=True)
            return
        self.on_disk = text
        self.app.notify(f"{self.path} (the previous version is kept as a backup).", title="Saved", markup=False)
        self.app.reopen_active_profile()

    def action_reload(self) -> None:
        self.app.confirm_discard([self], "reload", self.load_from_disk)

    def action_external_editor(self) -> None:
        if self.app.refuse_if_read_only("editing the config") or self.path is None:
            return
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        text = self.query_one("#config-text", TextArea).text
        # edit a private copy: nothing reaches the real file without validation and a diff
        fd, name = tempfile.mkstemp(suffix=".toml", prefix="ckms-edit-", dir=paths.state_dir())
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            with self.app.suspend():
                subprocess.call([*shlex.split(editor), name])
            edited = Path(name).read_text(encoding="utf-8")
        except (OSError, ValueError, SuspendNotSupported) as exc:
            self.app.report_error(exc, title=f"Could not run {editor}")
            return
        finally:
            Path(name).unlink(missing_ok=True)
        if edited != text:
            self.query_one("#config-text", TextArea).load_text(edited)
            self.validate_now()
            self.app.notify("Edits loaded: ctrl+s to review and save.")
