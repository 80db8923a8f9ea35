"""Fixtures for the client tests: a PKI made in the test, TLS sandboxes, proxies, a CLI runner."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kms_tui import cli
from tests.client.support.certs import Issued, issue, make_ca
from tests.support.sandbox import Sandbox, start_sandbox


@dataclass
class Pki:
    ca: Issued
    other_ca: Issued
    server: Issued
    server_ip_only: Issued
    server_expired: Issued
    alice: Issued
    bob: Issued
    stranger: Issued  # client cert from another CA
    alice_expired: Issued
    dir: Path

    def write(self, issued: Issued, stem: str, **kw: Any) -> tuple[Path, Path]:
        return issued.write_pem(self.dir, stem, **kw)

    @property
    def ca_file(self) -> Path:
        path = self.dir / "ca.crt"
        path.write_bytes(self.ca.cert_pem)
        return path


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Pki:
    """One CA with server and client certificates, plus a stranger CA (made once per worker)."""
    d = tmp_path_factory.mktemp("pki")
    ca, other = make_ca(), make_ca("another CA")
    return Pki(
        ca=ca,
        other_ca=other,
        server=issue(ca, "kms.test", server=True),
        server_ip_only=issue(ca, "kms.test", server=True, hosts=("127.0.0.1",)),
        server_expired=issue(ca, "kms.test", server=True, expired=True),
        alice=issue(ca, "alice", rsa_key=True),
        bob=issue(ca, "bob"),
        stranger=issue(other, "mallory"),
        alice_expired=issue(ca, "alice", expired=True),
        dir=d,
    )


def server_toml(pki: Pki, server: Issued | None = None, *, client_ca: bool = False, extra: str = "") -> str:
    """A sandbox kms.toml with TLS (and client-certificate authentication when asked)."""
    cert, key = pki.write(server or pki.server, f"server-{id(server)}")
    lines = ["[tls]", f'tls_cert_file = "{cert}"', f'tls_key_file = "{key}"']
    if client_ca:
        lines.append(f'clients_ca_cert_file = "{pki.ca_file}"')
    return extra + "\n" + "\n".join(lines) + "\n"


@pytest.fixture
def start_tls_sandbox(tmp_path, pki) -> Callable[..., Sandbox]:
    """Start HTTPS sandboxes; all stopped at the end of the test."""
    started: list[Sandbox] = []

    def start(server: Issued | None = None, *, client_ca: bool = False, extra: str = "",
              db: Path | None = None) -> Sandbox:
        work = tmp_path / f"tls-sandbox-{len(started)}"
        sb = start_sandbox(work, config_toml=server_toml(pki, server, client_ca=client_ca, extra=extra), db=db)
        started.append(sb)
        return sb

    yield start
    for sb in started:
        sb.stop()


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def kms_cli(capsys) -> Callable[..., CliResult]:
    """Run ``kms-tui ARGS`` in-process; returns exit code, stdout and stderr."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = cli.main([str(a) for a in args])
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


def write_conf(path: Path, http_config: dict[str, Any]) -> Path:
    """A ckms.toml holding ``[http_config]`` (nested tables for proxy_params)."""
    import tomlkit

    path.write_text(tomlkit.dumps({"http_config": http_config}))
    return path


@dataclass
class ForwardProxy:
    url: str
    port: int
    proc: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def access_log(self, expect: str = "", wait: float = 5.0) -> str:
        """The proxy's log; waits up to ``wait`` s for ``expect`` (tunnels are logged on close)."""
        deadline = time.monotonic() + wait
        text = self.log.read_text(errors="replace")
        while expect and expect not in text and time.monotonic() < deadline:
            time.sleep(0.1)
            text = self.log.read_text(errors="replace")
        return text


@pytest.fixture
def forward_proxy(tmp_path) -> ForwardProxy:
    """A real forward proxy (proxy.py) on a free loopback port, basic auth user:pass."""
    port_file, log = tmp_path / "proxy.port", tmp_path / "proxy.log"
    with open(log, "wb") as stderr:  # the child keeps its own descriptor; ours is closed here
        proc = subprocess.Popen(
            [sys.executable, "-m", "proxy", "--hostname", "127.0.0.1", "--port", "0", "--port-file", str(port_file),
             "--basic-auth", "user:pass", "--num-workers", "1", "--num-acceptors", "1"],
            stdout=subprocess.DEVNULL, stderr=stderr,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (port_file.exists() and port_file.read_text().strip()):
        time.sleep(0.1)
    port = int(port_file.read_text().strip())
    fp = ForwardProxy(f"http://127.0.0.1:{port}", port, proc, log)
    time.sleep(0.3)  # the port file is written just before the acceptor starts
    yield fp
    fp.stop()
