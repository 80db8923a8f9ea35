"""A checkbox that reads ``[x]`` ticked and ``[ ]`` not, in plain text too (a screen reader, a
16-colour terminal, a copied screen): Textual's draws the same glyph both ways, told apart by colour."""

from __future__ import annotations

from rich.segment import Segment
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox as TextualCheckbox
from textual.widgets import SelectionList
from textual.widgets._toggle_button import ToggleButton  # the glyphs SelectionList draws (textual 8.2.8)
from textual.widgets.option_list import OptionDoesNotExist
from textual.widgets.selection_list import SelectionType


class Checkbox(TextualCheckbox):
    @property
    def _button(self) -> Content:
        style = self.get_visual_style("toggle--button")
        return Content.assemble("[", ("x" if self.value else " ", style), "]")


class CheckList(SelectionList[SelectionType]):
    """A selection list whose ticks read ``[x]`` and ``[ ]`` in plain text, as :class:`Checkbox`."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 3 or segments[0].text != ToggleButton.BUTTON_LEFT:
            return strip
        try:
            option = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        ticked = option.value in self.selected
        left, inner, right = segments[:3]
        # the button's own style for all three: "[" and "]" take the tick's colours, not the sides'
        segments[:3] = [
            Segment("[", inner.style),
            Segment("x" if ticked else " ", inner.style),
            Segment("]", inner.style),
        ]
        return Strip(segments, strip.cell_length)
