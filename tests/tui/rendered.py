"""The text a console screen really sends to the terminal (what a user would see), for asserts."""

from __future__ import annotations

import io

from rich.console import Console


def screen_text(app) -> str:
    """Every character of the current screen as rendered (the compositor's full update), control
    segments (cursor moves) left out: an ESC here would reach the terminal."""
    console = Console(
        width=app.size.width,
        height=app.size.height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)
