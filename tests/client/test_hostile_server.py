"""The real headless commands against a hostile or broken server (tests/support/hostile.py):
every command ends (one deadline per call), answers are capped (after decompression), an answer
the client cannot read is exit 4 quoting its first bytes escaped, a web page is summed up by its
title, a URL's password is never shown, and whoami honours settings.toml like every command.

Commands run as real processes (``python -m kms_tui``): a hang is caught by the subprocess
timeout (the deadline + 20 s), and a compression bomb's memory is measured on the process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from tests.support.hostile import HostileServer

ROOT = Path(__file__).resolve().parents[2]
# [retry] for these tests: deadline = 2 attempts × 2 s + back-off (0.1 s + 30 % jitter) + 1 s slack
RETRY = "[retry]\ntimeout_seconds = 2\nattempts = 2\nbackoff_seconds = 0.1\n"
DEADLINE = 2 * 2 + 0.1 * 1.3 + 1.0
ENDS = DEADLINE + 20  # a command that has not ended by then hangs


@dataclass
class Run:
    code: int
    out: str
    err: str
    peak_rss: int = 0

    @property
    def error(self) -> dict:
        return json.loads(self.out.strip().splitlines()[-1])["error"]


@pytest.fixture
def home(tmp_path) -> Path:
    """KMS_TUI_HOME of the commands, with the short [retry] above in settings.toml."""
    path = Path(os.environ["KMS_TUI_HOME"])
    (path / "config").mkdir(parents=True, exist_ok=True)
    (path / "config" / "settings.toml").write_text(RETRY)
    return path


def settings_toml(home: Path, text: str) -> None:
    (home / "config" / "settings.toml").write_text(text)


@pytest.fixture
def hostile():
    started: list[HostileServer] = []

    def start(mode: str, **kw) -> HostileServer:
        server = HostileServer(mode, **kw).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def conf_for(tmp_path: Path, url: str) -> Path:
    path = tmp_path / f"ckms-{time.monotonic_ns()}.toml"
    path.write_text(f'[http_config]\nserver_url = "{url}"\n')
    return path


def kms(tmp_path: Path, url: str | None, *args: str, timeout: float = ENDS, watch_memory: bool = False) -> Run:
    """``kms-tui ARGS --conf <url>`` as a process; its exit code, stdout, stderr (and peak RSS)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "kms_tui", *args] + (["--conf", str(conf_for(tmp_path, url))] if url else [])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    peak = 0
    if watch_memory:
        ps = psutil.Process(proc.pid)
        end = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < end:
            try:
                peak = max(peak, ps.memory_info().rss)
            except psutil.Error:
                break
            time.sleep(0.02)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"kms-tui {' '.join(args)} did not end within {timeout:g} s")
    return Run(proc.returncode, out, err, peak)


def kmip_paths(server) -> list[str]:
    """The paths of the requests that act (the ``/me`` a headless command sends beside its request
    only asks who we are, for the audit rows)."""
    return [r[1] for r in server.requests if r[1] != "/me"]


# ------------------------------------------------------------------------------------------------
# One deadline per call, however the server behaves
# ------------------------------------------------------------------------------------------------


@pytest.mark.timeout(ENDS + 30)
@pytest.mark.parametrize("mode", ["silent", "drip", "never-ending-headers"])
def test_a_read_ends_at_the_deadline(tmp_path, home, hostile, mode):
    server = hostile(mode)
    run = kms(tmp_path, server.url, "locate", "--json")
    assert run.code == 4, run.err
    assert run.error["type"] == "RequestTimeout"
    assert "127.0.0.1" in run.error["message"]
    if mode != "silent":  # a silent server trips httpx's own read timeout on each attempt first
        assert f"within {DEADLINE:g} s (the deadline of one call, retries included)" in run.error["message"]
        assert "deadline_seconds" in run.error["fix"]


@pytest.mark.timeout(ENDS + 30)
@pytest.mark.parametrize("mode", ["silent", "drip"])
def test_a_create_that_may_have_landed_is_never_replayed(tmp_path, home, hostile, mode):
    server = hostile(mode)
    run = kms(tmp_path, server.url, "create", "aes", "--json")
    assert run.code == 4, run.err
    assert run.error["type"] == "OutcomeUnknown"
    assert "may have been carried out" in run.error["message"]
    assert "locate" in run.error["fix"]
    assert kmip_paths(server) == ["/kmip/2_1"]  # sent once, never again


