"""The console's listings decoded in a helper process (kms_tui.client.decoder_process): the same
rows as the thread, a small listing never starts it, a helper that dies or a hostile answer is
said plainly, and the helper runs this installation's code and ends with the client."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import pickle
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import pytest

from kms_tui.client import ConnectionSettings, KmsClient, LocateFilter, decoder_process
from kms_tui.client import requests as kmip_requests
from kms_tui.client.decoder_process import DecoderStopped, ListingDecoder, plain_loads
from kms_tui.client.errors import ProtocolError
from kms_tui.client.listing import object_pages
from kms_tui.client.owned_rows import row_fields


def client_for(url: str) -> KmsClient:
    return KmsClient(ConnectionSettings.from_http_config({"server_url": url}))


ALL = LocateFilter()


async def _fields(client: KmsClient, filters: LocateFilter = ALL, **kw) -> list[tuple]:
    rows = []
    async for page in object_pages(client, filters, from_fields=lambda f: f, **kw):
        rows += page.objects
    return rows


async def _fill(client: KmsClient, count: int) -> None:
    ops = [
        kmip_requests.create_symmetric_key(length=(128, 256)[i % 2], tags=["many", f"team-{i % 3}"], name=f"k{i:04d}")
        for i in range(count)
    ]
    assert all(r.ok for r in await client.batch(ops))


@pytest.mark.slow
async def test_the_helper_process_lists_exactly_what_the_thread_lists(sandbox):
    async with client_for(sandbox.url) as client:
        await _fill(client, 600)  # ~0.5 MB of /access/owned: several chunks
        await client.create_key_pair("rsa", tags=["many"])
        gone = await client.create_symmetric_key(tags=["many"])
        await client.revoke(gone, "Unspecified")
        await client.destroy(gone)
        await _fields(client)
        assert client.listing_decoder.pid is None  # not asked for: no helper
        for filters in (LocateFilter(), LocateFilter(tags=("team-1",)), LocateFilter(state="Destroyed")):
            in_thread = await _fields(client, filters)
            off_process = await _fields(client, filters, off_process=True)
            assert client.listing_decoder.pid is not None  # the helper decoded this one
            assert off_process == in_thread and in_thread  # same rows, same order, same values
        assert len(await _fields(client, off_process=True)) == 602
        assert [f[0] for f in await _fields(client, LocateFilter(state="Destroyed"), off_process=True)] == [gone]
        helper = psutil.Process(client.listing_decoder.pid)
        assert helper.nice() == min(psutil.Process().nice() + 10, 19)  # the console's keys go first
        assert 0 < client.listing_decoder.peak_rss_kb < 100 * 1024  # its own peak, not the console's
    assert not helper.is_running() or helper.status() == psutil.STATUS_ZOMBIE  # ended with the client


async def test_a_listing_of_one_chunk_never_starts_the_helper(sandbox):
    async with client_for(sandbox.url) as client:
        await _fill(client, 20)
        rows = await _fields(client, off_process=True)
        assert len(rows) == 20 and client.listing_decoder.pid is None


@pytest.mark.slow
async def test_a_helper_killed_mid_listing_fails_that_listing_and_the_next_one_decodes_in_a_thread(sandbox):
    async with client_for(sandbox.url) as client:
        await _fill(client, 2500)  # ~2 MB: many chunks after the first page
        pages = object_pages(client, from_fields=lambda f: f, off_process=True, page_rows=20)
        first = await anext(pages)
        assert first.objects and client.listing_decoder.pid is not None
        os.kill(client.listing_decoder.pid, signal.SIGKILL)
        with pytest.raises(DecoderStopped) as stopped:
            async for _page in pages:
                pass
        assert "helper process" in stopped.value.message and "stopped" in stopped.value.message
        assert "list again" in stopped.value.fix
        assert client.listing_decoder.unavailable  # says why it is no longer used
        rows = await _fields(client, off_process=True)  # decoded in a thread now: complete
        assert len(rows) == 2500 and len({f[0] for f in rows}) == 2500


@pytest.mark.slow
async def test_a_helper_that_hangs_mid_listing_fails_that_listing_within_the_deadline(sandbox, monkeypatch):
    """A helper stopped (SIGSTOP: an operator's kill -STOP, a starved or stuck process) answers
    nothing: the listing fails by the deadline instead of loading for ever, the helper is
    killed, and the next listing decodes in a thread."""
    monkeypatch.setattr(decoder_process, "ANSWER_TIMEOUT_S", 1.0)
    async with client_for(sandbox.url) as client:
        await _fill(client, 2500)
        pages = object_pages(client, from_fields=lambda f: f, off_process=True, page_rows=20)
        assert (await anext(pages)).objects
        helper = psutil.Process(client.listing_decoder.pid)
        helper.suspend()
        started = time.monotonic()
        with pytest.raises(DecoderStopped) as stopped:
            async for _page in pages:
                pass
        assert time.monotonic() - started < 5  # the deadline, not for ever
        assert "did not answer within 1 s" in stopped.value.message and "list again" in stopped.value.fix
        assert client.listing_decoder.unavailable and client.listing_decoder.pid is not None
        assert not helper.is_running() or helper.status() == psutil.STATUS_ZOMBIE  # killed, not left stopped
        rows = await _fields(client, off_process=True)
        assert len(rows) == 2500


async def test_a_helper_that_died_before_the_console_noticed_is_not_used_again(caplog):
    """The pipe breaks on the console's next chunk before the answers' reader has seen the end
    (the CI case): that listing fails, and the decoder says why, so the next one uses a thread."""
    decoder = ListingDecoder()
    try:
        load = await decoder.open(ALL)
        assert load is not None and decoder.pid is not None
        os.kill(decoder.pid, signal.SIGKILL)
        helper = psutil.Process(decoder.pid)
        while helper.status() != psutil.STATUS_ZOMBIE:  # gone (not reaped); the loop has not run since
            time.sleep(0.01)
        with pytest.raises(DecoderStopped) as stopped:
            for _ in range(40):  # 40 MB: more than the pipe holds, whatever its size
                await (await decoder.submit(load, b" " * (1 << 20), final=False))
        assert "helper process" in stopped.value.message
        assert decoder.unavailable and "stopped" in decoder.unavailable  # a later listing will not try it
        assert await decoder.open(ALL) is None  # and indeed does not
    finally:
        await decoder.aclose()
    await asyncio.sleep(0.05)
    gc.collect()  # asyncio's complaints (a watched pipe closed, a failure nobody took) would reach the screen
    assert not [r.getMessage() for r in caplog.records if r.name == "asyncio"]


class _OwnedServer:
    """A loopback HTTP server whose /access/owned answer is ``body`` ([] for /access/obtained)."""

    def __init__(self, body: bytes) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                data = body if self.path == "/access/owned" else b"[]"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _entry(n: int) -> dict:
    return {
        "object_id": f"id-{n:05d}",
        "state": "Active",
        "attributes": {
            "ObjectType": "SymmetricKey",
            "CryptographicAlgorithm": "AES",
            "CryptographicLength": 256,
            "Attribute": [{"VendorIdentification": "cosmian", "AttributeName": "tag", "AttributeValue": '["x"]'}],
            "Comment": "padding " * 40,
        },
    }


@pytest.mark.parametrize(
    "answer, reason",
    [
        # valid for 300 kB, then not JSON at all
        (json.dumps([_entry(n) for n in range(600)]).encode()[:-1] + b", <html>\x1b[2J</html>]", "not_json"),
        # well-formed JSON, but one entry deep in the answer is not an object
        (json.dumps([*map(_entry, range(400)), 42, *map(_entry, range(400, 600))]).encode(), "bad_entry"),
    ],
    ids=["not-json-after-300kB", "an-entry-that-is-a-number"],
)
async def test_a_hostile_answer_is_the_same_clear_error_in_the_helper_as_in_the_thread(answer, reason, caplog):
    server = _OwnedServer(answer)
    try:
        said = []
        for off_process in (False, True):
            async with client_for(server.url) as client:
                with pytest.raises(ProtocolError) as failed:
                    await _fields(client, off_process=off_process)
                said.append((failed.value.reason, failed.value.message, client.listing_decoder.pid is not None))
                assert client.listing_decoder.unavailable is None  # the helper is fine: the answer was bad
    finally:
        server.stop()
    assert said[0][:2] == said[1][:2] and said[0][0] == reason
    assert said[1][2]  # the second one did go through the helper
    assert "\x1b" not in said[0][1]
    gc.collect()  # a future whose failure nobody took logs it when collected: onto the console's screen
    assert not [r.getMessage() for r in caplog.records if r.name == "asyncio"]


async def test_the_helper_runs_this_installation_even_from_a_directory_with_shadowing_modules(
    sandbox, tmp_path, monkeypatch
):
    planted = tmp_path / "planted"
    planted.mkdir()
    marker = tmp_path / "imported"
    (planted / "json.py").write_text(f"open({str(marker)!r}, 'w').write('x')\nraise SystemExit(3)\n")
    (planted / "kms_tui").mkdir()
    (planted / "kms_tui" / "__init__.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    monkeypatch.chdir(planted)
    async with client_for(sandbox.url) as client:
        await _fill(client, 300)
        rows = await _fields(client, off_process=True)
        assert client.listing_decoder.pid is not None and client.listing_decoder.unavailable is None
    assert len(rows) == 300
    assert not marker.exists()  # neither the planted json.py nor the planted kms_tui ran


def test_what_the_helper_sends_back_may_hold_data_and_dates_only():
    from datetime import UTC, datetime

    rows = [("id", None, 1, 2.5, True, ("a",), [b"x"], {"k": "v"}, datetime(2026, 1, 2, tzinfo=UTC))]
    assert plain_loads(pickle.dumps(rows)) == rows
    with pytest.raises(pickle.UnpicklingError):
        plain_loads(pickle.dumps(os.getcwd))  # a callable: refused, not called
    with pytest.raises(pickle.UnpicklingError):
        plain_loads(pickle.dumps(Path("x")))


async def test_row_fields_keep_what_a_console_row_shows(sandbox):
    async with client_for(sandbox.url) as client:
        uid = await client.create_symmetric_key(tags=["shown", "_kept-hidden"], name="the-name")
        (summary,) = (await client.list_objects(LocateFilter(tags=("shown",)))).objects
    fields = row_fields(summary)
    assert fields[0] == uid and fields[1:5] == ("SymmetricKey", "AES", 256, "Active")
    assert fields[5] == ("shown",) and "_kept-hidden" not in fields[5]
    assert fields[7] == "the-name" and fields[8] is not None


@pytest.mark.slow
async def test_two_listings_at_once_share_one_helper_and_get_their_own_rows(sandbox):
    async with client_for(sandbox.url) as client:
        await _fill(client, 600)
        everything, team = await asyncio.gather(
            _fields(client, off_process=True), _fields(client, LocateFilter(tags=("team-2",)), off_process=True)
        )
        assert len(everything) == 600 and len(team) == 200
        assert all(f[5] == ("many", "team-2") for f in team)
        helpers = [p for p in psutil.Process().children() if "kms_tui.client.decoder_worker" in p.cmdline()]
        assert [p.pid for p in helpers] == [client.listing_decoder.pid]  # one helper for both


async def test_without_an_interpreter_to_run_the_helper_the_listing_is_decoded_in_a_thread(sandbox, monkeypatch):
    import sys

    monkeypatch.setattr(sys, "executable", "/nonexistent/python3")  # a frozen build, a broken install
    async with client_for(sandbox.url) as client:
        await _fill(client, 300)
        rows = await _fields(client, off_process=True)
        assert len(rows) == 300 and client.listing_decoder.pid is None
        assert "could not start" in (client.listing_decoder.unavailable or "")
