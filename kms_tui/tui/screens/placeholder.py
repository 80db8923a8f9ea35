"""Stands in for a screen whose module is not written yet, so the console always runs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from kms_tui.tui.screens.base import ConsoleScreen


class PlaceholderScreen(ConsoleScreen):
    def __init__(self, entry) -> None:
        super().__init__()
        self.entry = entry
        self.HELP_TITLE = entry.title

    def compose_body(self) -> ComposeResult:
        yield Static(f"{self.entry.title}\n\n{self.entry.description}\n\nThis screen is not available in this build.",
                     classes="placeholder")