@pytest.mark.timeout(ENDS + 30)
def test_headers_that_flood_are_a_protocol_error(tmp_path, home, hostile):
    server = hostile("header-flood")
    run = kms(tmp_path, server.url, "create", "aes", "--json")
    assert run.code == 4, run.err
    assert run.error["type"] == "ProtocolError"
    assert "not valid HTTP" in run.error["message"] and "may have been carried out" in run.error["message"]
    assert len(kmip_paths(server)) == 1


# ------------------------------------------------------------------------------------------------
# Size caps, counted after decompression
# ------------------------------------------------------------------------------------------------


@pytest.mark.timeout(ENDS + 30)
@pytest.mark.parametrize("mode", ["endless-chunked", "huge-body", "huge-declared"])
def test_an_endless_answer_stops_at_the_cap(tmp_path, home, hostile, mode):
    server = hostile(mode)
    run = kms(tmp_path, server.url, "locate", "--json")
    assert run.code == 4, run.err
    assert run.error["type"] == "AnswerTooLarge"
    assert "the answer to Locate from 127.0.0.1 is larger than the 16 MiB cap" in run.error["message"]
    assert "max_answer_mb" in run.error["fix"] and "settings.toml" in run.error["fix"]


@pytest.mark.timeout(ENDS + 60)
def test_a_gzip_bomb_stops_at_the_cap_with_bounded_memory(tmp_path, home, hostile):
    server = hostile("gzip-bomb")  # ~10 MB on the wire that inflates to ~10 GiB
    run = kms(tmp_path, server.url, "locate", "--json", watch_memory=True)
    assert run.code == 4, run.err
    assert run.error["type"] == "AnswerTooLarge" and "16 MiB cap" in run.error["message"]
    assert 0 < run.peak_rss < 300 * 1024 * 1024  # the interpreter + the 16 MiB cap, never the inflated GiBs


@pytest.mark.timeout(ENDS + 30)
def test_whoami_takes_the_answer_cap_from_settings(tmp_path, home, hostile):
    settings_toml(home, RETRY + "[limits]\nmax_answer_mb = 1\n")
    server = hostile("huge-body")
    run = kms(tmp_path, server.url, "whoami", "--json")
    assert run.code == 4, run.err
    assert "larger than the 1 MiB cap" in run.err and "max_answer_mb" in run.err


# ------------------------------------------------------------------------------------------------
# Answers the client cannot read are errors (exit 4), never a success
# ------------------------------------------------------------------------------------------------


@pytest.mark.timeout(ENDS + 30)
def test_an_answer_that_is_not_ttlv_is_a_protocol_error_quoting_its_start(tmp_path, home, hostile):
    server = hostile("not-ttlv")
    run = kms(tmp_path, server.url, "create", "aes")
    assert run.code == 4, run.err
    assert "created" not in run.out
    assert "is not KMIP JSON TTLV" in run.err
    assert "\\x1b[2J\\x1b[31mhello from a web server\\x07 \\u202e reversed" in run.err  # escaped, visible
    assert "\x1b" not in run.err and "\u202e" not in run.err
    quoted = run.err.split("starting “", 1)[1].split("”", 1)[0]
    assert quoted.endswith("…") and quoted.count("x") < 120  # the first 120 bytes, not the whole answer
    assert len(kmip_paths(server)) == 1  # a create is not replayed after an unreadable answer


@pytest.mark.timeout(ENDS + 30)
def test_a_create_response_without_an_id_is_not_a_success(tmp_path, home, hostile):
    server = hostile("wrong-shape-ttlv")
    run = kms(tmp_path, server.url, "create", "aes", "--json")
    assert run.code == 4, run.err
    assert "None" not in run.out.replace('"reason"', "")
    assert run.error["type"] == "ProtocolError" and run.error["reason"] == "wrong_shape"
    assert "not a complete CreateResponse (no UniqueIdentifier)" in run.error["message"]
    assert "may have been carried out" in run.error["message"]


