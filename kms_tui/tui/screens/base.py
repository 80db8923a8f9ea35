"""The base of every console screen: header, body, footer, read-only awareness, help text."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen

from kms_tui.tui.widgets.footer import ConsoleFooter
from kms_tui.tui.widgets.header import ConsoleHeader

if TYPE_CHECKING:
    from textual import getters

    from kms_tui.tui.app import KmsConsole


class ConsoleScreen(Screen):
    """Subclass and implement ``compose_body``; list write actions in ``WRITE_ACTIONS``.

    In read-only mode the actions named in ``WRITE_ACTIONS`` vanish from the footer and the
    palette (``check_action`` returns False); their keys, pressed anyway, say why nothing happens.
    """

    HELP_TITLE: ClassVar[str] = ""
    HELP_TEXT: ClassVar[str] = ""
    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset()

    if TYPE_CHECKING:
        # Every console screen runs in the console: its app has the console's methods
        # (report_error, refuse_if_read_only, …). Textual's own way to say so (textual.getters.app),
        # for the type checker only: at run time it would also assert the app's class.
        app = getters.app(KmsConsole)

    @property
    def console(self) -> KmsConsole:
        return self.app

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield from self.compose_body()
        yield ConsoleFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.WRITE_ACTIONS and getattr(self.app, "read_only", False):
            return False
        return True

    def on_key(self, event: events.Key) -> None:
        """A write key pressed in read-only mode: its binding is hidden, so say why it does nothing."""
        if not self.WRITE_ACTIONS or not getattr(self.app, "read_only", False):
            return
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if binding.action in self.WRITE_ACTIONS:
                event.stop()
                self.app.refuse_if_read_only(binding.action.replace("_", " "))  # "destroy", "grant access"
                return

    def on_worker_state_changed(self, event) -> None:
        # Worker.StateChanged does not bubble: hand screen workers to the app's one handler
        handler = getattr(self.app, "handle_worker_state", None)
        if handler is not None:
            handler(event)
