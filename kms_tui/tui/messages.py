"""Messages posted by workers and screens; handlers on the app own the state they carry.

Workers never touch widgets: they post one of these and return.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class StartupResolved(Message):
    """The start-up thread read settings.toml and picked the profile to open (None: onboarding)."""

    settings: Any
    profile: Any
    error: BaseException | None = None


@dataclass
class ServicesReady(Message):
    """A profile was opened: its client and session are ready (``services`` is an AppServices)."""

    services: Any


@dataclass
class ServicesFailed(Message):
    """Opening the active profile failed; ``error`` has ``message`` and usually ``fix``."""

    profile: str
    error: BaseException


@dataclass
class WhoAmILoaded(Message):
    """Fresh whoami data (``whoami`` is the auth layer's ``WhoAmI``)."""

    whoami: Any


@dataclass
class SessionChanged(Message):
    """The sign-in state changed (signed in/out, token refreshed, expired)."""

    state: Any


@dataclass
class SandboxStopped(Message):
    """The sandbox child ended without being asked to (killed, crashed); ``returncode`` is its exit."""

    returncode: int | None


@dataclass
class LinkChecked(Message):
    """A live check of the active profile's server ended: ``error`` is None when /version and an
    authenticated call both answered. ``services`` is the AppServices that was checked."""

    services: Any
    error: BaseException | None = None
