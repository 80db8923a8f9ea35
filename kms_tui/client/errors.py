"""One exception hierarchy for everything the client can meet.

Every error carries ``message`` (what happened, in the operator's words), ``fix`` (what to do)
and ``exit_code`` (the headless contract in :mod:`kms_tui.exitcodes`). Messages never contain a
token, a password or key bytes: they are built from status codes, server reasons and host names.
"""

from __future__ import annotations

import html
import re
import socket
import ssl
from typing import Any

from kms_tui import exitcodes
from kms_tui.safetext import visible


class KmsError(Exception):
    """Base of every client error."""

    exit_code = exitcodes.REFUSED
    default_fix = ""
    after_ambiguous = False  # set when an earlier attempt may have been carried out

    def __init__(self, message: str, fix: str | None = None, *, reason: str = "") -> None:
        self.message = message
        self.fix = self.default_fix if fix is None else fix
        self.reason = reason  # the server's ErrorReason (e.g. Object_Not_Found) or a short cause
        super().__init__(message)

    def describe(self) -> str:
        """Message and fix on two lines, for stderr and error modals."""
        return f"{self.message}\n  → {self.fix}" if self.fix else self.message

    def as_dict(self) -> dict[str, Any]:
        return {"error": type(self).__name__, "reason": self.reason, "message": self.message, "fix": self.fix}


class ConfigurationError(KmsError):
    """The connection settings are invalid (ckms's messages for invalid combinations)."""

    exit_code = exitcodes.USAGE
    default_fix = "correct the [http_config] table of the ckms.toml"


class InvalidValue(KmsError):
    """A value given to the client (algorithm, state, curve…) that no request can carry."""

    exit_code = exitcodes.USAGE
    default_fix = "check the value against the accepted ones"


class NotAuthenticated(KmsError):
    exit_code = exitcodes.NOT_AUTHENTICATED
    default_fix = (
        "sign in again (kms-tui login) or check access_token; if the server uses client "
        "certificates, check that yours is issued by the CA the server trusts"
    )


class ServerRefused(KmsError):
    """The server received the request and refused it."""

    exit_code = exitcodes.REFUSED


class ObjectNotFound(ServerRefused):
    default_fix = "check the identifier or tags (kms-tui locate), or ask the owner for a grant"


class WrongLifecycleState(ServerRefused):
    pass


class PermissionDenied(ServerRefused):
    default_fix = "ask an administrator of the KMS for the missing right"


class ServerFailure(ServerRefused):
    """HTTP 5xx: the server failed while handling the request."""

    default_fix = "retry later; if it persists, the server's logs say why"


class Unreachable(KmsError):
    """The request could not be carried to the server (network, TLS, proxy)."""

    exit_code = exitcodes.UNREACHABLE


class TlsError(Unreachable):
    pass


class ProxyError(Unreachable):
    pass


class DnsError(Unreachable):
    default_fix = "check the host name in server_url and your DNS settings"


class ConnectionRefused(Unreachable):
    default_fix = "check that the KMS is running and that server_url has the right port"


class RequestTimeout(Unreachable):
    default_fix = "the server or the network is slow; retry, or raise the timeout"


class OutcomeUnknown(RequestTimeout):
    """A create-like request may have reached the server: never replayed automatically."""

    default_fix = "look for the new object (kms-tui locate) before trying again, to avoid a duplicate"


class ProtocolError(Unreachable):
    """The peer answered with something that is not a KMS response."""

    default_fix = "check that server_url points at a Cosmian KMS (and not at a proxy or web page)"


class AnswerTooLarge(ProtocolError):
    """An answer grew past the size cap of its request (``[limits]`` in settings.toml)."""

    default_fix = "if such a large answer is expected, raise [limits] max_answer_mb in settings.toml"


# ------------------------------------------------------------------------------------------------
# Answers the client cannot read
# ------------------------------------------------------------------------------------------------

