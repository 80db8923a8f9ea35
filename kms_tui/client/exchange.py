"""The request loop under every call: authentication, retries, error mapping, audit.

:class:`Exchange` owns the ``httpx.AsyncClient`` (one per server, pooled, keep-alive) and turns
one logical call into up to ``RetryPolicy.attempts`` HTTP attempts. It knows nothing about KMIP
shapes; :mod:`kms_tui.client.kms_client` builds on it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import time
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol, Sequence
from urllib.parse import urlsplit

import httpx

from kms_tui.audit import AuditEntry, AuditTrail
from kms_tui.client import errors
from kms_tui.client.errors import KmsError
from kms_tui.client.retry import Failure, OpKind, RetryPolicy, classify
from kms_tui.client.settings import ConnectionSettings
from kms_tui.client.transport import build_ssl_context, http_client_kwargs


class Credentials(Protocol):
    """What ``kms_tui.auth`` provides: a current bearer token and a way to refresh it."""

    async def bearer_token(self) -> str | None: ...

    async def on_unauthorized(self) -> bool: ...


@dataclass
class Outcome:
    """The final HTTP answer of a call and how it was obtained."""

    response: httpx.Response
    attempts: int
    maybe_done_before: bool  # an earlier attempt may have been processed (timeout, 5xx, drop)


def _build_http_client(settings: ConnectionSettings, timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(**http_client_kwargs(settings, timeout))


class Exchange:
    """HTTP attempts with retries for one server."""

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        profile: str = "",
        audit: AuditTrail | None = None,
        credentials: Credentials | None = None,
        retry: RetryPolicy = RetryPolicy(),
    ) -> None:
        self.settings = settings
        self.profile = profile
        self.audit = audit
        self.credentials = credentials
        self.retry = retry
        self.user = identity_hint(settings)  # replaced by the server's answer to ``me()``
        self.round_trips = 0  # HTTP requests actually sent (benchmarks, tests)
        self._http: httpx.AsyncClient | None = None

    # -- lifecycle --------------------------------------------------------------------------------
    async def open(self) -> None:
        if self._http is None:
            # Loading the system trust store and client certificates takes 50-300 ms (httpx makes
            # a default TLS context even for http://): the client is built off the loop.
            http = await asyncio.to_thread(_build_http_client, self.settings, self.retry.timeout)
            if self._http is None:
                self._http = http
            else:  # opened meanwhile by another call
                await http.aclose()

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # -- the loop ---------------------------------------------------------------------------------
    async def attempt(
        self, method: str, path: str, *, content: str | None = None, kind: OpKind, operation: str, target: str = ""
    ) -> Outcome:
        """Send until success, a non-retryable answer, or the attempts run out."""
        await self.open()
        assert self._http is not None
        attempt = 0
        reauthenticated = False
        maybe_done = False
        while True:
            attempt += 1
            headers = await self._auth_header()
            try:
                self.round_trips += 1
                request = self._http.build_request(method, path, content=content, headers=headers)
                response = await self._http.send(request, stream=True)
                await read_body(response)
            except httpx.TransportError as exc:
                failure = classify(exc)
                if self.retry.should_retry(kind, failure, attempt):
                    maybe_done = maybe_done or failure is Failure.AMBIGUOUS
                    await asyncio.sleep(self.retry.delay(attempt))
                    continue
                error = await self._client_certificate_refused(exc) or self._transport_error(exc, kind, failure, operation)
                raise error from None
            status = response.status_code
            if status == 401 and self.credentials is not None and not reauthenticated and _unauthenticated(response):
                reauthenticated = True  # one forced refresh; a 401 means nothing was processed
                if await self.credentials.on_unauthorized():
                    attempt -= 1
                    continue
            if (status >= 500 or status == 429) and self.retry.should_retry(kind, Failure.SERVER_ERROR, attempt):
                maybe_done = True
                await asyncio.sleep(self.retry.delay(attempt))
                continue
            return Outcome(response, attempt, maybe_done)

    async def _auth_header(self) -> dict[str, str]:
        token = await self.credentials.bearer_token() if self.credentials is not None else self.settings.access_token
        return {"Authorization": f"Bearer {token}"} if token else {}

    # -- errors -----------------------------------------------------------------------------------
    def proxy_url(self) -> str | None:
        """The proxy the requests go through (configured, else from the environment), if any."""
        if self.settings.proxy is not None:
            eff = self.settings.effective_proxy
            return eff.url if eff else None
        scheme = urlsplit(self.settings.server_url).scheme
        env = urllib.request.getproxies_environment()
        url = env.get(scheme) or env.get("all")
        if url and urllib.request.proxy_bypass_environment(self.settings.host):
            return None
        return url

    async def _client_certificate_refused(self, exc: Exception) -> KmsError | None:
        """A server that rejects our client certificate may just hang up after a TLS 1.3
        handshake; a TLS 1.2 handshake (where the certificate is checked before it completes)
        tells that apart from a dropped connection."""
        s = self.settings
        if not isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)) or not s.server_url.startswith("https"):
            return None
        if not (s.tls_client_pem_cert_path or s.tls_client_pkcs12_path) or self.proxy_url():
            return None
        ctx = await asyncio.to_thread(build_ssl_context, s)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(s.host, s.port, ssl=ctx, server_hostname=s.host), self.retry.timeout
            )
            writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            writer.close()
            return None
        except (ssl.SSLError, ConnectionError, asyncio.IncompleteReadError) as probe:
            if isinstance(probe, ssl.SSLError) and errors.tls_failure(probe, s.host) is not None:
                found = errors.tls_failure(probe, s.host)
                if found is not None and found.reason == "tls_client_cert_refused":
                    return found
            return errors.TlsError(
                f"TLS: {s.host} refused the client certificate (it closed the handshake)",
                "use a client certificate issued by a CA the server trusts and not expired",
                reason="tls_client_cert_refused",
            )
        except (OSError, asyncio.TimeoutError):
            return None

    def _transport_error(self, exc: Exception, kind: OpKind, failure: Failure, operation: str) -> KmsError:
        host, port = self.settings.host, self.settings.port
        proxy = self.proxy_url()
        proxy_host = (urlsplit(proxy).hostname or proxy) if proxy else ""
        if isinstance(exc, httpx.ProxyError):
            return errors.proxy_failure(exc, proxy_host or "(environment proxy)")
        tls = errors.tls_failure(exc, host)
        if tls is not None:
            return tls
        if isinstance(exc, httpx.ConnectTimeout):
            return errors.RequestTimeout(f"connecting to {proxy_host or host} timed out", reason="connect_timeout")
        if isinstance(exc, httpx.ConnectError):
            if proxy_host:
                return errors.proxy_failure(exc, proxy_host)
            return errors.connect_failure(exc, host, port)
        if isinstance(exc, httpx.PoolTimeout):
            return errors.RequestTimeout("too many requests in flight to this server", reason="pool_timeout")
        after = f"{operation} sent to {host}"
        if isinstance(exc, httpx.TimeoutException):
            if kind is OpKind.CREATE:
                return errors.OutcomeUnknown(
                    f"no answer to the {after} within {self.retry.timeout:g} s; it may have been carried out",
                    reason="timeout",
                )
            return errors.RequestTimeout(f"no answer to the {after} within {self.retry.timeout:g} s", reason="timeout")
        if kind is OpKind.CREATE:
            return errors.OutcomeUnknown(
                f"the connection dropped before the answer to the {after}; it may have been carried out",
                reason="dropped",
            )
        return errors.Unreachable(
            f"the connection to {host} dropped before the answer arrived ({type(exc).__name__})",
            "retry; if it persists, check proxies and load balancers between you and the KMS",
            reason="dropped",
        )

    # -- audit ------------------------------------------------------------------------------------
    def record(
        self,
        operation: str,
        object_ids: Sequence[str],
        started: float,
        *,
        error: BaseException | None = None,
        attempts: int = 1,
        note: str = "",
        details: dict[str, str] | None = None,
    ) -> None:
        """Queue one audit row (never blocks; never raises); ``details``: what the user typed."""
        if self.audit is None:
            return
        if error is None:
            outcome, reason = "ok", ""
        elif isinstance(error, errors.ServerRefused):
            outcome, reason = "refused", f"{error.reason}: {error.message}" if error.reason else error.message
        elif isinstance(error, KmsError):
            outcome, reason = "failed", f"{type(error).__name__}: {error.message}"
        else:
            outcome, reason = "failed", type(error).__name__
        if note:
            reason = f"{note}; first: {reason}"
        try:
            self.audit.record(
                AuditEntry(
                    operation=operation,
                    outcome=outcome,
                    object_ids=[str(i) for i in object_ids][:200],
                    error_reason=reason,
                    duration_ms=int((time.monotonic() - started) * 1000),
                    profile=self.profile,
                    server=self.settings.display_url,
                    user=self.user,
                    attempts=attempts,
                    details=dict(details or {}),
                )
            )
        except Exception:  # noqa: BLE001 - the audit trail must never break a request
            pass


def identity_hint(settings: ConnectionSettings) -> str:
    """Who we will probably be, for the audit trail before ``/me`` answers: the client
    certificate's CN, else the ``email`` claim of a JWT access token (read, not verified)."""
    try:
        if settings.tls_client_pem_cert_path:
            from kms_tui.client.transport import certificate_subject

            return certificate_subject(settings.tls_client_pem_cert_path)
        token = settings.access_token or ""
        if token.count(".") == 2:
            part = token.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
            return str(claims.get("email") or claims.get("sub") or "")
    except Exception:  # noqa: BLE001 - a hint only; never fail a request for it
        return ""
    return ""


