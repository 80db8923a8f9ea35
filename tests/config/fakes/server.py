"""Run a BaseHTTPRequestHandler on a loopback port (0 = any free one) in a thread, optionally TLS."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class JsonHandler(BaseHTTPRequestHandler):
    """Helpers shared by the fakes: JSON replies, request log, quiet."""

    protocol_version = "HTTP/1.1"
    requests: list[tuple[str, str]]  # set per server: (method, path) of every request

    def reply(self, code: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def log_request(self, code="-", size="-") -> None:
        self.server.log.append((self.command, self.path))  # type: ignore[attr-defined]

    def log_message(self, *args) -> None:
        pass


@contextmanager
def serve(handler: type[JsonHandler], tls: tuple[Path, Path] | None = None) -> Iterator[ThreadingHTTPServer]:
    """Yield the running server (``server.url``, ``server.log``); shut down and closed on exit."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.log = []  # type: ignore[attr-defined]
    scheme = "http"
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(tls[0]), str(tls[1]))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    server.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
