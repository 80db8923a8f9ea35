"""The console's footer: Textual's, rebuilt on its own message queue.

Textual's ``Footer`` rebuilds its keys (tens of widgets: 20-120 ms while a list loads, measured)
with ``call_after_refresh``, which the *screen* awaits among its idle callbacks: meanwhile the
screen handles no message, and every key press passes through the screen on its way to a
binding. Opening the objects screen (a new footer, then the table's keys once it has the focus)
held the keys for over 100 ms that way. Here the rebuild runs on the footer's own queue, and
rebuilds asked for while one is pending are done once.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class ConsoleFooter(Footer):
    _rebuild_pending = False

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True  # what Textual's footer sets before it composes its keys
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_later(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        await self.recompose()