# Cosmian's one answer to missing/rejected credentials; other 401s ("Access denied: …") are
# authorization refusals that a fresh token would not change.
NO_AUTHENTICATION = "No authentication provided."


def _unauthenticated(response: httpx.Response) -> bool:
    """A 401 about the credentials themselves (worth one refresh), not about access rights."""
    return body_text(response).strip() == NO_AUTHENTICATION


YIELD_EVERY_BYTES = 256 * 1024  # body bytes read between two turns of the event loop (~1 ms of work)


async def read_body(response: httpx.Response) -> bytes:
    """Read a streamed answer's whole body, letting the event loop run every
    :data:`YIELD_EVERY_BYTES`; afterwards ``content``, ``text`` and ``json()`` work as usual.

    Why: when a large answer (``/access/owned`` at 10,000 objects is ~10 MB) is already in the
    socket buffer, httpx's own read never suspends, so the console froze for 20-30 ms (measured)
    while it parsed the chunks; here keys and frames are served between chunks."""
    chunks: list[bytes] = []
    pending = 0
    try:
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            pending += len(chunk)
            if pending >= YIELD_EVERY_BYTES:
                pending = 0
                await asyncio.sleep(0)
    finally:
        await response.aclose()
    body = response._content = b"".join(chunks)  # what httpx's own ``aread`` stores
    return body


def body_text(response: httpx.Response) -> str:
    try:
        return response.text
    except Exception:  # noqa: BLE001 - undecodable body
        return ""


def json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise errors.ProtocolError(
            f"the server answered HTTP {response.status_code} with something that is not JSON",
            reason="not_json",
        ) from None
