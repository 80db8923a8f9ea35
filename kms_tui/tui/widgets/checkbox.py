"""A checkbox that reads ``[x]`` ticked and ``[ ]`` not, in plain text too (a screen reader, a
16-colour terminal, a copied screen): Textual's draws the same glyph both ways, told apart by colour."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox as TextualCheckbox


class Checkbox(TextualCheckbox):
    @property
    def _button(self) -> Content:
        style = self.get_visual_style("toggle--button")
        return Content.assemble("[", ("x" if self.value else " ", style), "]")
