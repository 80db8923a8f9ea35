"""A filter line with k9s's escape: the first esc clears it, the second leaves it.

Leaving posts ``FilterInput.Left``; the screen then moves the focus somewhere visible (the
table), so no letter typed next fires an action the user cannot see coming.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class FilterInput(Input):
    BINDINGS = [
        Binding(
            "escape",
            "clear_or_leave",
            "Clear filter",
            show=False,
            id="filter.clear-or-leave",
            tooltip="Esc clears the filter; esc on an empty filter goes back to the list.",
        ),
    ]

    class Left(Message):
        """Esc on an empty filter: the user is done with it."""

    def action_clear_or_leave(self) -> None:
        if self.value:
            self.value = ""  # Input.Changed follows: the rows come back
        else:
            self.post_message(self.Left())
