"""The console's colours: one theme mechanism for ctrl+t and the palette's "Theme", remembered in
``settings.toml``, and a 16-colour terminal started in ``ansi-dark``.

Textual reduces a true-colour theme to 16 colours badly (greys collapse, borders vanish); the
``ansi-*`` themes use the terminal's own 16, which an operator's palette was chosen for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

THEMES = ("textual-dark", "textual-light", "ansi-dark", "ansi-light", "nord", "gruvbox")
DEFAULT_THEME = "textual-dark"
FEW_COLOURS_THEME = "ansi-dark"


def few_colours(color_system: str | None) -> bool:
    """Whether the terminal shows 16 colours or fewer (Rich's ``standard``/``windows``, or none)."""
    return color_system in (None, "standard", "windows")


def starting_theme(asked: str | None, saved: str | None, color_system: str | None) -> str:
    """``--theme`` first, then the theme saved in settings.toml, then by the terminal's colours."""
    if asked:
        return asked
    if saved:
        return saved
    return FEW_COLOURS_THEME if few_colours(color_system) else DEFAULT_THEME


def saved_theme(settings: Any) -> str | None:
    """The theme the user chose before (a key written in settings.toml), or None for the default."""
    if settings is None or "theme" not in getattr(settings, "model_fields_set", ()):
        return None
    return str(settings.theme)


def remember(app: App[Any], settings: Any, theme: str, keep: Callable[[Any], None]) -> None:
    """Save ``theme`` in settings.toml, in a thread (a console with no settings.toml yet gets one);
    ``keep`` receives the settings saved. A failure is a notification: the theme stays for the session."""
    if saved_theme(settings) == theme:
        return

    def save() -> None:
        from kms_tui.config import ProfileStore

        store = ProfileStore()
        try:
            current = settings if settings is not None else store.settings()
            current.theme = theme
            store.save_settings(current)
        except Exception as exc:  # noqa: BLE001 - the theme stays for this session
            app.call_from_thread(app.notify, f"The theme could not be saved: {exc}", severity="warning")
            return
        app.call_from_thread(keep, current)

    app.run_worker(save, thread=True, group="settings-theme", exclusive=True)
