"""Bulk revoke and destroy (`kms-tui revoke|destroy --tag … --dry-run|--yes`, kms_tui.client.bulk)
against real sandboxes: the preview names every object that changes, the partners the cascade
reaches, certificates issued with the keys, objects wrapped by them and grants that stop working;
more than one object needs --yes; over 1,000 objects with faults injected mid-way (503s, an
answer dropped after the server acted, a stop) each object's reported outcome is what the server
holds, and no object's request reached the server twice (counted at a proxy in front of it)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import httpx
import pytest

from kms_tui.client import ConnectionSettings, KmsClient, bulk
from kms_tui.client import requests as rq
from tests.client.conftest import write_conf
from tests.client.support.fault_proxy import FaultProxy
from tests.server.kmip import Kmip, first, s, t
from tests.support.sandbox import start_sandbox


def _wrapped_by(kms: Kmip, kek: str) -> str:
    from tests.server.kmip import aes

    vendor = s(
        "Attribute",
        t("VendorIdentification", "TextString", "cosmian"),
        t("AttributeName", "TextString", "wrapping_key_id"),
        t("AttributeValue", "TextString", kek),
    )
    return first(kms.ok(aes(extra=(vendor,))), "UniqueIdentifier")


def _kek(kms: Kmip) -> str:
    from tests.server.kmip import aes

    body = aes(tags=("batch",))
    for attr in body["value"][1]["value"]:
        if attr["tag"] == "CryptographicUsageMask":
            attr["value"] = 12 | 0x10  # encrypt, decrypt, wrap key
    return first(kms.ok(body), "UniqueIdentifier")


@pytest.fixture
def estate(tmp_path):
    """A sandbox: two keys and a key pair tagged `batch`, a certificate linked to the pair, a key
    wrapped by a tagged key, a grant to bob; one untagged key that must not be touched."""
    sb = start_sandbox(tmp_path / "sb")
    kms = Kmip(sb.url)
    ids = {"kek": _kek(kms), "plain": kms.create(tags=("batch", "other")), "untagged": kms.create(tags=("other",))}
    ids["sk"], ids["pk"] = kms.create_pair("ECDSA", curve="P256", tags=("batch",))
    ids["wrapped"] = _wrapped_by(kms, ids["kek"])
    r = httpx.post(
        sb.url + "/access/grant",
        json={"unique_identifier": ids["plain"], "user_id": "bob", "operation_types": ["get", "encrypt"]},
    )
    assert r.status_code == 200, r.text
    ids["conf"] = str(write_conf(tmp_path / "ckms.toml", {"server_url": sb.url}))
    ids["kms"] = kms
    yield ids
    kms.close()
    sb.stop()


def test_dry_run_previews_every_affected_object_and_sends_nothing(estate, kms_cli):
    kms = estate["kms"]
    r = kms_cli(
        "revoke", "--tag", "batch", "--reason", "KeyCompromise", "--dry-run", "--conf", estate["conf"], "--json"
    )
    assert r.code == 0, r.err
    plan = r.json["plan"]
    # the tag is on both keys of the pair: the private key's cascade revokes the public one (one request)
    selected = {i["uid"] for i in plan["selected"]}
    assert selected == {estate["kek"], estate["plain"], estate["sk"], estate["pk"]}
    assert len(plan["requests"]) == 3 and set(plan["covered_by_cascade"]) <= {estate["sk"], estate["pk"]}
    assert [i["uid"] for i in plan["wrapped"]] == [estate["wrapped"]]
    assert plan["wrapped"][0]["via"] == estate["kek"]
    assert [(g["uid"], g["user"], sorted(g["operations"])) for g in plan["grants"]] == [
        (estate["plain"], "bob", ["encrypt", "get"])
    ]
    assert plan["counts"] == {
        "objects": 4,
        "selected": 4,
        "partners": 0,
        "certificates": 0,
        "wrapped": 1,
        "grants": 1,
        "skipped": 0,
        "requests": 3,
    }
    assert all(kms.state(estate[k]) == "Active" for k in ("kek", "plain", "sk", "pk", "wrapped"))

    text = kms_cli("revoke", "--tag", "batch", "--reason", "KeyCompromise", "--dry-run", "--conf", estate["conf"])
    assert text.code == 0
    assert text.out.startswith(
        "Bulk revoke (KeyCompromise): 4 objects to change (4 selected + 0 linked partners), "
        "3 requests to send\nAlso: 0 certificates issued with them, 1 object wrapped by "
        "them, 1 grant would stop working, 0 skipped\n"
    )
    assert "Objects wrapped by these keys (cannot be unwrapped afterwards) (1):" in text.out
    assert f"  {estate['wrapped']}  SymmetricKey  Active  wrapped by {estate['kek']}" in text.out
    assert f"  {estate['plain']}  bob: " in text.out
    assert "(dry run: nothing was sent)" in text.out
    assert estate["untagged"] not in text.out


def test_the_cascade_partner_and_certificate_are_listed(estate, kms_cli):
    kms = estate["kms"]
    sk, pk = kms.create_pair("ECDSA", curve="P256")
    kms.ok(
        s(
            "AddAttribute",
            t("UniqueIdentifier", "TextString", sk),
            s(
                "NewAttribute",
                s(
                    "Attribute",
                    t("VendorIdentification", "TextString", "cosmian"),
                    t("AttributeName", "TextString", "tag"),
                    t("AttributeValue", "TextString", json.dumps(["solo"])),
                ),
            ),
        )
    )
    cert = first(
        kms.ok(s("Certify", t("UniqueIdentifier", "TextString", pk), s("Attributes", *_subject("solo")))),
        "UniqueIdentifier",
    )
    r = kms_cli("destroy", "--tag", "solo", "--dry-run", "--conf", estate["conf"], "--json")
    assert r.code == 0, r.err
    plan = r.json["plan"]
    assert [i["uid"] for i in plan["skipped"]] == [sk] and plan["skipped"][0]["note"] == "Active: revoke it first"
    r = kms_cli("destroy", "--tag", "solo", "--conf", estate["conf"])  # nothing can go: refused, as the server would
    assert r.code == 1 and "nothing to destroy" in r.out and kms.state(sk) == "Active"
    r = kms_cli("revoke", "--tag", "solo", "--reason", "Superseded", "--dry-run", "--conf", estate["conf"], "--json")
    plan = r.json["plan"]
    assert [(i["uid"], i["via"]) for i in plan["partners"]] == [(pk, sk)]
    assert [(i["uid"], i["via"]) for i in plan["certificates"]] == [(cert, pk)]
    assert plan["counts"]["objects"] == 2 and plan["counts"]["requests"] == 1


def test_the_partner_of_a_compromised_key_is_revoked_without_cascade(estate, kms_cli):
    kms = estate["kms"]
    from tests.server.kmip import key_pair, revoke

    sk = first(kms.ok(key_pair("ECDSA", curve="P256")), "PrivateKeyUniqueIdentifier")
    pk = sk + "_pk"
    kms.ok(revoke(sk, "KeyCompromise"))
    kms.ok(
        s(
            "AddAttribute",
            t("UniqueIdentifier", "TextString", pk),
            s(
                "NewAttribute",
                s(
                    "Attribute",
                    t("VendorIdentification", "TextString", "cosmian"),
                    t("AttributeName", "TextString", "tag"),
                    t("AttributeValue", "TextString", json.dumps(["leak"])),
                ),
            ),
        )
    )
    r = kms_cli("revoke", "--tag", "leak", "--reason", "KeyCompromise", "--conf", estate["conf"], "--json")
    assert r.code == 0, r.err
    assert r.json["plan"]["without_cascade"] == [pk]
    assert [(o["uid"], o["status"]) for o in r.json["outcomes"]] == [(pk, "done")]
    assert kms.state(pk) == "Compromised"


def _subject(cn: str) -> list:
    from tests.server.certify_kms import bare_subject as subject

    return [subject(cn)]


def test_more_than_one_match_needs_yes_then_each_outcome_is_reported(estate, kms_cli):
    kms = estate["kms"]
    r = kms_cli("revoke", "--tag", "batch", "--reason", "Superseded", "--conf", estate["conf"])
    assert r.code == 3
    assert "4 objects carry the tag 'batch'" in r.err and "pass --yes" in r.err
    assert "Selected (4):" in r.err  # the preview, so the user sees what --yes would do
    assert kms.state(estate["kek"]) == "Active"

    r = kms_cli("revoke", "--tag", "batch", "--reason", "Superseded", "--yes", "--conf", estate["conf"], "--json")
    assert r.code == 0, r.err
    outcomes = {o["uid"]: (o["status"], o["state"]) for o in r.json["outcomes"]}
    assert outcomes == {
        u: ("done", "Deactivated") for u in (estate["kek"], estate["plain"], estate["sk"], estate["pk"])
    }
    assert kms.state(estate["untagged"]) == "Active" and kms.state(estate["wrapped"]) == "Active"
    # again: nothing left to do, nothing sent
    r = kms_cli("revoke", "--tag", "batch", "--reason", "Superseded", "--yes", "--conf", estate["conf"], "--json")
    assert r.code == 0 and r.json["plan"]["counts"]["requests"] == 0 and r.json["plan"]["counts"]["skipped"] == 4


def test_an_id_and_a_tag_together_or_dry_run_alone_are_usage_errors(estate, kms_cli):
    assert (
        kms_cli("revoke", estate["kek"], "--tag", "batch", "--reason", "Superseded", "--conf", estate["conf"]).code == 3
    )
    assert kms_cli("destroy", estate["kek"], "--dry-run", "--conf", estate["conf"]).code == 3
    assert kms_cli("destroy", "--conf", estate["conf"]).code == 3


# -- 1,000 objects, faults mid-way ---------------------------------------------------------------


class CountingProxy(FaultProxy):
    """The fault proxy, also counting what reached the sandbox (forwarded), by operation and id."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.reached: Counter[tuple[str, str]] = Counter()

    async def _forward(self, head: bytes, body: bytes) -> bytes:
        answer = await super()._forward(head, body)  # raises when the sandbox is not there: not counted
        try:
            doc = json.loads(body)
            target = next((c["value"] for c in doc.get("value", []) if c.get("tag") == "UniqueIdentifier"), "")
            self.reached[(doc.get("tag", ""), target)] += 1
        except (ValueError, AttributeError, TypeError):
            pass
        return answer


