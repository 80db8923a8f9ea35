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
import zlib
from collections.abc import AsyncGenerator, Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from kms_tui.audit import AuditEntry, AuditTrail
from kms_tui.client import errors
from kms_tui.client.errors import KmsError
from kms_tui.client.limits import AnswerLimits, megabytes
from kms_tui.client.retry import Failure, OpKind, RetryPolicy, classify, is_loopback
from kms_tui.client.retry import log as retry_log
from kms_tui.client.settings import ConnectionSettings
from kms_tui.client.transport import build_ssl_context, close_stream, environment_proxy, http_client_kwargs
from kms_tui.safetext import visible

# True in a task whose calls are the client's own bookkeeping (the /me beside a headless command):
# ``--print-kmip`` shows what the user asked for, not those.
UNOBSERVED: ContextVar[bool] = ContextVar("kms_tui_unobserved", default=False)


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
    deadline: float = 0.0  # the call's deadline (event-loop time): bounds a body read later too


class _CallState:
    """What one call knows about its attempts, for the error when its deadline strikes."""

    def __init__(self) -> None:
        self.attempt_sent = False  # the current attempt's request started to go out
        self.maybe_done = False  # an earlier attempt may have been processed (timeout, 5xx, drop)

    async def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: note when the request itself (not a proxy CONNECT) is sent."""
        if event.endswith("send_request_headers.started"):
            request = info.get("request")
            if getattr(request, "method", b"") != b"CONNECT":
                self.attempt_sent = True


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
        limits: AnswerLimits = AnswerLimits(),
    ) -> None:
        self.settings = settings
        self.profile = profile
        self.audit = audit
        self.credentials = credentials
        self.retry = retry
        self.limits = limits
        self.user = identity_hint(settings)  # replaced by the server's answer to ``me()``
        self.round_trips = 0  # HTTP requests actually sent (benchmarks, tests)
        # called with (method, path, request body, status, answer body) for each answered call
        # (``--print-kmip``); whatever it raises is ignored
        self.observer: Callable[[str, str, str | None, int, bytes], None] | None = None
        self._http: httpx.AsyncClient | None = None

    # -- lifecycle --------------------------------------------------------------------------------
    async def open(self) -> None:
        if self._http is None:
            # Loading the system trust store and client certificates takes 50-300 ms (httpx makes
            # a default TLS context even for http://): the client is built off the loop.
            http = await asyncio.to_thread(_build_http_client, self.settings, self.retry.timeout)
            if not self._adopt(http):  # opened meanwhile by another call
                await http.aclose()

    def _adopt(self, http: httpx.AsyncClient) -> bool:
        """Make ``http`` the client unless one was opened meanwhile (False then)."""
        if self._http is not None:
            return False
        self._http = http
        return True

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # -- the loop ---------------------------------------------------------------------------------
    async def attempt(
        self,
        method: str,
        path: str,
        *,
        content: str | None = None,
        kind: OpKind,
        operation: str,
        target: str = "",
        listing: bool = False,
        stream: bool = False,
    ) -> Outcome:
        """Send until success, a non-retryable answer, or the attempts run out; the whole call is
        bounded by the deadline, and the answer by the size cap (``listing``: the large one).
        ``stream``: a 200 answer's body is left unread, for :meth:`pieces` (under the same
        deadline); other answers are read as usual."""
        await self.open()
        assert self._http is not None
        state = _CallState()
        seconds = self.limits.deadline_for(self.retry)
        deadline = asyncio.get_running_loop().time() + seconds
        try:
            async with asyncio.timeout_at(deadline) as scope:
                outcome = await self._attempts(method, path, content, kind, operation, listing, state, stream)
        except TimeoutError:
            if not scope.expired():
                raise
            raise self._deadline_error(kind, operation, seconds, state) from None
        outcome.deadline = deadline
        return outcome

    async def pieces(self, outcome: Outcome, operation: str, *, listing: bool = True) -> AsyncGenerator[bytes, None]:
        """The body of a 200 answer that ``attempt(..., stream=True)`` left unread, piece by
        decoded piece, under the call's deadline and size cap, so that a caller can use an
        answer (a listing of 100,000 objects) without holding it whole. A failure in the body is
        not retried: what was handed over cannot be taken back. The answer is closed at the end."""
        cap = self.limits.cap(listing)
        body = body_pieces(outcome.response, cap)
        try:
            while True:
                try:
                    async with asyncio.timeout_at(outcome.deadline):
                        piece = await anext(body, None)
                except TimeoutError:
                    seconds = self.limits.deadline_for(self.retry)
                    raise self._deadline_error(OpKind.READ, operation, seconds, _CallState()) from None
                except errors.AnswerTooLarge:
                    raise self._too_large(OpKind.READ, operation, listing, cap) from None
                except errors.ProtocolError as exc:
                    message = f"the answer to {operation} from {visible(self.settings.host)} {exc.message}"
                    raise errors.ProtocolError(message, reason=exc.reason) from None
                except httpx.TransportError as exc:
                    failure = classify(exc, loopback=self._direct_to_loopback())
                    raise self._transport_error(exc, OpKind.READ, failure, operation) from None
                if piece is None:
                    return
                yield piece
        finally:
            await body.aclose()
            # httpx's streamed response and its stream refer to each other: break the cycle, so
            # reference counting frees the answer (a console freezes what a load leaves behind)
            outcome.response.stream = httpx.ByteStream(b"")

    async def _attempts(
        self,
        method: str,
        path: str,
        content: str | None,
        kind: OpKind,
        operation: str,
        listing: bool,
        state: _CallState,
        stream: bool = False,
    ) -> Outcome:
        assert self._http is not None
        attempt = 0
        reauthenticated = False
        cap = self.limits.cap(listing)
        while True:
            attempt += 1
            state.attempt_sent = False
            headers = await self._auth_header()
            try:
                self.round_trips += 1
                request = self._http.build_request(
                    method, path, content=content, headers=headers, extensions={"trace": state.trace}
                )
                response = await self._http.send(request, stream=True)
                if not (stream and response.status_code == 200):
                    await read_body(response, cap)
            except errors.AnswerTooLarge:
                raise self._too_large(kind, operation, listing, cap) from None
            except errors.ProtocolError as exc:  # compressed in a way the client cannot read
                message = f"the answer to {operation} from {visible(self.settings.host)} {exc.message}"
                if kind is OpKind.CREATE:
                    raise errors.ProtocolError(
                        message + "; it may have been carried out",
                        "look for the new object (kms-tui locate) before trying again",
                        reason=exc.reason,
                    ) from None
                raise errors.ProtocolError(message, reason=exc.reason) from None
            except httpx.TransportError as exc:
                failure = classify(exc, loopback=self._direct_to_loopback())
                retry, why = self.retry.decide(kind, failure, attempt)
                delay = self.retry.delay(attempt) if retry else 0.0
                self.retry.log_decision(operation, attempt, _failure_text(exc), failure, retry, why, delay)
                if retry:
                    state.maybe_done = state.maybe_done or failure is Failure.AMBIGUOUS
                    await asyncio.sleep(delay)
                    continue
                error = await self._client_certificate_refused(exc) or self._transport_error(
                    exc, kind, failure, operation
                )
                raise error from None
            status = response.status_code
            if status == 401 and self.credentials is not None and not reauthenticated and _unauthenticated(response):
                reauthenticated = True  # one forced refresh; a 401 means nothing was processed
                if await self.credentials.on_unauthorized():
                    attempt -= 1
                    continue
            if status >= 500 or status == 429:
                retry, why = self.retry.decide(kind, Failure.SERVER_ERROR, attempt)
                delay = self.retry.delay(attempt) if retry else 0.0
                self.retry.log_decision(operation, attempt, f"HTTP {status}", Failure.SERVER_ERROR, retry, why, delay)
                if retry:
                    state.maybe_done = True
                    await asyncio.sleep(delay)
                    continue
            elif attempt > 1:
                retry_log.debug("%s answered HTTP %d on attempt %d/%d", operation, status, attempt, self.retry.attempts)
            if self.observer is not None and not UNOBSERVED.get():
                try:
                    self.observer(method, path, content, status, response.content)
                except Exception:  # noqa: BLE001 - printing must never change the call's outcome
                    pass
            return Outcome(response, attempt, state.maybe_done)

    def _direct_to_loopback(self) -> bool:
        """The requests go straight (no proxy) to this machine."""
        return is_loopback(self.settings.host) and not self.proxy_url()

    def _deadline_error(self, kind: OpKind, operation: str, seconds: float, state: _CallState) -> KmsError:
        host = visible(self.settings.host)
        fix = (
            "the server answers too slowly or never finishes its answer; retry later, or raise "
            "[limits] deadline_seconds in settings.toml"
        )
        within = f"within {seconds:g} s (the deadline of one call, retries included)"
        if kind is OpKind.CREATE and (state.attempt_sent or state.maybe_done):
            return errors.OutcomeUnknown(
                f"no complete answer to the {operation} sent to {host} {within}; it may have been carried out",
                reason="deadline",
            )
        if not state.attempt_sent and not state.maybe_done:
            return errors.RequestTimeout(f"could not send the {operation} to {host} {within}", fix, reason="deadline")
        return errors.RequestTimeout(
            f"no complete answer to the {operation} sent to {host} {within}", fix, reason="deadline"
        )

    def _too_large(self, kind: OpKind, operation: str, listing: bool, cap: int) -> KmsError:
        key = "max_listing_answer_mb" if listing else "max_answer_mb"
        message = (
            f"the answer to {operation} from {visible(self.settings.host)} is larger than the "
            f"{megabytes(cap)} cap for {'listings' if listing else 'one answer'}; reading stopped there"
        )
        fix = f"if such a large answer is expected, raise [limits] {key} in settings.toml"
        if kind is OpKind.CREATE:
            message += " (the server did receive the request: it may have been carried out)"
            fix = "look for the new object (kms-tui locate) before trying again; " + fix
        return errors.AnswerTooLarge(message, fix, reason="answer_too_large")

    async def _auth_header(self) -> dict[str, str]:
        token = await self.credentials.bearer_token() if self.credentials is not None else self.settings.access_token
        return {"Authorization": f"Bearer {token}"} if token else {}

    # -- errors -----------------------------------------------------------------------------------
    def proxy_url(self) -> str | None:
        """The proxy the requests go through (configured, else from the environment), if any."""
        if self.settings.proxy is not None:
            eff = self.settings.effective_proxy
            return eff.url if eff else None
        url, bypassed = environment_proxy(self.settings)
        return None if bypassed else url

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
            await close_stream(writer)
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
        except (TimeoutError, OSError):
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
        if isinstance(exc, httpx.RemoteProtocolError) and not _disconnected(exc):
            # not a drop: the peer wrote something that is not HTTP (bad or endless headers…)
            shown = errors.first_bytes(str(exc))
            if kind is OpKind.CREATE:
                return errors.ProtocolError(
                    f"the answer to the {after} is not valid HTTP ({shown}); it may have been carried out",
                    "look for the new object (kms-tui locate) before trying again, and check that server_url "
                    "points at a Cosmian KMS",
                    reason="not_http",
                )
            return errors.ProtocolError(f"the answer to the {after} is not valid HTTP ({shown})", reason="not_http")
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


def _failure_text(exc: BaseException) -> str:
    """An exception's type and first words for the debug log (httpx's messages carry no header)."""
    text = visible(str(exc))
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__


def _unauthenticated(response: httpx.Response) -> bool:
    """A 401 about the credentials themselves (worth one refresh), not about access rights."""
    return body_text(response).strip() == NO_AUTHENTICATION


def _disconnected(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "disconnected" in text or "peer closed" in text or "connection closed" in text or not text


YIELD_EVERY_BYTES = 256 * 1024  # body bytes read between two turns of the event loop (~1 ms of work)
INFLATE_STEP = 256 * 1024  # most bytes one decompression step may produce (bounds a bomb's memory)
_ZLIB_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}


class _Inflater:
    """One Content-Encoding (gzip or deflate) undone in steps of at most :data:`INFLATE_STEP` bytes."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.raw_deflate_tried = False
        self.d = zlib.decompressobj(_ZLIB_WBITS[encoding])

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            out = self.d.decompress(data, INFLATE_STEP)
        except zlib.error:
            if self.encoding != "deflate" or self.raw_deflate_tried:
                raise
            self.raw_deflate_tried = True  # some servers send raw deflate without the zlib header
            self.d = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self.d.decompress(data, INFLATE_STEP)
        self.raw_deflate_tried = True
        yield out
        while True:
            if self.d.unconsumed_tail:
                yield self.d.decompress(self.d.unconsumed_tail, INFLATE_STEP)
            elif self.d.eof and self.d.unused_data and self.encoding != "deflate":
                rest = self.d.unused_data  # the next member of a multi-member gzip body
                self.d = zlib.decompressobj(_ZLIB_WBITS[self.encoding])
                yield self.d.decompress(rest, INFLATE_STEP)
            else:
                return

    def flush(self) -> Iterator[bytes]:
        yield self.d.flush()


