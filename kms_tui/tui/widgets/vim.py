"""Vim keys (j/k/g/G) for lists and tables, as bindings with ids plus the actions behind them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from textual.binding import Binding

if TYPE_CHECKING:
    from textual.css.query import DOMQuery
    from textual.widget import Widget


def vim_bindings(prefix: str) -> list[Binding]:
    """j/k/g/G bindings whose ids start with ``prefix`` (so each screen's can be remapped)."""
    return [
        Binding("j", "vim_move('down')", "Down", show=False, tooltip="Next row.", id=f"{prefix}-down"),
        Binding("k", "vim_move('up')", "Up", show=False, tooltip="Previous row.", id=f"{prefix}-up"),
        Binding("g", "vim_move('top')", "Top", show=False, tooltip="First row.", id=f"{prefix}-top"),
        Binding("G", "vim_move('bottom')", "Bottom", show=False, tooltip="Last row.", id=f"{prefix}-bottom"),
    ]


class _Screen(Protocol):
    VIM_TARGET: str

    def query(self, selector: str) -> DOMQuery[Widget]: ...


class VimNavigation:
    """Mixin for screens: ``VIM_TARGET`` is the CSS selector of the list or table to move."""

    VIM_TARGET = "DataTable, OptionList"

    def action_vim_move(self: _Screen, where: str) -> None:
        widget = self.query(self.VIM_TARGET).first()
        if widget is None:
            return
        action = {"down": "cursor_down", "up": "cursor_up", "top": "scroll_home", "bottom": "scroll_end"}[where]
        if where in ("top", "bottom") and hasattr(widget, "action_first"):
            action = "first" if where == "top" else "last"
        getattr(widget, f"action_{action}")()
