"""`kms-tui locate --json` writes its document as the objects arrive (one object a line) instead
of building the whole list: the same objects as the client's full listing, in bounded memory
(benchmarks/bench_locate_stream.py measures 100,000 objects)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kms_tui.client import ConnectionSettings, KmsClient
from kms_tui.client import requests as kmip_requests
from kms_tui.client.json_slices import ArrayEntries
from tests.client.conftest import write_conf
from tests.client.support.fault_proxy import FaultProxy, _read_request

ROOT = Path(__file__).resolve().parents[2]


async def _fill(url: str) -> set[str]:
    async with KmsClient(ConnectionSettings.from_http_config({"server_url": url})) as client:
        results = await client.batch([kmip_requests.create_symmetric_key(tags=["bulk"]) for _ in range(1100)])
        assert all(r.ok for r in results)
        await client.create_key_pair("rsa", tags=["other"])
        return {o.uid for o in (await client.list_objects()).objects}


@pytest.mark.slow
def test_locate_json_past_the_cap_streams_every_object_one_a_line(sandbox, kms_cli, tmp_path):
    everything = asyncio.run(_fill(sandbox.url))
    conf = write_conf(tmp_path / "ckms.toml", {"server_url": sandbox.url})
    r = kms_cli("locate", "--conf", conf, "--json")
    assert r.code == 0
    document = json.loads(r.out)
    assert document["count"] == len(everything) == 1102 and not document["partial"] and document["problems"] == []
    assert {o["id"] for o in document["objects"]} == everything
    lines = r.out.splitlines()
    assert sum(line.startswith('    {"id": ') for line in lines) == 1102  # a reader can go line by line
    bulk = kms_cli("locate", "--tag", "bulk", "--algorithm", "AES", "--conf", conf, "--json").json
    assert bulk["count"] == 1100 and {o["tags"][0] for o in bulk["objects"]} == {"bulk"}
    pair = [o for o in document["objects"] if o["type"] == "PrivateKey"][0]
    linked = kms_cli("locate", "--linked-to", pair["id"], "--conf", conf, "--json").json
    assert [o["type"] for o in linked["objects"]] == ["PublicKey"]


class _CutOwned(FaultProxy):
    """Forwards everything, but cuts the connection two thirds into the answer to /access/owned."""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (request := await _read_request(reader)) is not None:
                head, _, body = request
                answer = await self._forward(head, body)
                if head.split(b" ", 2)[1] == b"/access/owned":
                    writer.write(answer[: len(answer) * 2 // 3])
                    await writer.drain()
                    writer.transport.abort()
                    return
                writer.write(answer)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return


@pytest.mark.slow
def test_a_listing_cut_half_way_closes_the_document_with_the_error(sandbox, kms_cli, tmp_path):
    asyncio.run(_fill(sandbox.url))
    proxy = _CutOwned(sandbox.url).start()
    try:
        conf = write_conf(tmp_path / "ckms.toml", {"server_url": proxy.url})
        r = kms_cli("locate", "--conf", conf, "--json")
    finally:
        proxy.stop()
    assert r.code == 4  # unreachable: the connection dropped
    document = json.loads(r.out)  # still one JSON document
    assert document["partial"] is True and document["error"]["reason"] == "dropped"
    assert 0 < document["count"] == len(document["objects"]) < 1102
    assert "dropped" in r.err


def test_locate_json_into_head_stops_quietly(sandbox, tmp_path):
    """`kms-tui locate --json | head -2`: the reader leaves; no traceback, no error."""
    asyncio.run(_fill_few(sandbox.url))
    conf = write_conf(tmp_path / "ckms.toml", {"server_url": sandbox.url})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        f"{sys.executable} -m kms_tui locate --conf {conf} --json | head -2",
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.stdout.splitlines() == ["{", '  "objects": [']
    assert "Traceback" not in done.stderr and "error" not in done.stderr


async def _fill_few(url: str) -> None:
    async with KmsClient(ConnectionSettings.from_http_config({"server_url": url})) as client:
        assert all(r.ok for r in await client.batch([kmip_requests.create_symmetric_key() for _ in range(50)]))


def test_array_entries_match_json_loads_however_the_answer_is_cut():
    entries = [
        {"object_id": str(i), "attributes": {"Name": f'ké]y{i}"', "n": [i, 1.5, None, True]}} for i in range(300)
    ]
    raw = json.dumps(entries, ensure_ascii=False).encode()
    for size in (1, 7, 64, 1000, len(raw)):
        feed, got = ArrayEntries(), []
        for start in range(0, len(raw), size):
            got += feed.feed(raw[start : start + size])
        got += feed.feed(b"", final=True)
        assert got == entries, size
    for bad in (b"<html><title>Login</title>", b'{"a": 1}', b"[1, 2", b"[1 2]"):
        with pytest.raises(ValueError):
            feed = ArrayEntries()
            feed.feed(bad)
            feed.feed(b"", final=True)


@pytest.mark.slow
def test_locate_json_on_a_server_without_access_owned_says_it_is_partial(sandbox, kms_cli, tmp_path):
    """An older server (no /access/owned): Locates partitioned under the cap, and the document
    says the listing is partial and why, as the full listing does."""

    async def fill() -> None:
        async with KmsClient(ConnectionSettings.from_http_config({"server_url": sandbox.url})) as client:
            assert all(r.ok for r in await client.batch([kmip_requests.create_symmetric_key() for _ in range(1001)]))
            await client.create_key_pair("ec")

    asyncio.run(fill())
    proxy = FaultProxy(sandbox.url).start()
    proxy.missing_paths = {"/access/owned", "/access/obtained"}
    try:
        conf = write_conf(tmp_path / "ckms.toml", {"server_url": proxy.url})
        r = kms_cli("locate", "--conf", conf, "--json")
    finally:
        proxy.stop()
    assert r.code == 0
    document = json.loads(r.out)
    assert document["partial"] is True and any("/access/owned unavailable" in p for p in document["problems"])
    assert {o["type"] for o in document["objects"]} == {"SymmetricKey", "PrivateKey", "PublicKey"}
