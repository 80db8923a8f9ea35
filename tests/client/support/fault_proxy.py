"""A loopback reverse proxy in front of the sandbox that injects faults, and a proxy that
refuses CONNECT. Both run an asyncio server in a background thread on port 0.

Fault modes (set ``FaultProxy.mode`` between requests):

* ``"pass"``: forward everything;
* ``"503"``: answer 503 to the next ``fail_count`` requests, then forward;
* ``"drop"``: forward a request whose operation is in ``drop_ops`` (default Create and
  CreateKeyPair) to the sandbox, read its answer, then close the client connection without
  answering (only the first ``drop_count`` such requests);
* ``"delay"``: forward, then wait ``delay`` seconds before answering.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit


async def _read_request(reader: asyncio.StreamReader) -> tuple[bytes, dict[str, str], bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
    return head, headers, body


class _Background:
    """An asyncio server on 127.0.0.1:0 running in its own thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> _Background:
        self._thread.start()
        self._ready.wait(10)
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._server = server
        self._ready.set()
        self.loop.run_forever()
        server.close()
        pending = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
        for t in pending:
            t.cancel()
        self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.run_until_complete(asyncio.sleep(0))  # the closed transports release their sockets
        self.loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self.handle(reader, writer)
        finally:  # a connection its handler leaves open is closed here, not by the garbage collector
            writer.close()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


@dataclass
class Seen:
    path: str
    body: bytes
    answered: bool
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def operation(self) -> str:
        """The bare operation's tag (``Create``, ``Locate``…) or ``RequestMessage``."""
        import json

        try:
            return str(json.loads(self.body).get("tag", ""))
        except ValueError:
            return ""


class FaultProxy(_Background):
    def __init__(self, upstream: str) -> None:
        super().__init__()
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.mode = "pass"
        self.fail_count = 2
        self.delay = 5.0
        self.drop_ops = {"Create", "CreateKeyPair"}
        self.drop_count = 1
        self.received = 0  # requests read from clients, answered or not
        self.missing_paths: set[str] = set()  # answered 404, as an older server would
        self.seen: list[Seen] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                req = await _read_request(reader)
                if req is None:
                    return
                head, headers, body = req
                self.received += 1
                path = head.split(b" ", 2)[1].decode()
                if path in self.missing_paths:
                    self.seen.append(Seen(path, body, False, headers))
                    msg = f"Route not supported: {path}".encode()
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: %d\r\n\r\n%s" % (len(msg), msg))
                    await writer.drain()
                    continue
                if self.mode == "503" and self.fail_count > 0:
                    self.fail_count -= 1
                    self.seen.append(Seen(path, body, False, headers))
                    writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 19\r\n\r\nService Unavailable")
                    await writer.drain()
                    continue
                answer = await self._forward(head, body)
                if self.mode == "drop" and self.drop_count > 0 and Seen(path, body, False).operation in self.drop_ops:
                    self.drop_count -= 1
                    self.seen.append(Seen(path, body, False, headers))
                    writer.transport.abort()  # the sandbox created it; the client never hears
                    return
                if self.mode == "delay":
                    await asyncio.sleep(self.delay)
                self.seen.append(Seen(path, body, True, headers))
                writer.write(answer)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return
        finally:
            writer.close()

    async def _forward(self, head: bytes, body: bytes) -> bytes:
        # One upstream connection per request, closed by the sandbox after its answer.
        lines = head.decode("latin-1").split("\r\n")
        kept = [ln for ln in lines[1:] if ln and not ln.lower().startswith(("connection:", "keep-alive:"))]
        new_head = "\r\n".join([lines[0], *kept, "Connection: close", "", ""]).encode("latin-1")
        r, w = await asyncio.open_connection(*self.upstream)
        w.write(new_head + body)
        await w.drain()
        answer = await r.read()
        w.close()
        return _ensure_length(answer)


def _ensure_length(answer: bytes) -> bytes:
    """Re-frame a Connection: close answer with a Content-Length so the client can keep-alive."""
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = [
        ln
        for ln in head.split(b"\r\n")
        if not ln.lower().startswith((b"content-length:", b"transfer-encoding:", b"connection:"))
    ]
    if b"chunked" in head.lower():
        body = _dechunk(body)
    lines.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _dechunk(data: bytes) -> bytes:
    out, rest = b"", data
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2 :]
    return out


@dataclass
class RefusingProxy(_Background):
    """A forward proxy that answers every CONNECT with 403 (a corporate proxy's deny list)."""

    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        req = await _read_request(reader)
        if req is not None:
            self.requests.append(req[0].split(b"\r\n", 1)[0].decode())
            writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
        writer.close()


@dataclass
class FlakyTunnel(_Background):
    """A forward proxy whose first ``refuse_count`` CONNECTs answer 503 (a proxy restarting), then
    tunnels; every CONNECT must carry ``Proxy-Authorization: Basic user:password``."""

    user: str = "user"
    password: str = "pass"
    refuse_count: int = 1
    answers: list[int] = field(default_factory=list)  # the status given to each CONNECT

    def __post_init__(self) -> None:
        super().__init__()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        import base64

        req = await _read_request(reader)
        if req is None or not req[0].startswith(b"CONNECT "):
            writer.close()
            return
        expected = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        status = 407 if req[1].get("proxy-authorization") != expected else 503 if self.refuse_count > 0 else 200
        self.answers.append(status)
        if status != 200:
            self.refuse_count -= status == 503
            writer.write(b"HTTP/1.1 %d No\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" % status)
            await writer.drain()
            writer.close()
            return
        host, _, port = req[0].split(b" ")[1].decode().rpartition(":")
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except ConnectionError:
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