N = 1000


def test_bulk_revoke_of_1000_with_faults_mid_way(tmp_path):
    sb = start_sandbox(tmp_path / "big")
    proxy = CountingProxy(sb.url).start()
    try:
        asyncio.run(_bulk_with_faults(sb.url, proxy))
    finally:
        proxy.stop()
        sb.stop()


async def _bulk_with_faults(direct_url: str, proxy: CountingProxy) -> None:
    async with KmsClient(ConnectionSettings(server_url=direct_url)) as direct:
        made = await direct.batch([rq.create_symmetric_key("AES", 128, tags=("fleet",)) for _ in range(N)])
        ids = [str(r.unwrap().get_value("UniqueIdentifier")) for r in made]
    assert len(set(ids)) == N
    async with KmsClient(ConnectionSettings(server_url=proxy.url)) as client:
        plan = await bulk.gather_plan(client, action="revoke", tags=("fleet",), reason="Superseded", grants=False)
        assert plan.count == N and len(plan.sends) == N
        order = list(plan.sends)
        seen: list[str] = []

        def on_outcome(outcome: bulk.Outcome, index: int, total: int) -> None:
            seen.append(outcome.uid)
            if index == 400:  # the next request (and the read that checks it) meet 503s
                proxy.mode, proxy.fail_count = "503", 1
            elif index == 401:
                proxy.mode = "pass"
            elif index == 700:  # the next revoke reaches the server; its answer is dropped
                proxy.mode, proxy.drop_ops, proxy.drop_count = "drop", {"Revoke"}, 1
            elif index == 701:
                proxy.mode = "pass"

        report = await bulk.run_plan(client, plan, on_outcome=on_outcome, should_stop=lambda: len(seen) >= 900)
    assert seen == order  # progress for every object, in order
    by = {o.uid: o for o in report.outcomes}
    assert by[order[400]].status == "failed" and "still Active" in by[order[400]].detail
    assert by[order[700]].status == "done" and "the answer was lost" in by[order[700]].detail
    assert all(by[u].status == "not_sent" and by[u].detail == "stopped by you" for u in order[900:])
    assert report.stopped == "stopped by you"
    assert report.tally() == {"done": 899, "refused": 0, "failed": 1, "unknown": 0, "not_sent": 100}
    # each outcome is what the server holds
    async with KmsClient(ConnectionSettings(server_url=direct_url)) as direct:
        states = await direct.get_attributes_many(ids, with_tags=False)
    for uid in ids:
        want = "Deactivated" if by[uid].status == "done" else "Active"
        assert states[uid]["State"] == want, (uid, by[uid])
        assert by[uid].state == want
    # nothing sent twice: each revoke reached the server at most once, and only those sent
    revokes = {u: n for (op, u), n in proxy.reached.items() if op == "Revoke"}
    assert max(revokes.values()) == 1
    assert set(revokes) == set(order[:900]) - {order[400]}  # the 503 never reached the server


