"""When a failed request may be sent again, and how long to wait before it.

Three kinds of operation (issue 3, reference §3.6–3.7):

* reads (Get, GetAttributes, Locate, Export, REST reads) are retried on 5xx and on any network
  failure;
* creates (Create, CreateKeyPair, Import, Register, Certify…) are retried only when the request
  provably never reached the server (connection refused, DNS, TLS handshake, proxy tunnel
  refused) — never after a timeout or a dropped answer: one click must never create two keys;
* repeatable writes (Revoke, Destroy, Activate) are retried like reads, and a repeat that finds the
  work already done (``Item_Not_Found`` after a revoke/destroy that may have landed, "already
  Active") counts as success.

4xx answers are never retried, nor failures a retry cannot fix (the server certificate does not
verify, the host name does not exist, nothing listens on a loopback port: a local server that is
not running will not start in the next second, so that is reported at once).

Every call (its attempts, back-off sleeps included) is also bounded by one deadline, by default
:meth:`RetryPolicy.worst_case` (see :class:`kms_tui.client.limits.AnswerLimits`).
"""

from __future__ import annotations

import ipaddress
import logging
import random
import socket
import ssl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum

import httpx

# `kms-tui --debug`: each retry decision (what failed, why it is or is not sent again, the wait)
log = logging.getLogger(__name__)


class OpKind(StrEnum):
    READ = "read"
    CREATE = "create"
    REPEATABLE = "repeatable"


READ_OPS = frozenset(
    {"Get", "GetAttributes", "GetAttributeList", "Locate", "Export", "Query", "DiscoverVersions", "Check", "Validate"}
)
REPEATABLE_OPS = frozenset({"Revoke", "Destroy", "Activate"})


def kind_of(operations: Iterable[str]) -> OpKind:
    """The most careful kind among ``operations`` (a batch is as careful as its riskiest item)."""
    kinds = {
        OpKind.READ if op in READ_OPS else OpKind.REPEATABLE if op in REPEATABLE_OPS else OpKind.CREATE
        for op in operations
    }
    if OpKind.CREATE in kinds:
        return OpKind.CREATE
    if OpKind.REPEATABLE in kinds:
        return OpKind.REPEATABLE
    return OpKind.READ


class Failure(StrEnum):
    PERMANENT = "permanent"  # never sent, and trying again cannot help (TLS verification, no such host)
    NEVER_SENT = "never_sent"  # the server cannot have seen the request
    AMBIGUOUS = "ambiguous"  # the server may have processed it (timeout, dropped answer)
    SERVER_ERROR = "server_error"  # the server answered 5xx/429


def classify(exc: BaseException, *, loopback: bool = False) -> Failure:
    """Did ``exc`` happen before the request could reach the server? Could a retry help?
    ``loopback``: the connection goes straight to this machine (no proxy), where a refused
    connection means nothing listens and waiting will not change it."""
    if isinstance(exc, httpx.ConnectError) and _permanent(exc):
        return Failure.PERMANENT
    if loopback and isinstance(exc, httpx.ConnectError) and _refused(exc):
        return Failure.PERMANENT
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.ProxyError, httpx.PoolTimeout)):
        return Failure.NEVER_SENT
    if isinstance(exc, httpx.TransportError) and _tls_alert(exc):
        return Failure.NEVER_SENT  # a handshake the server refused: it never processed a request
    return Failure.AMBIGUOUS


def _permanent(exc: BaseException) -> bool:
    cur: BaseException | None = exc
    while cur is not None:
        if isinstance(cur, ssl.SSLCertVerificationError):
            return True
        if isinstance(cur, socket.gaierror) and cur.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)):
            return True
        cur = cur.__cause__ or cur.__context__
    return "Name or service not known" in str(exc) or "CERTIFICATE_VERIFY_FAILED" in str(exc)


def _refused(exc: BaseException) -> bool:
    cur: BaseException | None = exc
    while cur is not None:
        if isinstance(cur, ConnectionRefusedError):
            return True
        cur = cur.__cause__ or cur.__context__
    return "Connection refused" in str(exc) or "[Errno 111]" in str(exc)


