"""Retries under real faults: a loopback fault-injecting proxy in front of the real sandbox."""

from __future__ import annotations

import time

import httpx
import pytest

from kms_tui.client import (
    ConnectionRefused,
    ConnectionSettings,
    DnsError,
    KmsClient,
    LocateFilter,
    OutcomeUnknown,
    RequestTimeout,
    RetryPolicy,
)
from kms_tui.client.errors import ServerFailure
from tests.client.support.fault_proxy import FaultProxy

FAST = RetryPolicy(timeout=5, attempts=3, backoff=0.05, jitter=0.1)


@pytest.fixture
def faulty(sandbox):
    proxy = FaultProxy(sandbox.url).start()
    yield proxy
    proxy.stop()


def client_via(url: str, retry: RetryPolicy = FAST, **conf) -> KmsClient:
    return KmsClient(ConnectionSettings.from_http_config({"server_url": url, **conf}), retry=retry)


def count_keys(sandbox_url: str, tag: str) -> int:
    """Ask the sandbox directly (not through the fault proxy) how many keys carry ``tag``."""
    body = (
        '{"tag":"Locate","value":[{"tag":"Attributes","value":[{"tag":"Attribute","value":['
        '{"tag":"VendorIdentification","type":"TextString","value":"cosmian"},'
        '{"tag":"AttributeName","type":"TextString","value":"tag"},'
        f'{{"tag":"AttributeValue","type":"TextString","value":"[\\"{tag}\\"]"}}]}}]}}]}}'
    )
    answer = httpx.post(sandbox_url + "/kmip/2_1", content=body, timeout=10).json()
    return sum(1 for n in answer["value"] if n["tag"] == "UniqueIdentifier")


async def test_read_is_retried_through_two_503s(faulty, sandbox):
    async with client_via(sandbox.url) as direct:
        uid = await direct.create_symmetric_key(tags=["retry-read"])
    faulty.mode, faulty.fail_count = "503", 2
    async with client_via(faulty.url) as client:
        assert await client.locate(LocateFilter(tags=("retry-read",))) == [uid]
    assert [s.answered for s in faulty.seen] == [False, False, True]


async def test_create_is_not_retried_after_a_503(faulty, sandbox):
    faulty.mode, faulty.fail_count = "503", 1
    async with client_via(faulty.url) as client:
        with pytest.raises(ServerFailure) as err:
            await client.create_symmetric_key(tags=["no-retry-503"])
    assert err.value.exit_code == 1
    assert len(faulty.seen) == 1


async def test_dropped_answer_to_a_create_never_makes_a_second_key(faulty, sandbox):
    faulty.mode = "drop"
    async with client_via(faulty.url) as client:
        with pytest.raises(OutcomeUnknown) as err:
            await client.create_symmetric_key(tags=["dropped-create"])
    assert "may have been carried out" in err.value.message
    assert "locate" in err.value.fix
    assert [s.operation for s in faulty.seen] == ["Create"]
    assert count_keys(sandbox.url, "dropped-create") == 1  # the server made it once, and only once


async def test_dropped_key_pair_create_is_not_replayed(faulty, sandbox):
    faulty.mode = "drop"
    async with client_via(faulty.url) as client:
        with pytest.raises(OutcomeUnknown):
            await client.create_key_pair("ec", tags=["dropped-pair"])
    assert count_keys(sandbox.url, "dropped-pair") == 2  # one private + one public key, no more


async def test_destroy_whose_answer_was_dropped_is_confirmed_by_the_repeat(faulty, sandbox):
    async with client_via(sandbox.url) as direct:
        uid = await direct.create_symmetric_key(tags=["drop-destroy"])
        await direct.revoke(uid, "CessationOfOperation")
    faulty.mode, faulty.drop_ops = "drop", {"Destroy"}
    async with client_via(faulty.url) as client:
        assert await client.destroy(uid, remove=True) == uid  # the repeat finds it gone: done
    assert [s.operation for s in faulty.seen] == ["Destroy", "Destroy"]
    assert count_keys(sandbox.url, "drop-destroy") == 0


async def test_answer_slower_than_the_timeout(faulty, sandbox):
    faulty.mode, faulty.delay = "delay", 3
    started = time.monotonic()
    async with client_via(faulty.url, RetryPolicy(timeout=0.5, attempts=2, backoff=0.05)) as client:
        with pytest.raises(RequestTimeout) as err:
            await client.locate()
    assert "within 0.5 s" in err.value.message
    assert err.value.exit_code == 4
    assert time.monotonic() - started < 2.5  # two short attempts, not the 3 s the server took
    assert faulty.received == 2  # a read is retried after a timeout


async def test_create_slower_than_the_timeout_is_not_replayed(faulty, sandbox):
    faulty.mode, faulty.delay = "delay", 2
    async with client_via(faulty.url, RetryPolicy(timeout=0.5, attempts=3, backoff=0.05)) as client:
        with pytest.raises(OutcomeUnknown):
            await client.create_symmetric_key(tags=["slow-create"])
    time.sleep(2)
    assert [s.operation for s in faulty.seen] == ["Create"]
    assert count_keys(sandbox.url, "slow-create") == 1


async def test_connection_refused_on_loopback_is_named_at_once(unused_tcp_port):
    async with client_via(f"http://127.0.0.1:{unused_tcp_port}") as client:
        with pytest.raises(ConnectionRefused) as err:
            await client.create_symmetric_key()
        assert client.exchange.round_trips == 1  # nothing listens on this machine: no retry loop
    assert "nothing listens" in err.value.message and err.value.exit_code == 4


async def test_dns_failure_is_named():
    async with client_via("http://no-such-host.invalid:9998", RetryPolicy(attempts=1)) as client:
        with pytest.raises(DnsError) as err:
            await client.version()
    assert "no-such-host.invalid" in err.value.message


async def test_custom_headers_and_database_secret_are_sent_as_ckms_does(faulty):
    conf = {"custom_headers": ["X-Tenant: blue", "X-Trace: 42"], "database_secret": "db-secret-value"}
    async with client_via(faulty.url, **conf) as client:
        await client.locate()
    headers = faulty.seen[-1].headers
    assert headers["x-tenant"] == "blue" and headers["x-trace"] == "42"
    assert headers["databasesecret"] == "db-secret-value"
    assert headers["content-type"] == "application/json"


async def test_revoke_is_retried_after_a_503(faulty, sandbox):
    async with client_via(sandbox.url) as direct:
        uid = await direct.create_symmetric_key(tags=["revoke-503"])
    faulty.mode, faulty.fail_count = "503", 1
    async with client_via(faulty.url) as client:
        assert await client.revoke(uid, "Superseded") == uid
        assert (await client.get_attributes(uid))["State"] == "Deactivated"
    assert [s.operation for s in faulty.seen][:2] == ["Revoke", "Revoke"]


async def test_batch_failures_are_per_item(sandbox):
    from kms_tui.client import ObjectNotFound
    from kms_tui.client import requests as kmip

    async with client_via(sandbox.url) as client:
        uid = await client.create_symmetric_key()
        results = await client.batch([kmip.get_attributes(uid), kmip.get_attributes("missing-id"), kmip.activate(uid)])
        many = await client.get_attributes_many([uid, "missing-id"])
    assert results[0].ok and results[0].unwrap().get_value("UniqueIdentifier") == uid
    assert isinstance(results[1].error, ObjectNotFound) and "missing-id" in results[1].error.message
    assert results[2].error.reason == "Wrong_Key_Lifecycle_State"  # already active
    assert isinstance(many["missing-id"], ObjectNotFound) and many[uid]["CryptographicAlgorithm"] == "AES"