@pytest.mark.timeout(ENDS + 30)
def test_json_that_is_not_ttlv_is_a_protocol_error(tmp_path, home, hostile):
    server = hostile("json-not-ttlv")
    run = kms(tmp_path, server.url, "locate", "--json")
    assert run.code == 4, run.err
    assert run.error["type"] == "ProtocolError"
    assert '{"status": "ok", "message": "welcome"' in run.error["message"]


# ------------------------------------------------------------------------------------------------
# Web pages are summed up, never dumped
# ------------------------------------------------------------------------------------------------


@pytest.mark.timeout(ENDS + 30)
def test_a_404_web_page_is_summed_up_by_its_title(tmp_path, home, hostile):
    server = hostile("html-404")
    run = kms(tmp_path, server.url, "locate", "--json")
    assert run.code == 1, run.err
    message, fix = run.error["message"], run.error["fix"]
    assert "HTTP 404, a web page titled “404 Not Found”" in message
    for page_text in ("PAGE-BODY-MARKER", "<h1>", "tracking", "<!DOCTYPE"):
        assert page_text not in run.err and page_text not in run.out
    assert len(message) < 160 and len(fix) < 80


@pytest.mark.timeout(ENDS + 30)
def test_a_proxy_error_page_and_whoami(tmp_path, home, hostile):
    server = hostile("html-502")
    run = kms(tmp_path, server.url, "whoami")
    assert run.code == 1, run.err
    assert "HTTP 502, a web page titled “502 Bad Gateway”" in run.out + run.err
    assert "PAGE-BODY-MARKER" not in run.out + run.err and "nginx" not in run.out + run.err


# ------------------------------------------------------------------------------------------------
# whoami honours settings.toml; URLs never show a password
# ------------------------------------------------------------------------------------------------


@pytest.mark.timeout(ENDS + 30)
def test_whoami_honours_retry_settings(tmp_path, home, hostile):
    server = hostile("drip")
    run = kms(tmp_path, server.url, "whoami", "--json")  # the default retry policy would take ~92 s
    assert run.code == 4, run.err
    assert f"within {DEADLINE:g} s" in run.err


@pytest.mark.timeout(40)
def test_whoami_honours_the_deadline_setting(tmp_path, home, hostile):
    settings_toml(home, "[limits]\ndeadline_seconds = 2\n")  # [retry] left at 30 s × 3
    server = hostile("silent")
    run = kms(tmp_path, server.url, "whoami", timeout=25)
    assert run.code == 4, run.err
    assert "within 2 s (the deadline of one call, retries included)" in run.err


@pytest.mark.timeout(ENDS + 30)
def test_a_password_in_the_server_url_is_never_shown(tmp_path, home, hostile):
    server = hostile("html-404", paths={"/me": "ok-json"})
    url = f"http://operator:s3cret-pw@127.0.0.1:{server.port}"
    for args in (["whoami"], ["whoami", "--json"], ["locate"], ["locate", "--json"]):
        run = kms(tmp_path, url, *args)
        assert "s3cret-pw" not in run.out + run.err, args
    whoami = kms(tmp_path, url, "whoami", "--json")
    assert json.loads(whoami.out)["server_url"] == f"http://operator:••••••@127.0.0.1:{server.port}"
    audit = kms(tmp_path, None, "audit", "--json")
    assert audit.code == 0 and "s3cret-pw" not in audit.out
    assert f"127.0.0.1:{server.port}" in audit.out  # the rows are there, with the server masked


def test_a_password_in_a_refused_url_is_not_in_the_error(tmp_path, home, unused_tcp_port):
    run = kms(tmp_path, f"http://operator:s3cret-pw@127.0.0.1:{unused_tcp_port}", "locate", "--json")
    assert run.code == 4 and run.error["type"] == "ConnectionRefused"
    assert "s3cret-pw" not in run.out + run.err
    bad = kms(tmp_path, f"ftp://operator:s3cret-pw@127.0.0.1:{unused_tcp_port}", "locate")
    assert bad.code == 3 and "s3cret-pw" not in bad.out + bad.err and "••••••" in bad.err
