"""A hostile or broken "KMS" on loopback: a plain asyncio socket server in a background thread
that reads each HTTP request and answers it badly, on purpose.

Modes (``HostileServer(mode)``, or ``.mode = ...`` between requests; ``paths`` maps a request
path to a mode to override it for that path only):

* ``silent``: accept, read the request, never answer (the connection stays open);
* ``drip``: a 200 header at once, then the body one byte a second;
* ``never-ending-headers``: a status line, then one short header line every 0.2 s, for ever;
* ``header-flood``: a status line, then header lines as fast as the socket takes them;
* ``endless-chunked``: a 200 chunked answer of JSON-looking bytes that never ends;
* ``huge-body``: a 200 answer with no length, streamed as fast as possible until the client leaves;
* ``huge-declared``: a 200 answer declaring ``Content-Length`` of 8 GiB (then streaming);
* ``gzip-bomb``: ~10 MB of gzip (``Content-Encoding: gzip``) that inflates to ~10 GiB;
* ``html-404``: a 404 web page (``text/html``, title ``404 Not Found``, a long page body);
* ``html-502``: a proxy's 502 web page;
* ``html-200``: the same 404 page with status 200 (a web server's catch-all page);
* ``not-ttlv``: a 200 ``application/json`` answer that is not JSON (text with terminal escapes);
* ``json-not-ttlv``: a 200 JSON object that is not KMIP TTLV;
* ``wrong-shape-ttlv``: a 200 ``CreateResponse`` TTLV without ``UniqueIdentifier`` (for any
  KMIP request: ``<Operation>Response`` without it);
* ``ok-json``: 200 ``{"user":"x"}`` (a well-behaved answer, for mixing with ``paths``).

``requests`` lists ``(method, path, body)`` of every request read. Nothing here imports kms_tui.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
from dataclasses import dataclass, field

PAGE_404 = (
    "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>404 Not Found</title>"
    "<style>body{font-family:sans-serif}</style><script>var tracking = 'x';</script></head>\n<body>"
    + "<h1>Not Found</h1><p>The requested URL was not found on this server.</p>" * 40
    + "<!-- PAGE-BODY-MARKER --></body></html>\n"
)
PAGE_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
    "</center>\r\n<hr><center>nginx/1.25.3</center>\r\n<!-- PAGE-BODY-MARKER --></body>\r\n</html>\r\n"
)
NOT_TTLV = b"OK \x1b[2J\x1b[31mhello from a web server\x07 \xe2\x80\xae reversed " + b"x" * 300
JSON_NOT_TTLV = json.dumps({"status": "ok", "message": "welcome", "items": list(range(50))}).encode()
_BOMB_MEMBER_ZEROS = 64 * 1024 * 1024  # one gzip member: 64 MiB of zeros, ~65 kB compressed
_BOMB_MEMBERS = 160  # ~10 MB on the wire, ~10 GiB inflated


def _bomb() -> bytes:
    member = gzip.compress(b"\0" * _BOMB_MEMBER_ZEROS, compresslevel=9)
    return member * _BOMB_MEMBERS


@dataclass
class HostileServer:
    mode: str = "silent"
    paths: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, str, bytes]] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0

    def __post_init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None  # made by start(): one never started leaks none
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="hostile-server")
        self._bomb: bytes | None = None

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> HostileServer:
        if self.mode == "gzip-bomb" or "gzip-bomb" in self.paths.values():
            self._bomb = _bomb()
        self.loop = asyncio.new_event_loop()
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the hostile server did not start")
        return self

    def stop(self) -> None:
        if self._thread.is_alive() and self.loop is not None:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        loop = self.loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(asyncio.start_server(self._handle, self.host, 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        loop.run_forever()
        server.close()
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for t in pending:
            t.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(asyncio.sleep(0))  # the closed transports release their sockets
        loop.close()

    # -- one connection ---------------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                self.requests.append(request)
                mode = self.paths.get(request[1], self.mode)
                keep_going = await self._answer(mode, request, writer)
                if not keep_going:
                    return
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - already gone
                pass

    async def _answer(self, mode: str, request: tuple[str, str, bytes], w: asyncio.StreamWriter) -> bool:
        """Write the answer for ``mode``; True when the connection may serve another request."""
        if mode == "silent":
            await asyncio.sleep(3600)
            return False
        if mode == "drip":
            w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
            await w.drain()
            for _ in range(100000):
                w.write(b" ")
                await w.drain()
                await asyncio.sleep(1)
            return False
        if mode in ("never-ending-headers", "header-flood"):
            w.write(b"HTTP/1.1 200 OK\r\n")
            i = 0
            while True:
                i += 1
                w.write(b"X-Padding-%d: a\r\n" % i)
                await w.drain()
                if mode == "never-ending-headers":
                    await asyncio.sleep(0.2)
        if mode == "endless-chunked":
            w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            piece = b'{"object_id":"00000000-0000-0000-0000-000000000000","state":"Active"},' * 900
            w.write(b"%x\r\n[\r\n" % 1)
            while True:
                w.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                await w.drain()
        if mode in ("huge-body", "huge-declared"):
            length = b"Content-Length: 8589934592\r\n" if mode == "huge-declared" else b"Connection: close\r\n"
            w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + length + b"\r\n[")
            piece = b"1," * 32768
            while True:
                w.write(piece)
                await w.drain()
        if mode == "gzip-bomb":
            assert self._bomb is not None
            w.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                b"Content-Length: %d\r\n\r\n" % len(self._bomb)
            )
            for start in range(0, len(self._bomb), 65536):
                w.write(self._bomb[start : start + 65536])
                await w.drain()
            return False
        if mode == "html-404":
            return await _send(w, 404, "Not Found", "text/html; charset=utf-8", PAGE_404.encode())
        if mode == "html-200":
            return await _send(w, 200, "OK", "text/html", PAGE_404.encode())
        if mode == "html-502":
            return await _send(w, 502, "Bad Gateway", "text/html", PAGE_502.encode())
        if mode == "not-ttlv":
            return await _send(w, 200, "OK", "application/json", NOT_TTLV)
        if mode == "json-not-ttlv":
            return await _send(w, 200, "OK", "application/json", JSON_NOT_TTLV)
        if mode == "wrong-shape-ttlv":
            try:
                operation = json.loads(request[2]).get("tag", "Create")
            except ValueError:
                operation = "Create"
            body = {
                "tag": f"{operation}Response",
                "type": "Structure",
                "value": [{"tag": "ObjectType", "type": "Enumeration", "value": "SymmetricKey"}],
            }
            return await _send(w, 200, "OK", "application/json", json.dumps(body).encode())
        if mode == "ok-json":
            return await _send(w, 200, "OK", "application/json", b'{"user":"hostile"}')
        raise ValueError(f"unknown mode {mode!r}")


async def _send(w: asyncio.StreamWriter, status: int, phrase: str, content_type: str, body: bytes) -> bool:
    head = f"HTTP/1.1 {status} {phrase}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    w.write(head.encode() + body)
    await w.drain()
    return True


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, _, rest = lines[0].partition(" ")
    path = rest.partition(" ")[0]
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip() or 0)
    try:
        body = await reader.readexactly(length) if length else b""
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    return method, path, body
