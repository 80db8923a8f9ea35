"""Helpers shared by the object-browser tests (collected by pytest, but holds no tests)."""

from __future__ import annotations

from tests.tui.conftest import settle


async def open_objects(pilot):
    """Wait for the profile, switch to the objects screen, wait for the list to load."""
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    screen = pilot.app.screen
    assert type(screen).__name__ == "ObjectsScreen", screen
    return screen


async def reload(pilot, screen):
    """Press r and wait until the new list is in."""
    await pilot.press("r")
    await settle(pilot)
    assert not screen.load_running


async def submit_form(pilot):
    """ctrl+s in a modal form, then let the resulting worker finish."""
    await pilot.press("ctrl+s")
    await settle(pilot)


def notices(app) -> list[str]:
    """Every toast message shown so far."""
    return [n.message for n in app._notifications]


def status_text(screen) -> str:
    return str(screen.query_one("#objects-status").render())
