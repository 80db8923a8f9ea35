"""A profile's sign-in session: the `credentials` object of KmsClient and its refresh worker.

One asyncio task per session refreshes the token at 80 % of its lifetime (or 60 s before
`exp`, whichever is earlier). Concurrent callers share one refresh (single-flight). A failed
refresh marks the session expired and stops: no retry loop. Static JWT bearers get a warning
before they lapse. Blocking file writes run in a thread; no token is ever logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from kms_tui.auth.cache import CachedCredentials, CredentialCache, bearer_digest
from kms_tui.auth.errors import AuthError, OAuthConfigError, SessionExpired, sign_in_again_hint
from kms_tui.auth.oauth import OAuthConfig, client_credentials_grant, refresh_tokens, revoke_token
from kms_tui.auth.profile import ProfileRef
from kms_tui.auth.tokens import TokenSet, jwt_expiry, jwt_issued_at, refresh_due
from kms_tui.safetext import mask_url

log = logging.getLogger(__name__)
# `kms-tui --debug`: when and why a token is refreshed, replayed or adopted (times, never a token)
refresh_log = logging.getLogger("kms_tui.auth.refresh")
MAX_NAP = 30.0  # re-check the wall clock at least this often (laptops sleep)
RECENT = 2.0  # a 401 within this many seconds of a refresh replays without refreshing again


@dataclass
class SessionState:
    """What the console's status bar and whoami show. Holds no token."""

    status: str = "signed_out"  # signed_out | static | signed_in | refreshing | expired
    method: str | None = None  # authorization_code | device_code | client_credentials | static
    expires_at: float | None = None
    next_refresh: float | None = None
    last_refresh: float | None = None
    last_error: str | None = None
    warning: str | None = None
    cache_backend: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Session:
    """Credentials for KmsClient: `bearer_token()` and `on_unauthorized()`, plus the worker."""

    def __init__(
        self,
        profile: Any,
        client_factory: Callable[..., Any] | None = None,
        *,
        cache: CredentialCache | None = None,
        on_change: Callable[[SessionState], object] | None = None,
    ) -> None:
        self.profile = ProfileRef.of(profile)
        self.client_factory = client_factory  # lets the console build a client bound to this session
        self.cache = cache or CredentialCache(self.profile.cache_key)
        self.on_change = on_change
        self.state = SessionState()
        self.creds: CachedCredentials | None = None
        self._static: str | None = None
        self._inflight: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self.load()

    # -- state ---------------------------------------------------------------------------------
    def load(self) -> None:
        """Pick up the profile's token and the cached refresh material (no network).

        Only an OAuth sign-in caches anything: a profile without one never reads the cache, so
        a one-off command on it does not pay for the OS keyring's discovery."""
        creds = None
        if self.profile.signs_in_with_oauth:
            self.state.cache_backend = self.cache.backend
            creds = self.cache.load()
        self._use(creds)

    def _use(self, creds: CachedCredentials | None) -> None:
        """Sign in with `creds` when they go with the profile's token, else use that token as is."""
        bearer = self.profile.http_config.get("access_token") or None
        if creds is not None and creds.matches_profile(bearer):
            self.creds, self._static = creds, None
            self._set(
                status="signed_in",
                method=creds.method,
                expires_at=creds.tokens.bearer_expires_at,
                next_refresh=creds.tokens.next_refresh(),
                last_error=None,
            )
        elif bearer:  # a token pasted or written by ckms: use it as is, watch its exp
            self.creds, self._static = None, bearer
            exp = jwt_expiry(bearer)
            warn_at = refresh_due(jwt_issued_at(bearer) or time.time(), exp) if exp else None
            self._set(status="static", method="static", expires_at=exp, next_refresh=warn_at)
        else:
            self.creds, self._static = None, None
            self._set(status="signed_out", method=None, expires_at=None, next_refresh=None)

    def watch(self, on_change: Callable[[SessionState], object] | None) -> None:
        """Report state changes to `on_change` from now on, starting with the current state.

        Lets a caller build the session in a thread (keyring discovery is slow) and listen on its loop.
        """
        self.on_change = on_change
        self._set()

    def _set(self, **changes: Any) -> None:
        for key, value in changes.items():
            setattr(self.state, key, value)
        if self.on_change is not None:
            self.on_change(SessionState(**self.state.to_dict()))

    @property
    def refreshable(self) -> bool:
        return self.creds is not None and (
            self.creds.method == "client_credentials" or bool(self.creds.tokens.refresh_token)
        )

    # -- the credentials protocol ----------------------------------------------------------------
    async def bearer_token(self) -> str | None:
        """The token to send; refreshes first (waiting for a shared refresh) when it is due."""
        if self.creds is None:
            if self.state.status == "expired":
                raise self._expired_error()
            return self._static
        if self.state.status == "expired":
            raise self._expired_error()
        due = self.creds.tokens.next_refresh()  # a one-off command has no worker: refresh on use
        if self.refreshable and due is not None and time.time() >= due:
            refresh_log.debug(
                "refresh: the token of profile %s was due %s: refreshing before the request",
                self.profile.cache_key,
                _ago(due),
            )
            await self.refresh()
        return self.creds.tokens.bearer

    async def on_unauthorized(self) -> bool:
        """A 401: force one refresh; True when the request should be replayed once."""
        if not self.refreshable or self.state.status == "expired":
            refresh_log.debug(
                "refresh: HTTP 401 for profile %s; not refreshing (%s)",
                self.profile.cache_key,
                "the session has expired" if self.state.status == "expired" else "the token cannot be refreshed",
            )
            return False  # a static token cannot be renewed (a 401 may also mean "access denied")
        last = self.state.last_refresh
        if self._inflight is None and last is not None and time.time() - last < RECENT:
            refresh_log.debug(
                "refresh: HTTP 401 for profile %s right after a refresh: replaying without another",
                self.profile.cache_key,
            )
            return True  # another request already refreshed: just replay
        refresh_log.debug(
            "refresh: HTTP 401 for profile %s: one forced refresh, then the request is replayed", self.profile.cache_key
        )
        try:
            await self.refresh()
        except AuthError:
            return False
        return True

    # -- refreshing ------------------------------------------------------------------------------
    async def refresh(self) -> None:
        """Refresh now; concurrent callers wait for the same attempt (single-flight)."""
        if self._inflight is None:
            self._inflight = asyncio.ensure_future(self._do_refresh())
            self._inflight.add_done_callback(lambda _f: setattr(self, "_inflight", None))
        else:
            refresh_log.debug("refresh: profile %s: joining the refresh already under way", self.profile.cache_key)
        await asyncio.shield(self._inflight)

    async def _do_refresh(self) -> None:
        assert self.creds is not None
        if await self._adopt_newer_from_disk():
            return
        creds = self.creds
        self._set(status="refreshing")
        try:
            conf = self._oauth_config()
            refresh_log.debug(
                "refresh: profile %s: %s grant at %s",
                self.profile.cache_key,
                "client_credentials" if creds.method == "client_credentials" else "refresh_token",
                mask_url(conf.token_url),
            )
            if creds.method == "client_credentials":
                tokens = await client_credentials_grant(conf)
            else:
                tokens = await refresh_tokens(conf, creds.tokens)
        except Exception as exc:  # noqa: BLE001 - AuthError, or anything unexpected: the session ends, no retry loop
            reason = getattr(exc, "message", None) or f"unexpected {type(exc).__name__}"
            log.warning("token refresh failed for profile %s: %s", self.profile.cache_key, reason)
            self._set(status="expired", last_error=reason, next_refresh=None)
            raise self._expired_error() from None
        creds.tokens = tokens
        save_error = None
        try:
            await asyncio.to_thread(self._persist, creds)  # file writes off the event loop
        except Exception as exc:  # noqa: BLE001 - ckms.toml changed or unwritable: keep the new token in memory
            save_error = (
                f"The refreshed token is used but could not be saved "
                f"({getattr(exc, 'summary', None) or type(exc).__name__})."
            )
            log.warning("profile %s: %s", self.profile.cache_key, save_error)
        log.info("token refreshed for profile %s", self.profile.cache_key)
        refresh_log.debug(
            "refresh: profile %s: new token expires %s, next refresh %s%s",
            self.profile.cache_key,
            _ago(tokens.bearer_expires_at),
            _ago(tokens.next_refresh()),
            "" if save_error is None else " (kept in memory only: it could not be saved)",
        )
        self._set(
            status="signed_in",
            expires_at=tokens.bearer_expires_at,
            next_refresh=tokens.next_refresh(),
            last_refresh=time.time(),
            last_error=save_error,
        )

    async def _adopt_newer_from_disk(self) -> bool:
        """Another process (console, script) refreshed this profile: use its tokens, do not refresh.

        With rotating refresh tokens, refreshing with our stale copy would fail (or make the IdP
        revoke the whole family).
        """
        assert self.creds is not None
        disk = await asyncio.to_thread(self.cache.load)
        if disk is None or disk.tokens.issued_at <= self.creds.tokens.issued_at:
            return False
        refresh_log.debug(
            "refresh: profile %s: another process refreshed %s; using its token, not refreshing",
            self.profile.cache_key,
            _ago(disk.tokens.issued_at),
        )
        self.creds = disk
        self._set(
            status="signed_in",
            expires_at=disk.tokens.bearer_expires_at,
            next_refresh=disk.tokens.next_refresh(),
            last_refresh=time.time(),
            last_error=None,
        )
        return True

    def _oauth_config(self) -> OAuthConfig:
        """The profile's OAuth config (it holds the secret), else what the cache remembers."""
        assert self.creds is not None
        try:
            conf = self.profile.oauth_config()
        except OAuthConfigError:
            conf = OAuthConfig(
                client_id=self.creds.client_id, token_url=self.creds.token_endpoint, scopes=list(self.creds.scopes)
            )
        conf.token_url = self.creds.token_endpoint or conf.token_url
        conf.revocation_endpoint = conf.revocation_endpoint or self.creds.revocation_endpoint
        return conf

    def _persist(self, creds: CachedCredentials) -> None:
        """ckms.toml first, then the cache (always: a rotated refresh token must never be lost).

        The cache remembers a digest of the token ckms.toml gives (ours, or what a secret://
        reference kept there resolves to), so a later start still prefers the cached tokens.
        """
        try:
            given = self.profile.store_bearer(creds.tokens.bearer)
            creds.profile_bearer = bearer_digest(given) if given else None
        finally:
            self.cache.save(creds)

    def _expired_error(self) -> SessionExpired:
        reason = self.state.last_error or "The session expired."
        return SessionExpired(f"Your session has expired: {reason}", sign_in_again_hint(self.profile.name))

    # -- after a login / logout ------------------------------------------------------------------
    async def adopt(self, tokens: TokenSet, method: str, conf: OAuthConfig) -> None:
        """Keep freshly obtained tokens: profile access_token (for ckms) and the credential cache."""
        creds = CachedCredentials(
            method=method,
            tokens=tokens,
            token_endpoint=conf.token_url,
            client_id=conf.client_id,
            revocation_endpoint=conf.revocation_endpoint,
            issuer=conf.issuer,
            scopes=list(conf.scopes),
        )
        await asyncio.to_thread(self._persist, creds)
        self.creds, self._static = creds, None
        self._set(
            status="signed_in",
            method=method,
            expires_at=tokens.bearer_expires_at,
            next_refresh=tokens.next_refresh(),
            last_refresh=None,
            last_error=None,
            warning=None,
        )
        self._wake.set()

    async def logout(self) -> dict[str, bool]:
        """Forget the tokens locally and revoke the refresh token at the IdP when it can."""
        revoked = False
        if self.creds is not None:
            token = self.creds.tokens.refresh_token or self.creds.tokens.access_token
            hint = "refresh_token" if self.creds.tokens.refresh_token else "access_token"
            try:
                conf = self._oauth_config()
                if conf.revocation_endpoint is None:
                    await conf.discover()
                revoked = await revoke_token(conf, token, hint)
            except AuthError as exc:
                log.warning("revocation skipped: %s", exc.message)
        forgot_cache = await asyncio.to_thread(self.cache.forget)
        had_token = bool(self.profile.http_config.get("access_token"))
        kept = await asyncio.to_thread(self.profile.store_bearer, None)  # a secret:// reference stays
        self.state.warning = None
        self._use(None)  # signed out, or the reference's token as a static one
        self._wake.set()
        return {"revoked": revoked, "forgot_cache": forgot_cache, "removed_access_token": had_token and not kept}

    # -- the worker ------------------------------------------------------------------------------
    def start(self) -> asyncio.Task[None]:
        """Start the refresh worker (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="kms-tui-token-refresh")
        return self._task

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def __aenter__(self) -> Session:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _run(self) -> None:
        while True:
            due = self.state.next_refresh
            if self.state.status in ("signed_out", "expired") or due is None:
                await self._nap(None)
                continue
            if time.time() < due:
                await self._nap(due)
                continue
            if self._static is not None:
                self._static_due()
                continue
            try:
                await self.refresh()
            except AuthError:
                continue  # state is "expired": sleep until a new login wakes us

    def _static_due(self) -> None:
        """A static JWT reached its warning time (then its expiry): say so once each."""
        exp = self.state.expires_at or 0
        if time.time() >= exp:
            self._set(status="expired", next_refresh=None, last_error="The access token reached its expiry time (exp).")
        else:
            minutes = max(1, int((exp - time.time()) // 60))
            self._set(
                warning=f"The access token expires in about {minutes} min and cannot be refreshed. "
                + sign_in_again_hint(self.profile.name),
                next_refresh=exp,
            )
            log.warning("static access token of profile %s expires in about %d min", self.profile.cache_key, minutes)

    async def _nap(self, until: float | None) -> None:
        delay = MAX_NAP if until is None else min(MAX_NAP, max(0.0, until - time.time()))
        if until is not None and until - time.time() <= MAX_NAP:
            refresh_log.debug("refresh worker: profile %s: next step %s", self.profile.cache_key, _ago(until))
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), delay)
        except TimeoutError:
            pass


def _ago(when: float | None) -> str:
    """``in 42 s`` / ``12 s ago`` / ``never`` (for the debug log: times, never tokens)."""
    if when is None:
        return "never"
    seconds = when - time.time()
    return f"in {seconds:.0f} s" if seconds >= 0 else f"{-seconds:.0f} s ago"
