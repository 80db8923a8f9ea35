"""The shape every object-action modal shares: title, one-line labelled fields, a problem line,
Cancel and a confirm button. Subclasses yield fields and turn them into a request."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Label, Static

from kms_tui.tui.unsaved import FormEdits

R = TypeVar("R")


class FormProblem(ValueError):
    """A field holds something that cannot be sent; the text says what to change."""


def field_row(label: str, widget: Widget, *, row_id: str | None = None) -> Horizontal:
    """A one-line ``label: widget`` row."""
    return Horizontal(Label(label, classes="form-label"), widget, classes="form-row", id=row_id)


class ObjectForm(FormEdits, ModalScreen[R | None], Generic[R]):
    """Dismisses with the built request, or None on cancel/escape (asking first when a field
    was changed, see ``FormEdits``)."""

    DEFAULT_CLASSES = "kms-modal"
    CONFIRM_LABEL = "OK"
    DESTRUCTIVE = False
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without doing anything.", id="form-cancel"),
        Binding("ctrl+s", "submit", "Submit", tooltip="Send the request.", id="form-submit"),
        Binding(
            "exclamation_mark,f3",
            "show_command",
            "Command",
            tooltip="Show this request as a kms-tui and a ckms command and as KMIP JSON (! or f3).",
            id="form-show-command",
        ),
    ]
    DEFAULT_CSS = """
    ObjectForm .object-form-body {
        width: 90%; max-width: 90; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    ObjectForm .object-form-body.-destructive { border: thick $error; }
    ObjectForm .object-form-title { text-style: bold; }
    ObjectForm .object-form-fields { height: auto; }
    ObjectForm .object-form-buttons { height: 1; align-horizontal: right; margin-top: 1; }
    ObjectForm .object-form-buttons Button { margin-left: 2; }
    ObjectForm .form-row { height: 1; }
    ObjectForm .form-row.-hidden { display: none; }
    ObjectForm .form-label { width: 18; color: $text-muted; }
    ObjectForm .form-row Input, ObjectForm .form-row Select { width: 1fr; }
    ObjectForm .form-note { color: $text-muted; margin-top: 1; }
    ObjectForm .form-warning { color: $warning; margin-top: 1; }
    ObjectForm #form-problem { color: $error; height: auto; }
    ObjectForm #form-problem.-empty { display: none; }  /* no blank line on a short terminal */
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title

    def compose(self) -> ComposeResult:
        body_classes = "object-form-body -destructive" if self.DESTRUCTIVE else "object-form-body"
        with Vertical(classes=body_classes):
            yield Static(self.title_text, classes="object-form-title", markup=False)
            with VerticalScroll(classes="object-form-fields"):  # scrolls on a short terminal: the
                yield from self.compose_fields()  # buttons below stay on screen (60×20)
            yield Static("", id="form-problem", classes="-empty")
            with Horizontal(classes="object-form-buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button(
                    self.CONFIRM_LABEL,
                    id="confirm",
                    variant="error" if self.DESTRUCTIVE else "primary",
                    compact=True,
                )

    def on_resize(self, event) -> None:
        """The fields get what the screen leaves after title, problem line and buttons (and the
        border): on a short terminal (60×20) they scroll, the buttons stay in view."""
        fields = self.query_one(".object-form-fields", VerticalScroll)
        fields.styles.max_height = max(3, event.size.height - 8)
        self.call_after_refresh(self._focused_in_view)

    def _focused_in_view(self) -> None:
        if self.focused is not None:
            self.focused.scroll_visible(animate=False)

    def compose_fields(self) -> ComposeResult:
        yield from ()

    def build_request(self) -> R:
        """The request from the fields; raise :class:`FormProblem` to keep the modal open."""
        raise NotImplementedError

    def equivalent(self) -> Any:
        """The request as commands and KMIP JSON (``kms_tui.tui.show_command``), None if none."""
        return None

    def action_show_command(self) -> None:
        try:
            equivalent = self.equivalent()
        except FormProblem as exc:
            self.show_problem(str(exc))
            return
        if equivalent is None:
            self.notify("This dialog has no command to show.", severity="warning")
            return
        from kms_tui.tui.modals.show_command import ShowCommandModal

        self.app.push_screen(ShowCommandModal(equivalent))

    def show_problem(self, text: str) -> None:
        problem = self.query_one("#form-problem", Static)
        problem.update(text)
        problem.set_class(not text, "-empty")

    def action_submit(self) -> None:
        try:
            request = self.build_request()
        except FormProblem as exc:
            self.show_problem(str(exc))
            return
        self.dismiss(request)

    def edits_title(self) -> str:
        return f"The form “{self.title_text}”"

    def action_cancel(self) -> None:
        self.close_form()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "confirm":
            self.action_submit()
        else:
            self.action_cancel()