def _decoders(content_encoding: str) -> list[_Inflater]:
    """The inflaters that undo ``content_encoding`` (applied right to left), or ProtocolError."""
    names = [e.strip().lower() for e in content_encoding.split(",") if e.strip()]
    names = [n for n in names if n != "identity"]
    unknown = [n for n in names if n not in _ZLIB_WBITS]
    if unknown:
        raise errors.ProtocolError(
            f"is compressed with {visible(', '.join(unknown))[:40]}, which the client did not ask for and cannot read",
            reason="unsupported_encoding",
        )
    return [_Inflater(n) for n in reversed(names)]


def _through(decoders: list[_Inflater], chunk: bytes, final: bool = False) -> Iterator[bytes]:
    """Push ``chunk`` through the chain of decoders lazily, piece by bounded piece."""
    if not decoders:
        if chunk:
            yield chunk
        return
    first, rest = decoders[0], decoders[1:]
    if chunk:
        for piece in first.feed(chunk):
            yield from _through(rest, piece)
    if final:
        for piece in first.flush():
            yield from _through(rest, piece)
        yield from _through(rest, b"", True)


async def read_body(response: httpx.Response, max_bytes: int | None = None) -> bytes:
    """Read a streamed answer's whole body (see :func:`body_pieces`); afterwards ``content``,
    ``text`` and ``json()`` work as usual."""
    pieces = body_pieces(response, max_bytes)
    try:
        chunks = [piece async for piece in pieces]
    finally:
        await pieces.aclose()
    body = response._content = b"".join(chunks)  # what httpx's own ``aread`` stores (decoded)
    return body


