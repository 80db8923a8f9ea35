"""Change an object's tags: the user tags in one line, edited; enter applies the difference.

System tags (``_kk``, ``_cert``…) are shown and kept: the server owns them. Dismisses with a
:class:`TagsRequest` (what to add, what to remove), or None when cancelled or nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from kms_tui.safetext import visible
from kms_tui.tui.modals.create_key import parse_tags
from kms_tui.tui.modals.object_form import FormProblem
from kms_tui.tui.objects.rows import ObjectRow


@dataclass(frozen=True)
class TagsRequest:
    uid: str
    add: tuple[str, ...]
    remove: tuple[str, ...]


def tag_changes(uid: str, before: tuple[str, ...], text: str) -> TagsRequest:
    """The request that turns ``before`` into the tags typed (FormProblem when one is refused)."""
    after = parse_tags(text)
    return TagsRequest(
        uid, tuple(t for t in dict.fromkeys(after) if t not in before), tuple(t for t in before if t not in after)
    )


class TagsModal(ModalScreen[TagsRequest | None]):
    """Enter applies the tags typed (comma-separated); escape cancels."""

    DEFAULT_CLASSES = "kms-modal"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without changing the tags.", id="tags-cancel"),
        Binding(
            "exclamation_mark,f3",
            "show_command",
            "Command",
            tooltip="Show this tag change as a kms-tui command and as the request the client sends (f3 while typing).",
            id="tags-show-command",
        ),
    ]

    def __init__(self, row: ObjectRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body"):
            yield Static(f"Tags of {visible(self.row.uid)}", classes="modal-title", markup=False)
            if self.row.system_tags:
                kept = ", ".join(visible(t) for t in self.row.system_tags)
                yield Static(f"Server tags (kept): {kept}", classes="hint", markup=False)
            yield Input(
                ", ".join(self.row.tags), placeholder="comma-separated; empty removes them all", id="tags-input"
            )
            yield Static("", id="tags-problem", classes="problem", markup=False)
            yield Static("enter: apply · f3: show the command · escape: cancel", classes="hint", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            request = tag_changes(self.row.uid, tuple(self.row.tags), event.value)
        except FormProblem as exc:
            self.query_one("#tags-problem", Static).update(str(exc))
            return
        self.dismiss(request if request.add or request.remove else None)

    def action_show_command(self) -> None:
        from kms_tui.tui.modals.show_command import ShowCommandModal
        from kms_tui.tui.show_command import for_tags

        try:
            request = tag_changes(self.row.uid, tuple(self.row.tags), self.query_one("#tags-input", Input).value)
        except FormProblem as exc:
            self.query_one("#tags-problem", Static).update(str(exc))
            return
        self.app.push_screen(ShowCommandModal(for_tags(request.uid, request.add, request.remove)))

    def action_cancel(self) -> None:
        self.dismiss(None)
