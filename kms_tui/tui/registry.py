"""The console's screens, one mode each; modules are imported only when first shown.

To add a screen: append a ``ScreenEntry``. The app builds ``App.MODES`` from this tuple,
the palette offers "Go to <title>", and the number key switches to it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from textual.screen import Screen


@dataclass(frozen=True)
class ScreenEntry:
    mode: str
    title: str
    module: str
    class_name: str
    key: str
    description: str


SCREENS: tuple[ScreenEntry, ...] = (
    ScreenEntry(
        "whoami",
        "Who am I",
        "kms_tui.tui.screens.whoami",
        "WhoAmIScreen",
        "1",
        "Effective user, token, certificate, server version and rights.",
    ),
    ScreenEntry(
        "objects",
        "Objects",
        "kms_tui.tui.objects.screen",
        "ObjectsScreen",
        "2",
        "Browse, locate, create, revoke, destroy and export keys.",
    ),
    ScreenEntry(
        "audit",
        "Audit",
        "kms_tui.tui.screens.audit",
        "AuditScreen",
        "3",
        "What this console did, from the local audit trail.",
    ),
    ScreenEntry(
        "profiles",
        "Profiles",
        "kms_tui.tui.screens.profiles",
        "ProfilesScreen",
        "4",
        "Servers and sign-in methods: add, edit, sign in, set active.",
    ),
    ScreenEntry(
        "config",
        "Config",
        "kms_tui.tui.screens.config_editor",
        "ConfigEditorScreen",
        "5",
        "The active profile's ckms.toml, validated as you type.",
    ),
    ScreenEntry(
        "access",
        "Access",
        "kms_tui.tui.screens.access",
        "AccessScreen",
        "6",
        "Objects you own, rights granted to you, the create right.",
    ),
    ScreenEntry(
        "radar",
        "Radar",
        "kms_tui.tui.screens.radar",
        "RadarScreen",
        "7",
        "What needs attention, worst first: expiring certificates, keys to rotate, open grants.",
    ),
    ScreenEntry(
        "compare",
        "Compare servers",
        "kms_tui.tui.screens.compare",
        "CompareScreen",
        "8",
        "This server against another profile's: one side only, re-created, changed (kms-tui diff).",
    ),
)

BY_MODE = {entry.mode: entry for entry in SCREENS}


def screen_class(entry: ScreenEntry) -> type[Screen]:
    """The screen class of ``entry``. A module or class that is not there fails loudly
    (ModuleNotFoundError, AttributeError): a mistyped path is a bug, never a blank screen."""
    module = importlib.import_module(entry.module)
    cls: type[Screen] = getattr(module, entry.class_name)
    return cls


def make_screen(entry: ScreenEntry) -> Screen:
    """A fresh instance of the entry's screen."""
    return screen_class(entry)()
