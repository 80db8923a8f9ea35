"""The objects every screen shares for the active profile.

One ``AppServices`` per active profile: the one ``KmsClient``, the auth ``Session``, the
profile store and settings, the read-only flag and the audit trail. It is built when a
profile is activated and closed when another one is activated or the console exits.
All knowledge of the client/config/auth contracts used by the console lives here.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock; tests pass a fixed one."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class ConsoleOptions:
    """How the console was started (CLI flags, or a test's choices)."""

    profile: str | None = None
    conf: Path | None = None
    sandbox: bool = False
    read_only: bool = False
    clock: Clock = utc_now
    discover_user_config: bool = True  # tests turn this off so a developer's ckms.toml can't leak in
    theme: str | None = None
    sandbox_db: Path | None = None


@dataclass
class AppServices:
    """Client, session and settings of the active profile (see module docstring)."""

    profile_name: str
    profile: Any
    read_only: bool
    clock: Clock
    client: KmsClient
    production: bool = False  # settings.toml marks the profile production (see the app's write mode)
    session: Any = None
    audit: Any = None
    settings: Any = None
    extra_closers: list[Callable[[], Any]] = field(default_factory=list)

    @property
    def http_config(self) -> dict:
        """The resolved ``[http_config]`` table of the active profile."""
        return dict(getattr(self.profile, "http_config", None) or {})

    @property
    def server_url(self) -> str:
        return str(self.http_config.get("server_url", ""))

    @property
    def accept_invalid_certs(self) -> bool:
        return bool(self.http_config.get("accept_invalid_certs", False))

    async def whoami(self) -> Any:
        """The whoami data of the sign-in layer (runs in a worker)."""
        from kms_tui.auth.whoami import whoami

        return await whoami(self.client, self.session)

    async def close(self) -> None:
        """Stop the refresh worker and close the shared HTTP client."""
        for closer in (*self.extra_closers, self.client):
            await close_quietly(closer)


async def close_quietly(owner: Any) -> None:
    """Close ``owner`` (``aclose``/``close``, or a callable); closing never crashes the console."""
    if owner is None:
        return
    closer = (
        owner
        if callable(owner) and not hasattr(owner, "aclose")
        else (getattr(owner, "aclose", None) or getattr(owner, "close", None))
    )
    if closer is None:
        return
    try:
        result = closer()
        if hasattr(result, "__await__"):
            await result
    except Exception:  # noqa: BLE001
        pass


def load_settings() -> Any:
    """The console settings (theme, keymap, read_only) from settings.toml; None when there is no
    such file yet: the console's defaults apply, and the settings model (pydantic, ~100 ms) is not loaded."""
    from kms_tui.config.store import ProfileStore, settings_path

    store = ProfileStore()
    return store.settings() if settings_path(store.root).exists() else None


async def open_services(
    profile: Any,
    *,
    options: ConsoleOptions,
    settings: Any = None,
    on_session_change: Callable[[Any], object] | None = None,
) -> AppServices:
    """Build the shared client and the session for ``profile`` (a resolved connection).

    Raises the client's ``ConfigurationError`` (message and fix) when the profile cannot work.
    """
    # Imports, the audit file and keyring discovery (it imports every keyring backend: 100-300 ms)
    # would stall the console's loop: they run in a thread, and the session is watched from here.
    profile_settings = getattr(profile, "settings", None)
    read_only = (
        options.read_only
        or bool(getattr(settings, "read_only", False))
        or bool(getattr(profile_settings, "read_only", False))
    )
    # a read-only console writes no file: audit rows and refreshed tokens stay in memory
    client, session, audit = await asyncio.to_thread(_client_and_session, profile, read_only)
    session.watch(on_session_change)
    await client.__aenter__()
    session.start()
    return AppServices(
        profile_name=profile.name,
        profile=profile,
        read_only=read_only,
        clock=options.clock,
        production=bool(getattr(profile_settings, "production", False)),
        client=client,
        session=session,
        audit=audit,
        settings=settings,
        extra_closers=[session.stop, audit.close],
    )


def _client_and_session(profile: Any, read_only: bool = False) -> tuple[KmsClient, Any, Any]:
    """The client, its session (not watched yet) and the audit trail of ``profile`` (blocking).
    ``read_only``: nothing is written to disk (see :mod:`kms_tui.tui.read_only_store`)."""
    from kms_tui.auth.session import Session
    from kms_tui.client import ConnectionSettings, KmsClient
    from kms_tui.config.settings import client_options

    connection = ConnectionSettings.from_http_config(dict(profile.http_config))
    session_profile = profile
    if read_only:
        from kms_tui.tui.read_only_store import MemoryAuditTrail, MemoryCredentialCache, cache_key, unsaved

        audit: Any = MemoryAuditTrail()
        cache = MemoryCredentialCache(cache_key(profile))
        session_profile = unsaved(profile)  # a sign-in or sign-out leaves the ckms.toml as it is
    else:
        from kms_tui.audit import AuditTrail

        audit, cache = AuditTrail(), None
    name = profile.name
    options = client_options(profile)  # [retry] and [limits], the profile's over settings.toml's

    def client_factory(credentials: Any = None) -> Any:
        return KmsClient(connection, profile=name, audit=audit, credentials=credentials, **options)

    session = Session(session_profile, client_factory, cache=cache)
    return client_factory(session), session, audit


def start_profile(options: ConsoleOptions) -> Any:
    """The resolved profile to open at start (``--conf``, ``--profile``, ``$CKMS_CONF``, the
    active profile), or None when there is none yet: the console then shows onboarding."""
    from kms_tui.config import ProfileStore, resolve_connection

    if options.conf is not None or options.profile:
        return resolve_connection(options.profile, str(options.conf) if options.conf else None)
    if not os.environ.get("CKMS_CONF") and not ProfileStore().active():
        return None
    return resolve_connection()


def sandbox_profile(url: str, *, save: bool = True, make_active: bool = False) -> Any:
    """The ``sandbox`` profile pointing at ``url``, resolved.

    ``save`` writes it as the ``sandbox`` profile (so ``kms-tui --profile sandbox`` reaches the
    running sandbox); ``make_active`` also makes it the active profile (the first-start choice
    only: ``--sandbox`` leaves the profile headless commands use alone). Without ``save`` (a
    read-only console) nothing is written: the profile lives in memory."""
    from kms_tui.config import ProfileStore, resolve_connection
    from kms_tui.config.resolve import ResolvedConnection
    from kms_tui.config.settings import ProfileSettings
    from kms_tui.tui.sandbox_process import SANDBOX_PROFILE

    if not save:
        return ResolvedConnection(
            name=SANDBOX_PROFILE,
            path=None,
            http_config={"server_url": url},
            settings=ProfileSettings(),
            source="sandbox",
        )
    store = ProfileStore()
    if store.exists(SANDBOX_PROFILE):
        document = store.load(SANDBOX_PROFILE)
        if document.http_config.get("server_url") != url:
            document.set("http_config.server_url", url)
            store.save(SANDBOX_PROFILE, document, backup=False)  # a new port: keeps the user's backups
    else:
        store.create(SANDBOX_PROFILE, url)
    if make_active:
        store.set_active(SANDBOX_PROFILE)
    return resolve_connection(SANDBOX_PROFILE)


def resolve_again(profile: Any) -> Any:
    """Resolve ``profile`` afresh from its file (after an edit or a sign-in)."""
    from kms_tui.config import resolve_connection

    if getattr(profile, "path", "") is None:  # an in-memory profile (the read-only sandbox)
        return profile
    if getattr(profile, "source", "") == "file":
        return resolve_connection(conf=str(profile.path))
    return resolve_connection(profile.name)


def make_active(name: str, *, persist: bool = True) -> Any:
    """Make ``name`` the active profile and return it resolved (ConfigError if it cannot work).
    Without ``persist`` (read-only) it is used for this session only: settings.toml is not written."""
    from kms_tui.config import ProfileStore, resolve_connection

    profile = resolve_connection(name)
    if persist:
        ProfileStore().set_active(name)
    return profile
