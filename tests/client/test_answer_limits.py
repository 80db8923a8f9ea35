"""The client's limits in-process: the listing cap (larger than one answer's), what counts as a
web page (Cosmian's own plain-text errors are sent as text/html), a refused loopback connection
named after one attempt, the deadline's default, and settings.toml's [limits]."""

from __future__ import annotations

import socket

import httpx
import pytest

from kms_tui.client import ConnectionRefused, ConnectionSettings, KmsClient, ObjectNotFound, RetryPolicy, errors
from kms_tui.client.limits import AnswerLimits, MiB
from kms_tui.client.retry import Failure, classify, is_loopback
from tests.support.hostile import PAGE_404, HostileServer

FAST = RetryPolicy(timeout=3, attempts=2, backoff=0.05)


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


def client(url: str, **limits) -> KmsClient:
    return KmsClient(
        ConnectionSettings.from_http_config({"server_url": url}), retry=FAST, limits=AnswerLimits(**limits)
    )


@pytest.mark.timeout(60)
async def test_listings_get_the_listing_cap(hostile):
    server = hostile("endless-chunked")
    async with client(server.url, max_answer_bytes=1 * MiB, max_listing_answer_bytes=4 * MiB) as c:
        with pytest.raises(errors.AnswerTooLarge) as listing:
            await c.access_owned_json()
        with pytest.raises(errors.AnswerTooLarge) as one:
            await c.server_info()
    assert "access/owned" in listing.value.message and "4 MiB cap for listings" in listing.value.message
    assert "max_listing_answer_mb" in listing.value.fix
    assert "1 MiB cap for one answer" in one.value.message and "max_answer_mb" in one.value.fix
    assert listing.value.exit_code == 4


@pytest.mark.timeout(60)
async def test_a_listing_that_is_not_json_is_a_protocol_error(hostile):
    server = hostile("not-ttlv")
    async with client(server.url) as c:
        with pytest.raises(errors.ProtocolError) as err:
            await c.access_owned_json()
    assert "is not a JSON array" in err.value.message and "\\x1b[2J" in err.value.message


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("mode", "error"), [("html-404", errors.ServerRefused), ("html-200", errors.ProtocolError)])
async def test_the_connect_check_sums_up_a_web_page(hostile, mode, error):
    """The console's connect screen shows ``version()``'s message and fix: a title, never the page."""
    server = hostile(mode)
    async with client(server.url) as c:
        with pytest.raises(error) as err:
            await c.version()
    assert "a web page titled “404 Not Found”" in err.value.message
    assert "PAGE-BODY-MARKER" not in err.value.describe() and "<" not in err.value.describe()
    assert len(err.value.fix) < 100


def test_cosmian_plain_errors_sent_as_text_html_are_not_web_pages():
    # Cosmian 5.26 answers its errors with Content-Type text/html and a plain-text body (routes/mod.rs)
    err = errors.from_http_status(422, "Item_Not_Found: x-1", "Get", "x-1", "text/html; charset=utf-8")
    assert isinstance(err, ObjectNotFound)
    page = errors.from_http_status(403, PAGE_404, "Locate", "", "text/html")
    assert "a web page titled “404 Not Found”" in page.message and "<h1>" not in page.message
    assert errors.is_html("<HTML><HEAD><TITLE>x</TITLE>", "") and not errors.is_html("Access denied: <x>", "text/html")


def test_a_title_is_escaped_and_truncated():
    title = errors.html_title("<title>\x1b[31m" + "&lt;long&gt; " * 40 + "</title>")
    assert title.startswith("\\x1b[31m<long> ") and len(title) == 80 and title.endswith("…")


def test_loopback_refusals_are_final_elsewhere_retried():
    refused = httpx.ConnectError("[Errno 111] Connection refused")
    refused.__cause__ = ConnectionRefusedError(111, "Connection refused")
    assert classify(refused, loopback=True) is Failure.PERMANENT
    assert classify(refused, loopback=False) is Failure.NEVER_SENT  # a remote server may be restarting
    for host in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST."):
        assert is_loopback(host), host
    for host in ("10.0.0.1", "kms.example", "::2"):
        assert not is_loopback(host), host


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
async def test_a_refused_loopback_connection_is_named_after_one_attempt(host, unused_tcp_port):
    if host == "[::1]" and not _ipv6_loopback():
        pytest.skip("no IPv6 loopback here")
    async with client(f"http://{host}:{unused_tcp_port}") as c:
        with pytest.raises(ConnectionRefused) as err:
            await c.version()
        assert c.exchange.round_trips == 1
    assert "nothing listens" in err.value.message


def test_the_default_deadline_is_what_the_retries_would_take():
    assert RetryPolicy(timeout=5, attempts=2, backoff=0.5, jitter=0.3).worst_case() == pytest.approx(5 * 2 + 0.65 + 1)
    assert AnswerLimits(deadline=7).deadline_for(RetryPolicy()) == 7


def test_limits_come_from_settings_toml_profile_first(tmp_path):
    from kms_tui.config.settings import ProfileSettings, Settings, client_options

    settings = Settings.model_validate(
        {"retry": {"timeout_seconds": 4}, "limits": {"max_answer_mb": 2, "deadline_seconds": 9}}
    )
    options = client_options(None, settings)
    assert options["retry"].timeout == 4 and options["limits"].max_answer_bytes == 2 * MiB
    assert options["limits"].max_listing_answer_bytes == 512 * MiB and options["limits"].deadline == 9

    class Resolved:
        settings = ProfileSettings.model_validate({"limits": {"max_listing_answer_mb": 64}})

    assert client_options(Resolved(), settings)["limits"].max_listing_answer_bytes == 64 * MiB