async def body_pieces(response: httpx.Response, max_bytes: int | None = None) -> AsyncGenerator[bytes, None]:
    """A streamed answer's body, decoded, piece by piece, letting the event loop run every
    :data:`YIELD_EVERY_BYTES`; the answer is closed at the end.

    The body is decompressed here (gzip, deflate), one bounded step at a time, and counted after
    decompression: past ``max_bytes`` (raw or decoded) reading stops with ``AnswerTooLarge``, so
    neither an endless answer nor a compression bomb can take more memory than the cap.

    Why the turns: when a large answer (``/access/owned`` at 10,000 objects is ~14 MB) is already
    in the socket buffer, httpx's own read never suspends, so the console froze for 20-30 ms
    (measured) while it parsed the chunks; here keys and frames are served between chunks."""
    limit = max_bytes if max_bytes is not None else float("inf")
    pending = total = raw_total = 0
    try:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise errors.AnswerTooLarge(f"declared {int(declared)} bytes", reason="answer_too_large")
        decoders = _decoders(response.headers.get("content-encoding", ""))
        try:
            async for raw in response.aiter_raw():
                raw_total += len(raw)
                if raw_total > limit:
                    raise errors.AnswerTooLarge("raw body past the cap", reason="answer_too_large")
                for piece in _through(decoders, raw):
                    total += len(piece)
                    if total > limit:
                        raise errors.AnswerTooLarge("decoded body past the cap", reason="answer_too_large")
                    yield piece
                    pending += len(piece)
                    if pending >= YIELD_EVERY_BYTES:
                        pending = 0
                        await asyncio.sleep(0)
            for piece in _through(decoders, b"", final=True):
                total += len(piece)
                if total > limit:
                    raise errors.AnswerTooLarge("decoded body past the cap", reason="answer_too_large")
                yield piece
        except zlib.error:
            raise errors.ProtocolError(
                f"is not valid {visible(response.headers.get('content-encoding', ''))[:20]} data (Content-Encoding)",
                reason="bad_encoding",
            ) from None
    finally:
        await response.aclose()


def body_text(response: httpx.Response) -> str:
    try:
        return response.text
    except Exception:  # noqa: BLE001 - undecodable body
        return ""


def json_body(response: httpx.Response, operation: str = "", host: str = "") -> Any:
    try:
        return response.json()
    except ValueError:
        raise errors.unreadable_answer(
            "JSON",
            response.status_code,
            response.content,
            operation=operation,
            host=host,
            content_type=response.headers.get("content-type", ""),
            reason="not_json",
        ) from None
