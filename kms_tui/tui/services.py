"""The objects every screen shares for the active profile.

One ``AppServices`` per active profile: the one ``KmsClient``, the auth ``Session``, the
profile store and settings, the read-only flag and the audit trail. It is built when a
profile is activated and closed when another one is activated or the console exits.
All knowledge of the client/config/auth contracts used by the console lives here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock; tests pass a fixed one."""
    return datetime.now(timezone.utc)


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
    client: Any = None
    session: Any = None
    audit: Any = None
    store: Any = None
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
        from kms_tui.auth import whoami

        return await whoami(self.client, self.session)

    async def close(self) -> None:
        """Stop the refresh worker and close the shared HTTP client."""
        for owner in (self.session, self.client):
            await close_quietly(owner)
        for closer in self.extra_closers:
            await close_quietly(closer)


async def close_quietly(owner: Any) -> None:
    """Close ``owner`` (``aclose``/``close``, or a callable); closing never crashes the console."""
    if owner is None:
        return
    closer = owner if callable(owner) and not hasattr(owner, "aclose") else (
        getattr(owner, "aclose", None) or getattr(owner, "close", None))
    if closer is None:
        return
    try:
        result = closer()
        if hasattr(result, "__await__"):
            await result
    except Exception:  # noqa: BLE001
        pass


def open_store() -> Any:
    """The profile store of the config layer."""
    from kms_tui.config import ProfileStore

    return ProfileStore()


def load_settings() -> Any:
    """The console settings (theme, keymap, read_only) of the config layer, or None."""
    try:
        from kms_tui.config import Settings
    except ImportError:
        return None
    loader = getattr(Settings, "load", None)
    return loader() if loader else Settings()


async def open_services(name: str, profile: Any, *, options: ConsoleOptions, store: Any = None,
                        settings: Any = None) -> AppServices:
    """Build the client and session for ``profile``; raises the client's errors on bad config."""
    from kms_tui.auth import Session
    from kms_tui.client import ConnectionSettings, KmsClient

    audit = open_audit()
    connection = ConnectionSettings.from_http_config(dict(profile.http_config))

    def client_factory(credentials: Any = None) -> Any:
        return KmsClient(connection, profile=name, audit=audit, credentials=credentials)

    session = Session(profile, client_factory)
    client = client_factory(session)
    enter = getattr(client, "__aenter__", None)
    if enter is not None:
        await enter()
    read_only = options.read_only or bool(getattr(settings, "read_only", False))
    return AppServices(profile_name=name, profile=profile, read_only=read_only, clock=options.clock,
                       client=client, session=session, audit=audit, store=store, settings=settings)


def open_audit() -> Any:
    """The local audit trail, or None when the audit layer is not available."""
    try:
        from kms_tui import audit
    except ImportError:
        return None
    opener = getattr(audit, "open_trail", None) or getattr(audit, "AuditTrail", None)
    return opener() if opener else None


def start_profile(options: ConsoleOptions) -> tuple[str | None, Any]:
    """The profile to open at start: ``--conf``, ``--profile``, the store's active one, else (None, None)."""
    from kms_tui.config import ProfileStore, load_profile_file

    if options.conf is not None:
        return options.conf.stem, load_profile_file(options.conf)
    store = ProfileStore()
    name = options.profile or store.active_name()
    if not name:
        return None, None
    return name, store.load(name)


def save_sandbox_profile(url: str) -> Any:
    """Create or update the ``sandbox`` profile to point at ``url``, make it active, return it."""
    from kms_tui.config import ProfileStore

    from kms_tui.tui.sandbox_process import SANDBOX_PROFILE

    store = ProfileStore()
    store.upsert_server(SANDBOX_PROFILE, url)
    store.set_active(SANDBOX_PROFILE)
    return store.load(SANDBOX_PROFILE)