FIRST_BYTES = 120  # how much of an unreadable answer an error quotes
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_HTML_START = (b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")
_HTML_TAG = re.compile(rb"<(html|head|body|title|h1|p|div|center|pre)[\s>]", re.IGNORECASE)


def is_html(body: bytes | str, content_type: str = "") -> bool:
    """True for a web page: a body that starts like HTML, or a ``text/html`` answer holding tags.
    (Cosmian sends its own plain-text error reasons as ``text/html; charset=utf-8``: the
    Content-Type alone says nothing.)"""
    raw = body.encode("utf-8", "replace") if isinstance(body, str) else body
    head = raw[:4096].lstrip().lower()
    if head.startswith(_HTML_START):
        return True
    return "html" in content_type.lower() and head.startswith(b"<") and _HTML_TAG.search(head) is not None


def html_title(body: bytes | str, limit: int = 80) -> str:
    """The ``<title>`` of a web page, unescaped, on one line, made visible and truncated ("" if none)."""
    raw = body.encode("utf-8", "replace") if isinstance(body, str) else body
    found = _TITLE.search(raw[:65536])
    if found is None:
        return ""
    text = " ".join(html.unescape(found.group(1).decode("utf-8", "replace")).split())
    return _clip(visible(text), limit)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def html_summary(status: int, body: bytes | str) -> str:
    """``HTTP 404, a web page titled “404 Not Found”``: what a web page answer is, never the page."""
    title = html_title(body)
    return f"HTTP {status}, a web page titled “{title}”" if title else f"HTTP {status}, a web page"


def first_bytes(body: bytes | str, limit: int = FIRST_BYTES) -> str:
    """The first ``limit`` bytes of an answer, decoded leniently and escaped with ``visible``."""
    raw = body.encode("utf-8", "replace") if isinstance(body, str) else body
    text = visible(raw[:limit].decode("utf-8", "replace"))
    return text + ("…" if len(raw) > limit else "")


def unreadable_answer(
    what: str,
    status: int,
    body: bytes,
    *,
    operation: str = "",
    host: str = "",
    content_type: str = "",
    maybe_done: bool = False,
    reason: str = "unreadable",
) -> ProtocolError:
    """A ProtocolError for an answer that is not ``what`` (JSON, KMIP JSON TTLV, a CreateResponse…):
    a web page is summed up by its status and title, anything else quoted by its first bytes."""
    to = f"the answer to {operation}" if operation else "the answer"
    if host:
        to += f" from {visible(host)}"
    if is_html(body, content_type):
        shown = html_summary(status, body)
    elif not body:
        shown = f"HTTP {status}, empty"
    else:
        shown = f"HTTP {status}, {len(body)} bytes starting “{first_bytes(body)}”"
    message = f"{to} is not {what} ({shown})"
    if maybe_done:
        return ProtocolError(
            message + "; it may have been carried out",
            "look for the new object (kms-tui locate) before trying again, and check that server_url points at "
            "a Cosmian KMS",
            reason=reason,
        )
    return ProtocolError(message, reason=reason)


# ------------------------------------------------------------------------------------------------
# Server answers
# ------------------------------------------------------------------------------------------------

_NOT_FOUND = ("Object_Not_Found", "Item_Not_Found")


def from_server_reason(reason: str, detail: str, operation: str = "", target: str = "") -> ServerRefused:
    """Turn a KMIP ErrorReason (+ its message) into the right exception."""
    reason, detail, target = visible(reason), _clip(visible(detail), 300), visible(target)
    what = f"{operation} of {target}" if operation and target else operation or "request"
    if reason in _NOT_FOUND:
        who = target or detail or "the object"
        return ObjectNotFound(f"{who}: not found, or you have no access to it", reason=reason)
    if reason == "Wrong_Key_Lifecycle_State":
        if operation == "Destroy":
            return WrongLifecycleState(
                f"{target or 'the object'} is active and cannot be destroyed",
                "revoke it first (kms-tui revoke ID --reason CessationOfOperation), then destroy it",
                reason=reason,
            )
        if operation in ("Get", "Export"):
            return WrongLifecycleState(
                f"{what} refused: the object's state does not allow it ({detail})",
                "a deactivated key can still be exported; a destroyed one cannot",
                reason=reason,
            )
        return WrongLifecycleState(
            f"{what} refused: {detail}", "check the object's state (kms-tui attributes ID)", reason=reason
        )
    if reason == "Object_Destroyed":
        return ServerRefused(
            f"{target or 'the object'} is destroyed", "only its attributes remain readable", reason=reason
        )
    if reason in ("Permission_Denied", "Not_Authorised"):
        return PermissionDenied(f"{what} refused: {detail or 'permission denied'}", reason=reason)
    if reason == "Sensitive":
        return ServerRefused(f"{what} refused: the key is sensitive", "export it wrapped, or not at all", reason=reason)
    return ServerRefused(f"{what} refused by the server: {reason}: {detail}".rstrip(": "), reason=reason)


def from_http_status(status: int, body: str, operation: str = "", target: str = "", content_type: str = "") -> KmsError:
    """Map a non-2xx HTTP answer (plain-text Cosmian body) to an exception. A web page (a proxy's
    or a web server's error page) is summed up by its status and title, never quoted."""
    page = is_html(body, content_type)
    title = html_title(body) if page else ""
    body = "" if page else visible(body.strip())
    if status == 401:
        if body.startswith("Access denied"):
            return PermissionDenied(f"{operation or 'request'} refused: {body}", reason="Access_Denied")
        return NotAuthenticated(
            "not authenticated: the server refused the credentials (token missing, expired or "
            "rejected, or client certificate not accepted)",
            reason="Unauthorized",
        )
    if status == 407:
        return ProxyError(
            "the proxy requires authentication (HTTP 407)",
            "set basic_auth_username/basic_auth_password or custom_auth_header in [http_config.proxy_params]",
            reason="Proxy_Auth_Required",
        )
    if page:
        shown = f"a web page titled “{title}”" if title else "a web page"
        if status >= 500:
            return ServerFailure(f"the server failed (HTTP {status}, {shown})", reason=f"HTTP_{status}")
        if status == 404:
            return ServerRefused(
                f"the server does not support this request (HTTP 404, {shown})",
                "check that server_url points at a Cosmian KMS 5.x",
                reason="Route_Not_Supported",
            )
        return ServerRefused(
            f"{operation or 'request'} refused (HTTP {status}, {shown})",
            "check that server_url points at a Cosmian KMS, not at a web server or proxy page",
            reason=f"HTTP_{status}",
        )
    if status >= 500:
        detail = "" if body in ("", "Internal server error") else f": {_clip(body, 200)}"
        return ServerFailure(f"the server failed (HTTP {status}){detail}", reason=f"HTTP_{status}")
    if status == 429:
        return ServerRefused(
            "the server is rate limiting requests (HTTP 429)", "wait a moment and retry", reason="HTTP_429"
        )
    if status == 404:
        return ServerRefused(
            f"the server does not support this request (HTTP 404: {_clip(body, 200)})",
            "check that server_url points at a Cosmian KMS 5.x",
            reason="Route_Not_Supported",
        )
    reason, _, detail = body.partition(": ")
    if reason and " " not in reason:  # "Object_Not_Found: object not found for identifier x"
        return from_server_reason(reason, detail, operation, target)
    return ServerRefused(
        f"{operation or 'request'} refused by the server (HTTP {status}): {_clip(body, 300)}", reason=f"HTTP_{status}"
    )


# ------------------------------------------------------------------------------------------------
# Transport failures
# ------------------------------------------------------------------------------------------------


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


_CLIENT_CERT_ALERTS = (
    "TLSV13_ALERT_CERTIFICATE_REQUIRED",
    "SSLV3_ALERT_BAD_CERTIFICATE",
    "TLSV1_ALERT_UNKNOWN_CA",
    "SSLV3_ALERT_CERTIFICATE_EXPIRED",
    "TLSV1_ALERT_ACCESS_DENIED",
    "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
    "TLSV1_ALERT_DECRYPT_ERROR",
)


def tls_failure(exc: BaseException, host: str) -> TlsError | None:
    """Explain a TLS failure found anywhere in ``exc``'s cause chain, or None."""
    for e in _chain(exc):
        if isinstance(e, ssl.SSLCertVerificationError):
            code = getattr(e, "verify_code", 0)
            detail = getattr(e, "verify_message", "") or str(e)
            if code == 10:
                return TlsError(
                    f"TLS: the server certificate of {host} has expired",
                    "ask the KMS administrator to renew the server certificate",
                    reason="tls_expired",
                )
            if code == 62 or "hostname" in detail.lower() or "IP address mismatch" in detail:
                return TlsError(
                    f"TLS: the server certificate is not valid for {host} ({detail})",
                    "use the host name the certificate was issued for in server_url",
                    reason="tls_hostname",
                )
            if code in (18, 19, 20, 21, 2):
                return TlsError(
                    f"TLS: the server certificate of {host} is issued by an unknown CA ({detail})",
                    "put the CA certificate (PEM text) in verified_cert, or set "
                    "accept_invalid_certs = true for a test server",
                    reason="tls_unknown_ca",
                )
            return TlsError(f"TLS: the server certificate of {host} was rejected ({detail})", reason="tls_verify")
        text = str(e)
        if isinstance(e, ssl.SSLError) or "SSL" in type(e).__name__ or "[SSL" in text:
            for alert in _CLIENT_CERT_ALERTS:
                if alert in text:
                    return TlsError(
                        f"TLS: {host} refused the client certificate ({alert.split('ALERT_')[1].lower()})",
                        "use a client certificate issued by the CA the server trusts, not expired, "
                        "or remove the client certificate if the server does not need one",
                        reason="tls_client_cert_refused",
                    )
            if "WRONG_VERSION_NUMBER" in text or "record layer failure" in text:
                return TlsError(
                    f"TLS: {host} did not answer with TLS",
                    "use http:// in server_url if the server does not use TLS",
                    reason="tls_not_tls",
                )
    for e in _chain(exc):
        if isinstance(e, ssl.SSLError):
            return TlsError(f"TLS handshake with {host} failed: {e.reason or e}", reason="tls_handshake")
    return None


def connect_failure(exc: BaseException, host: str, port: int | None) -> Unreachable:
    """Explain a failure to open a connection (the request never reached the server)."""
    tls = tls_failure(exc, host)
    if tls is not None:
        return tls
    where = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    for e in _chain(exc):
        if isinstance(e, socket.gaierror) or "Name or service not known" in str(e) or "nodename nor servname" in str(e):
            return DnsError(f"cannot resolve the host name {host}", reason="dns")
        if isinstance(e, ConnectionRefusedError) or "Connection refused" in str(e):
            return ConnectionRefused(f"connection refused by {where}: nothing listens there", reason="refused")
    text = visible(str(exc)) or type(exc).__name__
    if "Temporary failure in name resolution" in text:
        return DnsError(f"cannot resolve the host name {host} (DNS unavailable)", reason="dns")
    return Unreachable(f"cannot connect to {where}: {text}", "check the network path to the server", reason="connect")


def proxy_failure(exc: BaseException, proxy_host: str) -> ProxyError:
    """Explain a failure of the forward proxy (CONNECT refused, 407, unreachable)."""
    text = visible(str(exc))
    if "407" in text:
        return ProxyError(
            f"the proxy {proxy_host} requires authentication (407)",
            "check basic_auth_username/basic_auth_password or custom_auth_header in proxy_params",
            reason="proxy_407",
        )
    for e in _chain(exc):
        if isinstance(e, ConnectionRefusedError) or "Connection refused" in str(e):
            return ProxyError(
                f"the proxy {proxy_host} is unreachable (connection refused)",
                "check proxy_params.url, or HTTPS_PROXY/NO_PROXY in your environment",
                reason="proxy_unreachable",
            )
        if isinstance(e, socket.gaierror):
            return ProxyError(f"cannot resolve the proxy host {proxy_host}", reason="proxy_dns")
    return ProxyError(
        f"the proxy {proxy_host} refused to open a tunnel to the KMS ({text or 'no reason given'})",
        "ask the proxy administrator to allow CONNECT to the KMS host and port, or add the KMS "
        "host to proxy_params.exclusion_list",
        reason="proxy_tunnel_refused",
    )
