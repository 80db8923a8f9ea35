"""The command palette: every action of every screen, plus going to each screen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from kms_tui.tui.registry import SCREENS, screen_class


def palette_entries(app) -> Iterator[tuple[str, str, Callable[[], Any]]]:
    """(title, help, callback) for every command the palette offers."""
    for entry in SCREENS:
        yield f"Go to {entry.title}", entry.description, partial(app.go_to, entry.mode)
        cls = screen_class(entry)
        for binding in cls.BINDINGS:
            if isinstance(binding, Binding) and binding.description and binding.id:
                if binding.action in getattr(cls, "WRITE_ACTIONS", ()) and app.read_only:
                    continue  # read-only hides writes everywhere, the palette included
                if isinstance(app.screen, cls) and not app.screen.check_action(binding.action, ()):
                    continue  # what the screen disables now (an object's state) is not offered
                yield (
                    f"{entry.title}: {binding.description}",
                    binding.tooltip or "",
                    partial(run_on_screen, app, entry.mode, binding.action),
                )
    for binding in app.BINDINGS:
        if binding.description and binding.id and not binding.id.startswith("go-"):
            yield binding.description, binding.tooltip or "", partial(app.run_action, binding.action)
    yield "Ask who I am again", "Ask the server again who you are and what you may do (whoami).", app.refresh_whoami


async def run_on_screen(app, mode: str, action: str) -> None:
    """Switch to ``mode`` (asking first if edits would be lost) and run ``action`` on its screen."""
    await app.go_to(mode, then=lambda: app.screen.run_action(action))


class ConsoleCommands(Provider):
    """Fuzzy-searches ``palette_entries``."""

    async def discover(self) -> Hits:
        for title, help_text, callback in palette_entries(self.app):
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in palette_entries(self.app):
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
