"""Listing every object in few round trips, past Locate's 1,000 cap, including shared ones."""

from __future__ import annotations

import asyncio

import pytest

from kms_tui.client import ConnectionSettings, KmsClient, LocateFilter
from kms_tui.client import requests as kmip_requests
from tests.client.conftest import write_conf


def client_for(conf: dict) -> KmsClient:
    return KmsClient(ConnectionSettings.from_http_config(conf))


@pytest.mark.slow
def test_list_objects_passes_the_locate_cap_in_two_round_trips(sandbox, kms_cli, tmp_path):
    asyncio.run(_fill_and_list(sandbox.url))
    conf = write_conf(tmp_path / "ckms.toml", {"server_url": sandbox.url})
    r = kms_cli("locate", "--tag", "bulk", "--conf", conf, "--json")
    assert r.code == 0 and r.json["count"] == 1100  # the command lists past the cap too


async def _fill_and_list(url: str) -> None:
    async with client_for({"server_url": url}) as client:
        ops = [kmip_requests.create_symmetric_key(tags=["bulk"]) for _ in range(1100)]
        results = await client.batch(ops)
        assert all(r.ok for r in results)
        pair = await client.create_key_pair("rsa", tags=["other"])
        assert len(await client.locate()) == 1000  # the server's cap: what the web UI would show

        before = client.exchange.round_trips
        listing = await client.list_objects()
        assert client.exchange.round_trips - before <= 2
        assert len(listing.objects) == 1102 and not listing.partial
        bulk = await client.list_objects(LocateFilter(tags=("bulk",), algorithm="AES", length=256))
        assert len(bulk.objects) == 1100
        linked = await client.list_objects(LocateFilter(linked_to=pair[0]))
        assert [o.uid for o in linked.objects] == [pair[1]]


async def test_shared_objects_come_with_owner_rights_and_attributes(start_tls_sandbox, pki):
    sb = start_tls_sandbox(client_ca=True)
    confs = pki.user_confs(sb.url, "list")
    async with client_for(confs["alice"]) as alice:
        shared = await alice.create_symmetric_key(tags=["shared"], name="for-bob")
        await alice.create_symmetric_key(tags=["private"])
        await alice.grant(shared, "bob", ["get", "getattributes"])
        assert {"bob"} == {row["user_id"] for row in await alice.access_list(shared)}
    async with client_for(confs["bob"]) as bob:
        own = await bob.create_symmetric_key(tags=["bobs"])
        listing = await bob.list_objects()
        rows = {o.uid: o for o in listing.objects}
        assert set(rows) == {shared, own}
        assert rows[shared].owner == "alice" and "get" in rows[shared].rights
        assert rows[shared].names == ["for-bob"] and rows[shared].algorithm == "AES"
        assert rows[own].owner == ""
        assert listing.round_trips <= 3  # owned + obtained, then one batch for the shared one


async def test_without_access_owned_partitioned_locates_say_when_partial(sandbox):
    from tests.client.support.fault_proxy import FaultProxy

    proxy = FaultProxy(sandbox.url).start()
    proxy.missing_paths = {"/access/owned", "/access/obtained"}
    try:
        async with client_for({"server_url": sandbox.url}) as direct:
            assert all(r.ok for r in await direct.batch([kmip_requests.create_symmetric_key() for _ in range(1001)]))
            await direct.create_key_pair("ec")
        async with client_for({"server_url": proxy.url}) as client:
            listing = await client.list_objects()
            ec_only = await client.list_objects(LocateFilter(algorithm="ECDH"))
    finally:
        proxy.stop()
    assert listing.partial  # 1,001 active keys do not fit one Locate
    assert any("more than 1000" in p for p in listing.problems)
    assert any("/access/owned unavailable" in p for p in listing.problems)
    assert {o.object_type for o in listing.objects} == {"SymmetricKey", "PrivateKey", "PublicKey"}
    assert len(ec_only.objects) == 2 and not any("truncated" in p for p in ec_only.problems)
    assert listing.round_trips <= 4  # owned/obtained refused, one batch of Locates, one of GetAttributes


async def test_pages_hand_over_owned_rows_before_the_listing_ends(sandbox):
    from kms_tui.client.listing import object_pages

    async with client_for({"server_url": sandbox.url}) as client:
        ops = [kmip_requests.create_symmetric_key(tags=["paged", f"group-{i % 3}"]) for i in range(700)]
        assert all(r.ok for r in await client.batch(ops))
        before = client.exchange.round_trips
        pages = [page async for page in object_pages(client, LocateFilter(tags=("paged",)), page_rows=200)]
        assert client.exchange.round_trips - before == 2  # owned + obtained, nothing else
        assert len(pages) >= 3 and all(0 < len(p.objects) < 700 for p in pages[:-1])  # rows came in pieces
        assert [p.done for p in pages] == [False] * (len(pages) - 1) + [True]
        assert pages[-1].round_trips == 2 and not pages[-1].partial
        paged = [o.uid for p in pages for o in p.objects]
        whole = await client.list_objects(LocateFilter(tags=("paged",)))
        assert paged == [o.uid for o in whole.objects] and len(set(paged)) == 700
        group = await client.list_objects(LocateFilter(tags=("group-1",)))
        assert len(group.objects) == 233 and all("group-1" in o.tags for o in group.objects)


async def test_the_listing_answer_is_freed_without_waiting_for_a_garbage_collection(sandbox):
    """The console postpones full collections during a load and freezes what is left after it:
    an answer kept alive by a reference cycle would stay in memory for good (RSS grew with every
    reload of the object browser)."""
    import gc

    import httpx

    async with client_for({"server_url": sandbox.url}) as client:
        await client.create_symmetric_key(tags=["freed"])
        gc.collect()
        gc.disable()  # as during a load: only reference counting frees anything
        try:
            listing = await client.list_objects(LocateFilter(tags=("freed",)))
            kept = [o for o in gc.get_objects() if isinstance(o, httpx.Response) and "/access/" in str(o.request.url)]
        finally:
            gc.enable()
    assert len(listing.objects) == 1
    assert kept == []  # the /access/owned and /access/obtained answers are gone already
