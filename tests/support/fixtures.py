"""The suite's shared fixtures, in one pytest plugin (registered by ``tests/conftest.py``).

Test modules never import a fixture: every fixture used by more than one directory lives here,
and one used by a single directory lives in that directory's ``conftest.py``. Helpers (functions,
classes) live in non-test modules (``tests/support/``, ``tests/<dir>/support/``) and are imported.
Heavy libraries (boto3, the fake Vault) are imported inside their fixture, so that every run does
not pay for them.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.client.support.certs import Issued, issue, make_ca
from tests.server.kmip import Kmip
from tests.support.idp import Idp, start_mock_idp, start_strict_idp
from tests.support.sandbox import Sandbox, start_sandbox

DATA = Path(__file__).resolve().parents[1] / "data"  # vendored test data: tests/data/PROVENANCE.md


# -- every test ----------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Every test gets its own kms-tui home and no ckms config from the machine."""
    monkeypatch.setenv("KMS_TUI_HOME", str(tmp_path / "kms-tui-home"))
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    monkeypatch.delenv("CKMS_CONF", raising=False)
    (tmp_path / "user-home").mkdir(exist_ok=True)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The vendored reference material (`tests/data/`, see its PROVENANCE.md)."""
    return DATA


# -- sandboxes -----------------------------------------------------------------------------------
@pytest.fixture
def sandbox(tmp_path) -> Iterator[Sandbox]:
    """A fresh sandbox KMS with no authentication (user `admin`), over plain HTTP."""
    sb = start_sandbox(tmp_path / "sandbox")
    yield sb
    sb.stop()


@pytest.fixture(scope="module")
def kmip(tmp_path_factory) -> Iterator[Kmip]:
    """One sandbox (no auth, user `admin`) shared by a test module; tests use their own objects."""
    sb = start_sandbox(tmp_path_factory.mktemp("sandbox"))
    client = Kmip(sb.url)
    client.sandbox = sb  # type: ignore[attr-defined]
    yield client
    client.close()
    sb.stop()


# -- TLS and proxies (client and console tests) --------------------------------------------------
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

    def user_confs(self, server_url: str, stem: str) -> dict[str, dict[str, str]]:
        """The ``http_config`` of alice and bob signing in with their client certificates."""
        confs = {}
        for who, issued in (("alice", self.alice), ("bob", self.bob)):
            cert, key = self.write(issued, f"{who}-{stem}")
            confs[who] = {
                "server_url": server_url,
                "verified_cert": self.ca.cert_pem.decode(),
                "tls_client_pem_cert_path": str(cert),
                "tls_client_pem_key_path": str(key),
            }
        return confs

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

    def start(
        server: Issued | None = None, *, client_ca: bool = False, extra: str = "", db: Path | None = None
    ) -> Sandbox:
        work = tmp_path / f"tls-sandbox-{len(started)}"
        sb = start_sandbox(work, config_toml=server_toml(pki, server, client_ca=client_ca, extra=extra), db=db)
        started.append(sb)
        return sb

    yield start
    for sb in started:
        sb.stop()


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
            [
                sys.executable,
                "-m",
                "proxy",
                "--hostname",
                "127.0.0.1",
                "--port",
                "0",
                "--port-file",
                str(port_file),
                "--basic-auth",
                "user:pass",
                "--num-workers",
                "1",
                "--num-acceptors",
                "1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (port_file.exists() and port_file.read_text().strip()):
        time.sleep(0.1)
    port = int(port_file.read_text().strip())
    fp = ForwardProxy(f"http://127.0.0.1:{port}", port, proc, log)
    time.sleep(0.3)  # the port file is written just before the acceptor starts
    yield fp
    fp.stop()


# -- identity providers --------------------------------------------------------------------------
@pytest.fixture
def mock_idp(tmp_path) -> Iterator[Idp]:
    idp = start_mock_idp(tmp_path / "idp")
    yield idp
    idp.stop()


@pytest.fixture
def strict_idp(tmp_path) -> Iterator[Idp]:
    idp = start_strict_idp(tmp_path / "op")
    yield idp
    idp.stop()


# -- secret backends -----------------------------------------------------------------------------
AWS_REGION = "eu-west-1"
_ALLOW_ALL = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'


@pytest.fixture(scope="module")
def moto_server(tmp_path_factory) -> Iterator[tuple[str, str, str]]:
    """moto's server on a loopback port; after 3 setup calls every request must be signed right.

    Yields (url, access key id, secret access key) of an IAM user allowed everything.
    """
    import boto3.session

    log = tmp_path_factory.mktemp("moto") / "moto.log"
    env = {"INITIAL_NO_AUTH_ACTION_COUNT": "3", "PATH": "/usr/bin:/bin"}
    with open(log, "wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline, url = time.monotonic() + 30, None
        while url is None and time.monotonic() < deadline:
            match = re.search(r"Running on (http://127\.0\.0\.1:\d+)", log.read_text(errors="replace"))
            url = match.group(1) if match else time.sleep(0.1)
        assert url, log.read_text(errors="replace")
        setup = {
            "endpoint_url": url,
            "region_name": AWS_REGION,
            "aws_access_key_id": "setup",
            "aws_secret_access_key": "setup",
        }
        iam = boto3.session.Session().client("iam", **setup)
        iam.create_user(UserName="console")
        iam.put_user_policy(UserName="console", PolicyName="all", PolicyDocument=_ALLOW_ALL)
        key = iam.create_access_key(UserName="console")["AccessKey"]
        signed = {**setup, "aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
        ssm = boto3.session.Session().client("ssm", **signed)
        ssm.put_parameter(Name="/kms-console/prod/api-token", Value="s3cr3t-token", Type="SecureString")
        ssm.put_parameter(Name="/kms-console/prod/db-password", Value="db-pw-7", Type="SecureString")
        yield url, key["AccessKeyId"], key["SecretAccessKey"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def moto_ssm(moto_server, monkeypatch) -> str:
    """The standard AWS environment pointing at moto with the IAM user's real keys."""
    url, key_id, secret = moto_server
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return url


@pytest.fixture
def vault_server(monkeypatch) -> Iterator[Any]:
    """The fake Vault (KV v2, Vault's REST API) on loopback, with two secrets; VAULT_ADDR/TOKEN set."""
    from tests.config.fakes import vault
    from tests.config.fakes.server import serve

    vault.SECRETS.clear()
    vault.SECRETS[("secret", "kms-console/prod")] = {"api_token": "s3cr3t-api-token"}
    vault.SECRETS[("secret", "kms-console/db")] = {"value": "db-pass-42"}
    with serve(vault.VaultHandler) as server:
        monkeypatch.setenv("VAULT_ADDR", server.url)
        monkeypatch.setenv("VAULT_TOKEN", vault.TOKEN)
        yield server