def test_a_server_that_goes_away_mid_run_stops_it_and_nothing_is_resent(tmp_path):
    sb = start_sandbox(tmp_path / "gone")
    proxy = CountingProxy(sb.url).start()
    try:
        report, ids = asyncio.run(_run_until_the_server_dies(sb, proxy))
        by = {o.uid: o for o in report.outcomes}
        assert [by[u].status for u in ids[:20]] == ["done"] * 20
        assert by[ids[20]].status == "unknown" and "could not be read" in by[ids[20]].detail
        assert all(by[u].status == "not_sent" for u in ids[21:])
        assert report.stopped == "stopped: the server stopped answering"
        assert {u for (op, u), n in proxy.reached.items() if op == "Revoke"} == set(ids[:20])
        back = start_sandbox(tmp_path / "back", db=sb.db)  # the same database: what really happened
        kms = Kmip(back.url)
        assert [kms.state(u) for u in ids[19:22]] == ["Deactivated", "Active", "Active"]
        kms.close()
        back.stop()
    finally:
        proxy.stop()
        sb.stop()


async def _run_until_the_server_dies(sb, proxy: CountingProxy):
    async with KmsClient(ConnectionSettings(server_url=sb.url)) as direct:
        made = await direct.batch([rq.create_symmetric_key("AES", 128, tags=("fleet",)) for _ in range(50)])
    async with KmsClient(ConnectionSettings(server_url=proxy.url)) as client:
        plan = await bulk.gather_plan(client, action="revoke", tags=("fleet",), grants=False)

        def on_outcome(outcome: bulk.Outcome, index: int, total: int) -> None:
            if index == 20:
                sb.stop()

        report = await bulk.run_plan(client, plan, on_outcome=on_outcome)
    assert sorted(plan.sends) == sorted(str(r.unwrap().get_value("UniqueIdentifier")) for r in made)
    return report, list(plan.sends)


