"""A write the client saw acknowledged survives `kill -9` of the sandbox.

Clients create keys as fast as they can; the sandbox is killed with SIGKILL while requests are
in flight. After a restart on the same SQLite file, every key whose CreateResponse had been
received is there, with the same key bytes; an acknowledged Revoke, Certify and access grant too.
"""

from __future__ import annotations

import json
import threading
import time

import httpx

from tests.server.certify_kms import subject
from tests.server.kmip import aes, first, key_pair, revoke, s, t, uid
from tests.support.sandbox import Sandbox, start_sandbox


def _create(activate: bool) -> str:
    return json.dumps(aes(active=activate))


def _get(client: httpx.Client, key_id: str) -> httpx.Response:
    return client.post("/kmip/2_1", content=json.dumps(s("Get", uid(key_id))))


def _key_bytes(get_body: dict) -> str:
    """The key material of a GetResponse, wherever it sits in the tree."""
    stack = [get_body]
    while stack:
        node = stack.pop()
        if node.get("tag") == "KeyMaterial" and isinstance(node["value"], str):
            return node["value"]
        if node.get("tag") == "Key" and isinstance(node["value"], str):
            return node["value"]
        if isinstance(node.get("value"), list):
            stack.extend(node["value"])
    raise AssertionError("no key material in the GetResponse")


def _certify_self_signed(client: httpx.Client) -> str:
    """An EC key pair and its self-signed certificate; returns the certificate id."""
    pair = client.post("/kmip/2_1", content=json.dumps(key_pair("ECDSA", curve="P256"))).json()
    resp = client.post(
        "/kmip/2_1",
        content=json.dumps(
            s("Certify", uid(first(pair, "PublicKeyUniqueIdentifier")), s("Attributes", subject("durable.example")))
        ),
    )
    assert resp.status_code == 200, resp.text
    return first(resp.json(), "UniqueIdentifier")


def _create_until_stopped(url: str, acknowledged: list[str], stop: threading.Event) -> None:
    """Create keys until told to stop or the server dies; record each acknowledged id."""
    with httpx.Client(base_url=url, timeout=10) as client:
        n = 0
        while not stop.is_set():
            try:
                resp = client.post("/kmip/2_1", content=_create(activate=n % 2 == 0))
            except httpx.TransportError:
                return  # the server is gone: this create was never acknowledged
            if resp.status_code == 200:
                acknowledged.append(first(resp.json(), "UniqueIdentifier"))
            n += 1


def test_acknowledged_creates_survive_kill_9(tmp_path) -> None:
    sb = start_sandbox(tmp_path / "first")
    acknowledged: list[str] = []
    stop = threading.Event()
    workers = [threading.Thread(target=_create_until_stopped, args=(sb.url, acknowledged, stop)) for _ in range(4)]
    try:
        for w in workers:
            w.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 40 and time.monotonic() < deadline:
            time.sleep(0.02)
        # Read one key back so we can compare its bytes after the restart.
        with httpx.Client(base_url=sb.url, timeout=10) as client:
            probe = _create(activate=True)
            probe_uid = first(client.post("/kmip/2_1", content=probe).json(), "UniqueIdentifier")
            probe_key = _key_bytes(_get(client, probe_uid).json())
            revoked_uid = first(client.post("/kmip/2_1", content=probe).json(), "UniqueIdentifier")
            assert client.post("/kmip/2_1", content=json.dumps(revoke(revoked_uid))).status_code == 200
            cert_uid = _certify_self_signed(client)
            grant = {"user_id": "someone@example.com", "unique_identifier": probe_uid, "operation_types": ["get"]}
            assert client.post("/access/grant", json=grant).status_code == 200
        sb.kill9()  # while the workers are still sending creates
    finally:
        stop.set()
        for w in workers:
            w.join(timeout=30)
        sb.stop()
    assert len(acknowledged) >= 40, "the sandbox acknowledged too few creates to prove anything"

    restarted: Sandbox = start_sandbox(tmp_path / "second", db=sb.db)
    try:
        with httpx.Client(base_url=restarted.url, timeout=30) as client:
            missing = [k for k in acknowledged + [probe_uid] if _get(client, k).status_code != 200]
            assert not missing, f"{len(missing)} acknowledged keys lost after kill -9, e.g. {missing[:3]}"
            assert _key_bytes(_get(client, probe_uid).json()) == probe_key, "key bytes changed across the restart"
            state = first(
                client.post(
                    "/kmip/2_1",
                    content=json.dumps(
                        s("GetAttributes", uid(revoked_uid), t("AttributeReference", "Enumeration", "State"))
                    ),
                ).json(),
                "State",
            )
            assert state == "Deactivated", "an acknowledged Revoke was lost"
            assert (
                first(client.post("/kmip/2_1", content=json.dumps(s("Get", uid(cert_uid)))).json(), "ObjectType")
                == "Certificate"
            ), "an acknowledged Certify was lost"
            grants = client.get(f"/access/list/{probe_uid}").json()
            assert grants == [{"user_id": "someone@example.com", "operations": ["get"]}], "a grant was lost"
    finally:
        restarted.stop()
