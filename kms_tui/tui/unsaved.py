"""Unsaved edits are never thrown away without asking.

A screen or modal that can hold edits answers ``has_unsaved_changes() -> str | None``: None when
nothing would be lost, else one sentence naming what would be (the confirmation shows it), and
``discard_changes()`` drops them (a form closes, the config editor reloads its file). The app
checks them in one place (``KmsConsole.confirm_discard``) before quitting, switching screen,
opening the welcome screen; a form before it closes on escape/Cancel, the config editor before
ctrl+r. :class:`FormEdits` gives both methods to any form from the values of its fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static, Switch, TextArea

VALUE_FIELDS = (Input, Select, Checkbox, Switch)


def field_values(root: Widget) -> dict[str, Any]:
    """The value of every named field under ``root`` (inputs, selects, check boxes, switches,
    text areas), by widget id."""
    values: dict[str, Any] = {}
    for widget in root.query("*"):
        if widget.id is None:
            continue
        if isinstance(widget, VALUE_FIELDS):
            values[widget.id] = widget.value
        elif isinstance(widget, TextArea):
            values[widget.id] = widget.text
    return values


def field_label(widget: Widget) -> str:
    """How the form labels ``widget``: the Label of its row, else the text just above it (its
    own or its row's), else its id."""
    node, container = widget, widget.parent
    for _ in range(2):
        if not isinstance(container, Widget):
            break
        siblings = list(container.children)
        if isinstance(container, Horizontal):  # a one-line row: its label
            labels = [child for child in siblings if isinstance(child, Label)]
            if labels:
                return _short(labels[0])
        else:
            index = siblings.index(node)
            previous = siblings[index - 1] if index > 0 else None
            if isinstance(previous, Static):
                return _short(previous)
        node, container = container, container.parent
    return (widget.id or "a field").removeprefix("f-").replace("-", " ")


def _short(label: Static) -> str:
    text = str(label.content).strip()
    return text.split(":")[0].split(" (")[0].strip() or text


def unsaved_changes(screens: Iterable[Any]) -> list[tuple[Any, str]]:
    """(screen, what would be lost) for each of ``screens`` holding unsaved edits."""
    found = []
    for screen in screens:
        check = getattr(screen, "has_unsaved_changes", None)
        what = check() if check is not None else None
        if what:
            found.append((screen, what))
    return found


if TYPE_CHECKING:  # mixed into screens: typed as one, a plain object at run time
    from textual import getters
    from textual.screen import Screen

    from kms_tui.tui.app import KmsConsole

    _ScreenBase = Screen[Any]
else:
    _ScreenBase = object


class FormEdits(_ScreenBase):
    """Mixin for a form (a Screen or ModalScreen): its fields' values are remembered once it is
    built; any field that differs later is an unsaved change. ``edits_title`` names the form."""

    if TYPE_CHECKING:
        app = getters.app(KmsConsole)

    ASK_BEFORE_DISCARD: ClassVar[bool] = True
    _baseline: dict[str, Any] | None = None

    def edits_title(self) -> str:
        return "This form"

    def on_mount(self) -> None:  # runs after the form's own on_mount (Textual calls each class's)
        self.remember_fields()

    def remember_fields(self) -> None:
        """Take the fields as they are now as the unchanged state (e.g. after a prefill)."""
        self._baseline = field_values(self)

    def changed_fields(self) -> list[str]:
        """The labels of the fields that differ from when the form was built."""
        if self._baseline is None:
            return []
        now = field_values(self)
        changed = []
        for key, value in now.items():
            if key in self._baseline and self._baseline[key] != value:
                label = field_label(self.query_one(f"#{key}"))
                if label not in changed:
                    changed.append(label)
        return changed

    def has_unsaved_changes(self) -> str | None:
        if not self.ASK_BEFORE_DISCARD:
            return None
        changed = self.changed_fields()
        return self.describe_changes(changed) if changed else None

    def describe_changes(self, changed: list[str]) -> str:
        """The sentence the confirmation shows for the ``changed`` field labels."""
        return f"{self.edits_title()} has unsaved changes: {', '.join(changed)}."

    def discard_changes(self) -> None:
        self.dismiss(None)

    def close_form(self) -> None:
        """Escape/Cancel: close at once when nothing changed, else ask before the edits go."""
        self.app.confirm_discard([self], "close", lambda: self.dismiss(None))