def test_ctrl_c_stops_a_headless_run_between_objects(tmp_path):
    """`kms-tui revoke --tag T --yes` in a real process; SIGINT mid-run: it stops after the object
    being sent, prints every outcome, exits 130, and what it says is what the server holds."""
    import os
    import signal
    import subprocess
    import sys

    sb = start_sandbox(tmp_path / "sigint")
    proxy = FaultProxy(sb.url).start()
    proxy.mode, proxy.delay = "delay", 0.01  # ~10 ms a request: the run lasts seconds
    try:

        async def make() -> None:
            async with KmsClient(ConnectionSettings(server_url=sb.url)) as direct:
                await direct.batch([rq.create_symmetric_key("AES", 128, tags=("batch",)) for _ in range(400)])

        asyncio.run(make())
        conf = write_conf(tmp_path / "ckms.toml", {"server_url": proxy.url})
        env = {**os.environ, "KMS_TUI_HOME": str(tmp_path / "home")}
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kms_tui",
                "revoke",
                "--tag",
                "batch",
                "--reason",
                "Superseded",
                "--yes",
                "--no-grants",
                "--conf",
                str(conf),
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith("revoke: 100/"):
                proc.send_signal(signal.SIGINT)
                break
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        doc = json.loads(out)
        assert doc["stopped"] == "stopped by you" and doc["counts"]["done"] >= 100 and doc["counts"]["not_sent"] > 0
        assert doc["counts"]["done"] + doc["counts"]["not_sent"] == 400
        kms = Kmip(sb.url)
        for o in doc["outcomes"][::20]:
            assert kms.state(o["uid"]) == ("Deactivated" if o["status"] == "done" else "Active")
        kms.close()
    finally:
        proxy.stop()
        sb.stop()


