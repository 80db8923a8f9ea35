"""The preview before a bulk revoke or destroy: every object that changes, the key-pair partners
the cascade reaches, certificates issued with the keys, objects wrapped by them and grants that
stop working, with counts. To go ahead the user types the number of objects that change.
For a revoke the reason is chosen here; the plan follows it (a Deactivated key only changes on a
compromise reason)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static

from kms_tui.client.requests import REVOCATION_REASONS


class BulkPreviewModal(ModalScreen[Any]):
    """Dismisses with the :class:`~kms_tui.client.bulk.BulkPlan` to run, or None."""

    DEFAULT_CLASSES = "kms-modal"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without doing anything.", id="bulk-preview.cancel")
    ]
    DEFAULT_CSS = """
    BulkPreviewModal #bulk-preview-list { height: 1fr; border: round $primary; }
    BulkPreviewModal #bulk-reason { width: 1fr; }
    BulkPreviewModal #bulk-reason-row { height: 1; }
    BulkPreviewModal #bulk-reason-row Static { width: auto; }
    BulkPreviewModal #bulk-confirm-row { height: auto; }
    BulkPreviewModal #bulk-count { width: 12; }
    BulkPreviewModal #bulk-ask { width: auto; padding: 0 1 0 0; }
    BulkPreviewModal .modal-buttons { margin-top: 0; }
    """

    def __init__(self, inputs: Any, action: str, *, reason: str = "Unspecified") -> None:
        super().__init__()
        self.inputs = inputs
        self.action = action
        self.reason = reason
        self.plan = inputs.plan(action, reason=reason)

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body"):
            yield Static("", id="bulk-title", classes="modal-title", markup=False)
            if self.action == "revoke":
                with Horizontal(id="bulk-reason-row"):
                    yield Static("Revocation reason ", markup=False)
                    yield Select(
                        [(r, r) for r in REVOCATION_REASONS],
                        value=self.reason,
                        allow_blank=False,
                        compact=True,
                        id="bulk-reason",
                    )
            with VerticalScroll(id="bulk-preview-list"):
                yield Static("", id="bulk-preview-text", markup=False)  # ids and names come from the server
            with Horizontal(id="bulk-confirm-row"):
                yield Static("", id="bulk-ask")
                yield Input("", placeholder="count", compact=True, id="bulk-count", restrict=r"[0-9]*")
            yield Static("", id="bulk-problem", classes="problem")
            with Horizontal(classes="modal-buttons"):
                yield Button("Cancel (esc)", id="bulk-cancel")
                yield Button("Go (enter)", id="bulk-go", variant="error")

    def on_mount(self) -> None:
        body = self.query_one(".modal-body")  # the whole screen: a long list reads better (inline: over app.tcss)
        body.styles.width = body.styles.max_width = "100%"
        body.styles.height = body.styles.max_height = "100%"
        body.styles.padding = (0, 1)
        self.query_one("#bulk-title").styles.margin = 0  # every line for the list at 80x24
        self._show()
        self.query_one("#bulk-count", Input).focus()

    def _show(self) -> None:
        plan = self.plan
        counts = plan.summary()  # the counts on top, every object in the list under them
        self.query_one("#bulk-title", Static).update("\n".join(counts))
        self.query_one("#bulk-preview-text", Static).update("\n".join(plan.lines()[len(counts) :]))
        ask = self.query_one("#bulk-ask", Static)
        if plan.count:
            ask.update(f"Type {plan.count} to {self.action} them:")
        else:
            ask.update("Nothing to do: every marked object is skipped.")
        self.query_one("#bulk-go", Button).disabled = not plan.count
        self.query_one("#bulk-problem", Static).update("")

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "bulk-reason" and isinstance(event.value, str) and event.value != self.reason:
            self.reason = event.value
            self.plan = self.inputs.plan(self.action, reason=self.reason)
            self._show()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._go()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "bulk-go":
            self._go()
        else:
            self.dismiss(None)

    def _go(self) -> None:
        typed = self.query_one("#bulk-count", Input).value.strip()
        if not self.plan.count:
            self.dismiss(None)
            return
        if typed != str(self.plan.count):
            self.query_one("#bulk-problem", Static).update(
                f"Type {self.plan.count}, the number of objects that change, to go ahead (or escape)."
            )
            return
        self.dismiss(self.plan)

    def action_cancel(self) -> None:
        self.dismiss(None)
