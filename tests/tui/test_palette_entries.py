"""The palette offers the console's own entries: of Textual's generic ones only the theme (the
same mechanism as ctrl+t, saved in settings.toml) and quit remain, each saying what it does."""

from __future__ import annotations

from kms_tui.tui.app import create_app


async def test_the_palette_leaves_out_textuals_generic_entries():
    app = create_app(discover_user_config=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        entries = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert set(entries) == {"Theme", "Quit"}  # no "Keys", "Screenshot", "Maximize"
        assert "ctrl+t" in entries["Theme"] and "settings.toml" in entries["Theme"]
