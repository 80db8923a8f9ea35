"""Small helpers shared by the console tests."""

from __future__ import annotations

import asyncio

from textual.css.query import NoMatches
from textual.widgets import DataTable, Static


async def wait_until(pilot, condition, timeout: float = 30.0, what: str = "condition") -> None:
    """Pump the app until ``condition()`` holds (bounded; fails with ``what``).

    A widget not mounted yet (a screen still composing) counts as "not yet", not as a failure.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout

    def holds() -> bool:
        try:
            return bool(condition())
        except NoMatches:
            return False

    while not holds():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def table_rows(table: DataTable) -> list[list[str]]:
    """Every row of a DataTable as plain strings."""
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def whoami_value(app, label: str) -> str | None:
    """The whoami panel's value for ``label`` (None if the row or the panel is absent)."""
    from kms_tui.tui.screens.whoami import WhoAmIScreen

    panels = [s for s in app.screen_stack if isinstance(s, WhoAmIScreen)]
    if not panels:
        return None
    for row in table_rows(panels[-1].query_one("#whoami-table", DataTable)):
        if row[0] == label:
            return row[1]
    return None


def text_of(app, selector: str) -> str:
    """The rendered text of a Static on the current screen."""
    return str(app.screen.query_one(selector, Static).render())
