"""The README's key list matches the console (issue 11): every key bound on a screen, with an id
and a description, is named in the README, so a new binding without a word there fails here."""

from __future__ import annotations

import re
from pathlib import Path

from tests.tui.conftest import settle

README = Path(__file__).resolve().parents[2] / "README.md"
# how the README writes a key Textual names otherwise
SPELLED = {
    "asterisk": "*",
    "colon": ":",
    "exclamation_mark": "!",
    "number_sign": "#",
    "question_mark": "?",
    "slash": "/",
    "space": "space",
    "escape": "Esc",
    "enter": "enter",
    "delete": "del",
}
MOVING = {"up", "down", "pageup", "pagedown", "home", "end"}  # the arrows and paging keys every list has


def _spelled(key: str) -> set[str]:
    name = SPELLED.get(key, key)
    if name.startswith("ctrl+"):
        name = "Ctrl+" + name[5:].upper()
    if re.fullmatch(r"f\d+", name):
        name = name.upper()
    return {name, name.lower(), key}


async def test_every_key_of_every_screen_is_in_the_readme(sandbox_console):
    named = set(re.findall(r"`([^`\n]{1,24})`", README.read_text(encoding="utf-8")))
    app = sandbox_console
    bound: dict[str, set[str]] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for screen_key in "12345678":
            await pilot.press(screen_key)
            await pilot.pause(0.5)
            for active in app.screen.active_bindings.values():
                binding = active.binding
                if binding.id and binding.description and binding.key not in MOVING:
                    bound.setdefault(binding.key, set()).add(f"{app.current_mode}: {binding.id}")
            if app.current_mode == "config":
                await pilot.press("escape")  # out of the text: the number keys switch screens again
    assert len(bound) > 40  # the screens were really visited
    missing = {key: sorted(where) for key, where in bound.items() if not _spelled(key) & named}
    assert not missing, f"keys bound in the console but not named in README.md: {missing}"
