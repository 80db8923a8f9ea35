"""Real identity providers (npm packages pinned in tests/idp) started on loopback ports.

`npm ci` runs once (under a file lock, so xdist workers do not race) when `node_modules` is
missing. The tests fail, never skip, when Node or the packages cannot be installed.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

IDP_DIR = Path(__file__).resolve().parents[1] / "idp"
PACKAGES = ("oauth2-mock-server", "oidc-provider")


def ensure_installed() -> None:
    """Install the pinned IdP packages with `npm ci` unless they are already there."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are needed for the identity-provider tests (install Node 20+)")
    with open(IDP_DIR / ".npm-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one installer across xdist workers
        if all((IDP_DIR / "node_modules" / p / "package.json").is_file() for p in PACKAGES):
            return
        proc = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=IDP_DIR, capture_output=True, text=True, timeout=600
        )
        if proc.returncode != 0:
            pytest.fail(f"npm ci in tests/idp failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


@dataclass
class Idp:
    """One running IdP process; `issuer` is its http://127.0.0.1:PORT base."""

    issuer: str
    proc: subprocess.Popen
    log: Path
    discovery: dict = field(default_factory=dict)

    def command(self, cmd: str, **params: object) -> None:
        """Send a control command (start-mock.mjs only) and wait for its acknowledgement."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd, **params}) + "\n")
        self.proc.stdin.flush()
        ack = json.loads(self.proc.stdout.readline())
        assert ack == {"ack": cmd}, ack

    def events(self, kind: str | None = None) -> list[dict]:
        """The JSON event lines the IdP logged (start-mock.mjs), optionally of one kind."""
        out = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                event = json.loads(line)
                if kind is None or event.get("event") == kind:
                    out.append(event)
        return out

    def wait_events(self, kind: str, count: int = 1, timeout: float = 5.0) -> list[dict]:
        """The events of `kind` once at least `count` were logged (some are logged after the reply)."""
        deadline = time.monotonic() + timeout
        while len(found := self.events(kind)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return found

    def stop(self) -> None:
        """Stop the IdP by its PID; it closes its socket on SIGTERM."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()


def _start(script: str, workdir: Path, env: dict[str, str]) -> Idp:
    ensure_installed()
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"{Path(script).stem}-{time.monotonic_ns()}.log"
    with open(log, "wb") as stderr:  # the child keeps its own descriptor; ours is closed here
        proc = subprocess.Popen(
            ["node", script, "0"],
            cwd=IDP_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env={**os.environ, **env},
            text=True,
        )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # printed only once the server listens
    if not line.startswith("{"):
        proc.kill()
        proc.wait(timeout=10)
        pytest.fail(f"{script} did not start: {line!r}\n{log.read_text(errors='replace')}")
    idp = Idp(issuer=json.loads(line)["issuer"], proc=proc, log=log)
    idp.discovery = httpx.get(idp.issuer + "/.well-known/openid-configuration", timeout=10).json()
    return idp


def start_mock_idp(workdir: Path, *, token_ttl: int = 3600, email: str = "alice@example.com") -> Idp:
    """oauth2-mock-server: no login page, any client, fault injection through `command`."""
    return _start("start-mock.mjs", workdir, {"IDP_TOKEN_TTL": str(token_ttl), "IDP_EMAIL": email})


def start_strict_idp(workdir: Path, *, token_ttl: int = 3600, device_ttl: int = 600, slow_down_at: int = 0) -> Idp:
    """oidc-provider: PKCE required, client authentication checked, device flow enabled.

    `slow_down_at=N` makes the Nth token request answer `slow_down` (a fault the IdP never sends).
    """
    env = {"IDP_TOKEN_TTL": str(token_ttl), "IDP_DEVICE_TTL": str(device_ttl), "IDP_SLOW_DOWN_AT": str(slow_down_at)}
    return _start("start-op.mjs", workdir, env)


_FORM = re.compile(r'<form[^>]*action="([^"]+)"', re.S)


def strict_idp_browser(
    url: str, *, login: str = "alice@example.com", abort: bool = False, redirect_prefix: str | None = None
) -> str | httpx.Response:
    """Play the user's browser on oidc-provider's dev pages: log in, consent, follow redirects.

    Returns the URL the IdP redirects to once it starts with `redirect_prefix` (not fetched: the
    caller fetches it to reach the app's listener, or pastes it), else the last page shown (the
    device flow's "success" page). With `abort`, the user presses "Cancel" on the login page.
    """
    with httpx.Client(timeout=10, follow_redirects=False) as browser:
        response = browser.get(url)
        for _ in range(20):
            if response.status_code in (302, 303):
                target = urllib.parse.urljoin(str(response.url), response.headers["location"])
                if redirect_prefix and target.startswith(redirect_prefix):
                    return target
                response = browser.get(target)
                continue
            text = response.text
            match = _FORM.search(text)
            if match is None or "op.deviceInputForm" in text:  # a result page, or "enter a code" again
                return response
            action = urllib.parse.urljoin(str(response.url), match.group(1))
            if 'name="login"' in text:
                if abort:
                    abort_url = re.search(r'href="([^"]*/abort)"', text)
                    assert abort_url, "no abort link on the login page"
                    response = browser.get(urllib.parse.urljoin(str(response.url), abort_url.group(1)))
                    continue
                response = browser.post(action, data={"prompt": "login", "login": login, "password": "x"})
            elif 'value="consent"' in text:
                response = browser.post(action, data={"prompt": "consent"})
            else:  # the device flow's user-code confirmation form
                fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', text))
                response = browser.post(action, data=fields)
        raise AssertionError(f"browser stuck at {response.url}: {response.text[:300]}")