def is_loopback(host: str) -> bool:
    """``localhost``, ``127.0.0.0/8`` or ``::1``."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _tls_alert(exc: BaseException) -> bool:
    text = str(exc)
    return "ALERT_" in text and "SSL" in text.upper()


@dataclass(frozen=True)
class RetryPolicy:
    """How the client retries; every field can be changed per client."""

    timeout: float = 30.0
    attempts: int = 3
    backoff: float = 0.5  # seconds before the second attempt; doubled each time
    backoff_max: float = 8.0
    jitter: float = 0.3  # ± fraction of the delay, so that many clients do not retry in step
    retry_reads: bool = True
    retry_creates_never_sent: bool = True
    retry_repeatable: bool = True

    def worst_case(self) -> float:
        """Seconds a call may take when every attempt runs to its timeout: the default deadline of
        a call (each attempt's timeout, the longest back-off sleeps, one second of slack)."""
        sleeps = sum(min(self.backoff_max, self.backoff * (2.0 ** (a - 1))) for a in range(1, self.attempts))
        return self.attempts * self.timeout + sleeps * (1 + self.jitter) + 1.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        base = min(self.backoff_max, self.backoff * (2.0 ** (attempt - 1)))
        return max(0.0, base * (1 + random.uniform(-self.jitter, self.jitter)))

    def should_retry(self, kind: OpKind, failure: Failure, attempt: int) -> bool:
        return self.decide(kind, failure, attempt)[0]

    def decide(self, kind: OpKind, failure: Failure, attempt: int) -> tuple[bool, str]:
        """Whether to send again after failed attempt ``attempt``, and why (for ``--debug``)."""
        if attempt >= self.attempts:
            return False, f"all {self.attempts} attempts used"
        if failure is Failure.PERMANENT:
            return False, "trying again cannot help"
        if kind is not OpKind.READ and failure is not Failure.NEVER_SENT and _NO_REPLAY.get():
            return False, "a write that may have landed, inside no_replay()"  # bulk runs send each once
        if failure is Failure.NEVER_SENT:
            enabled = self.retry_creates_never_sent if kind is OpKind.CREATE else self._enabled(kind)
            return enabled, "the request never left" if enabled else f"retries of {kind} operations are off"
        if kind is OpKind.CREATE:
            return False, "a create that may have been carried out"  # a timeout or a 5xx may hide a created key
        enabled = self._enabled(kind)
        return enabled, f"a {kind} operation" if enabled else f"retries of {kind} operations are off"

    def log_decision(
        self, operation: str, attempt: int, what: str, failure: Failure, retry: bool, why: str, delay: float = 0.0
    ) -> None:
        """One ``--debug`` line for the decision after failed attempt ``attempt`` of ``operation``."""
        if retry:
            log.debug(
                "retry %d/%d after %s (%s, %s): %s again in %.2f s",
                attempt,
                self.attempts - 1,
                what,
                failure,
                why,
                operation,
                delay,
            )
        else:
            log.debug(
                "no retry of %s after %s on attempt %d/%d (%s): %s",
                operation,
                what,
                attempt,
                self.attempts,
                failure,
                why,
            )

    def _enabled(self, kind: OpKind) -> bool:
        return self.retry_reads if kind is OpKind.READ else self.retry_repeatable


NO_RETRY = RetryPolicy(attempts=1)

_NO_REPLAY: ContextVar[bool] = ContextVar("kms_tui_no_replay", default=False)


@contextmanager
def no_replay() -> Iterator[None]:
    """Within this block (this task only: a context variable), a write whose attempt may have
    reached the server (a timeout, a dropped answer, a 5xx) is not sent again: the bulk runs send
    each object's revoke or destroy once and read its state to learn what happened. Writes that
    provably never left (connection refused, proxy tunnel refused) are still retried."""
    token = _NO_REPLAY.set(True)
    try:
        yield
    finally:
        _NO_REPLAY.reset(token)
