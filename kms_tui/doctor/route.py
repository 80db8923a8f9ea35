"""The network path to a KMS as the client takes it: direct, or through a forward proxy (the
profile's ``proxy_params``, else HTTPS_PROXY/HTTP_PROXY/ALL_PROXY minus NO_PROXY), and the raw
streams the doctor opens along it (TCP, the proxy's CONNECT tunnel, TLS, one HTTP request)."""

from __future__ import annotations

import asyncio
import base64
import ssl
import urllib.request
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import unquote, urlsplit

from kms_tui.client.settings import ConnectionSettings
from kms_tui.client.transport import build_proxy
from kms_tui.safetext import mask_url

MAX_HEAD = 64 * 1024  # an answer's status line and headers, at most


@dataclass
class Route:
    host: str
    port: int
    tls: bool
    proxy_url: str = ""  # masked when shown
    proxy_host: str = ""
    proxy_port: int = 0
    proxy_source: str = ""  # "proxy_params" or "environment"
    proxy_headers: dict[str, str] = field(default_factory=dict, repr=False)
    bypass: str = ""  # why the proxy is not used for this host (the matching exclusion entry)

    @property
    def target(self) -> tuple[str, int]:
        """Where the TCP connection goes: the proxy when there is one, else the server."""
        return (self.proxy_host, self.proxy_port) if self.proxy_host else (self.host, self.port)

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def matching_exclusion(entries: tuple[str, ...], host: str) -> str:
    """The exclusion_list entry that sends ``host`` direct (ckms's rule), or ""."""
    host = host.lower().rstrip(".")
    for entry in entries:
        e = entry.strip().lower()
        if e and ((e.startswith(".") and host.endswith(e)) or host == e):
            return entry
    return ""


def route_of(settings: ConnectionSettings) -> Route:
    route = Route(settings.host, settings.port, settings.server_url.startswith("https"))
    if settings.proxy is not None:  # a configured proxy replaces the environment, as in ckms
        route.bypass = matching_exclusion(settings.proxy.exclusion_list, settings.host)
        if route.bypass:
            return route
        _use_proxy(route, settings.proxy.url, "proxy_params")
        route.proxy_headers = dict(build_proxy(settings.proxy).headers)
        return route
    env = urllib.request.getproxies_environment()
    url = env.get("https" if route.tls else "http") or env.get("all")
    if url:
        # Undocumented but public since Python 2 (urllib's own proxy_bypass uses it); not in typeshed.
        if urllib.request.proxy_bypass_environment(settings.host):  # type: ignore[attr-defined]
            route.bypass = "NO_PROXY"
            return route
        _use_proxy(route, url, "environment")
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.username:
            raw = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            route.proxy_headers = {"Proxy-Authorization": "Basic " + base64.b64encode(raw).decode()}
    return route


def _use_proxy(route: Route, url: str, source: str) -> None:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    route.proxy_url = mask_url(url)
    route.proxy_host = parts.hostname or ""
    route.proxy_port = parts.port or (443 if parts.scheme == "https" else 80)
    route.proxy_source = source


async def open_tcp(route: Route, timeout: float) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = route.target
    return await asyncio.wait_for(asyncio.open_connection(host, port, limit=MAX_HEAD), timeout)


@dataclass
class Answer:
    status: int
    reason: str
    headers: dict[str, str]

    @property
    def date(self) -> float | None:
        """The answer's ``Date`` header as a Unix time."""
        try:
            return parsedate_to_datetime(self.headers.get("date", "")).timestamp()
        except (TypeError, ValueError):
            return None


async def read_head(reader: asyncio.StreamReader, timeout: float) -> Answer:
    """The status line and headers of an HTTP answer (ValueError when it is not HTTP)."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(lines[0][:80])
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return Answer(int(parts[1]), parts[2] if len(parts) > 2 else "", headers)


async def connect_tunnel(
    route: Route, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout: float
) -> Answer:
    """Ask the proxy for a tunnel to the server (``CONNECT host:port``)."""
    lines = [
        f"CONNECT {route.authority} HTTP/1.1",
        f"Host: {route.authority}",
        *(f"{k}: {v}" for k, v in route.proxy_headers.items()),
    ]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()
    return await read_head(reader, timeout)


async def start_tls(route: Route, writer: asyncio.StreamWriter, context: ssl.SSLContext, timeout: float) -> None:
    await asyncio.wait_for(writer.start_tls(context, server_hostname=route.host), timeout)


async def get(
    route: Route,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    path: str,
    timeout: float,
    *,
    absolute: bool = False,
) -> Answer:
    """One ``GET path`` on an open stream (absolute-form for a plain-HTTP proxy)."""
    target = f"http://{route.authority}{path}" if absolute else path
    lines = [f"GET {target} HTTP/1.1", f"Host: {route.authority}", "Accept: application/json", "Connection: close"]
    if absolute:
        lines += [f"{k}: {v}" for k, v in route.proxy_headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()
    return await read_head(reader, timeout)