def test_destroy_can_revoke_active_objects_first(estate, kms_cli):
    """`destroy --tag T --revoke-first --reason R`: each Active object gets one Revoke (reason R),
    then its Destroy; the preview and --dry-run say so, and nothing is sent by the dry run."""
    kms = estate["kms"]
    args = ("destroy", "--tag", "batch", "--revoke-first", "--reason", "KeyCompromise", "--conf", estate["conf"])
    r = kms_cli(*args, "--dry-run", "--json")
    assert r.code == 0, r.err
    plan = r.json["plan"]
    assert plan["skipped"] == []  # without --revoke-first these Active ones are skipped ("revoke it first")
    assert set(plan["revoke_first"]) == {estate["kek"], estate["plain"], estate["sk"]}  # pk: the cascade
    assert plan["counts"]["requests"] == 6 and plan["counts"]["revoked_first"] == 3
    text = kms_cli(*args, "--dry-run")
    assert text.out.startswith("Bulk destroy, revoking Active ones first (KeyCompromise): 4 objects to change")
    assert f"  {estate['plain']}  SymmetricKey  Active  (revoked first: KeyCompromise)" in text.out
    assert "(dry run: nothing was sent)" in text.out
    assert kms.state(estate["plain"]) == "Active"

    r = kms_cli(*args, "--yes", "--json")
    assert r.code == 0, r.err
    outcomes = {o["uid"]: (o["status"], o["state"]) for o in r.json["outcomes"]}
    assert outcomes == {
        u: ("done", "Destroyed_Compromised") for u in (estate["kek"], estate["plain"], estate["sk"], estate["pk"])
    }
    assert kms.state(estate["untagged"]) == "Active"


def test_destroy_of_one_active_key_with_revoke_first(estate, kms_cli):
    kms = estate["kms"]
    key = kms.create()
    r = kms_cli("destroy", key, "--reason", "Superseded", "--conf", estate["conf"])
    assert r.code == 3 and "--revoke-first" in r.err
    r = kms_cli("destroy", key, "--revoke-first", "--reason", "Superseded", "--conf", estate["conf"])
    assert r.code == 0, r.err
    assert r.out.splitlines()[:2] == [f"revoked {key} first (Superseded)", f"destroyed {key}"]
    assert kms.state(key) == "Destroyed"
