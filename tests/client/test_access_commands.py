"""`kms-tui access grant|revoke|list|owned|obtained` against a real sandbox with two users
(alice and bob, each signed in by a client certificate over mutual TLS)."""

from __future__ import annotations

import asyncio

from kms_tui import exitcodes
from kms_tui.client import ConnectionSettings, KmsClient, KmsError


def run(coro):
    return asyncio.run(coro)


async def _create_key(conf: dict) -> str:
    async with KmsClient(ConnectionSettings.from_http_config(conf)) as client:
        return await client.create_symmetric_key(name="shared-with-bob")


async def _bob_gets(conf: dict, uid: str) -> str:
    """'ok' when bob's Get of ``uid`` succeeds, else the server's reason."""
    async with KmsClient(ConnectionSettings.from_http_config(conf)) as client:
        try:
            await client.get(uid)
        except KmsError as exc:
            return exc.reason or exc.message
        return "ok"


def test_grant_get_then_revoke_it_from_the_command_line(two_users, kms_cli):
    _sb, paths, confs = two_users
    uid = run(_create_key(confs["alice"]))
    assert run(_bob_gets(confs["bob"], uid)) != "ok"  # no right yet: refused as if absent

    r = kms_cli("access", "grant", "bob", "get", "--id", uid, "--conf", paths["alice"])
    assert r.code == 0, r.err
    assert f"granted get to user `bob` on object `{uid}`" in r.out
    assert "every operation except revoke and destroy" in r.out  # what `get` really allows, said
    assert run(_bob_gets(confs["bob"], uid)) == "ok"

    r = kms_cli("access", "obtained", "--conf", paths["bob"], "--json")
    assert r.code == 0, r.err
    mine = [o for o in r.json["objects"] if o["id"] == uid]
    assert mine and mine[0]["owner"] == "alice" and mine[0]["operations"] == ["get"]
    assert "export" in mine[0]["allows"] and "revoke" not in mine[0]["allows"]
    r = kms_cli("access", "obtained", "--conf", paths["bob"])
    assert uid in r.out and "alice" in r.out

    r = kms_cli("access", "list", uid, "--conf", paths["alice"], "--json")
    assert r.code == 0, r.err
    assert [(a["user"], a["operations"]) for a in r.json["accesses"]] == [("bob", ["get"])]
    r = kms_cli("access-rights", "list", uid, "--conf", paths["alice"])  # ckms's name works too
    assert "bob" in r.out and "get" in r.out

    r = kms_cli("access", "owned", "--conf", paths["alice"], "--json")
    assert [(o["id"], o["type"], o["names"]) for o in r.json["objects"]] == [(uid, "SymmetricKey", ["shared-with-bob"])]
    assert kms_cli("access", "owned", "--conf", paths["bob"]).out.strip() == "No object owned by this user."

    r = kms_cli("access", "revoke", "bob", "get", "--id", uid, "--conf", paths["alice"], "--json")
    assert r.code == 0, r.err
    assert r.json["operations"] == ["get"] and r.json["user"] == "bob"
    assert run(_bob_gets(confs["bob"], uid)) != "ok"  # refused again
    assert kms_cli("access", "list", uid, "--conf", paths["alice"], "--json").json["accesses"] == []
    assert kms_cli("access", "obtained", "--conf", paths["bob"]).out.strip() == "No access right obtained."


def test_ckms_spellings_and_all_are_accepted(two_users, kms_cli):
    _sb, paths, confs = two_users
    uid = run(_create_key(confs["alice"]))
    r = kms_cli("access", "grant", "bob", "get_attributes", "encrypt", "-i", uid, "--conf", paths["alice"], "--json")
    assert r.code == 0, r.err
    assert r.json["operations"] == ["encrypt", "getattributes"]  # sent as Cosmian's REST names
    r = kms_cli("access", "grant", "bob", "all", "--object-uid", uid, "--conf", paths["alice"], "--json")
    assert r.code == 0, r.err
    listed = kms_cli("access", "list", uid, "--conf", paths["alice"], "--json").json["accesses"]
    assert "revoke" in listed[0]["operations"] and "destroy" in listed[0]["operations"]
    assert "create" not in listed[0]["operations"]  # `all` is every right on an object


def test_refusals_have_the_exit_codes_of_the_contract(two_users, kms_cli):
    _sb, paths, confs = two_users
    uid = run(_create_key(confs["alice"]))
    # bob does not own alice's key: the server refuses, nothing changes
    r = kms_cli("access", "grant", "alice", "get", "--id", uid, "--conf", paths["bob"], "--json")
    assert r.code in (exitcodes.REFUSED, exitcodes.NOT_AUTHENTICATED)
    assert "not owned" in r.err and "error" in r.json
    # an unknown operation or a missing id are usage errors, found before anything is sent
    r = kms_cli("access", "grant", "bob", "fly", "--id", uid, "--conf", paths["alice"])
    assert r.code == exitcodes.USAGE and "unknown operation 'fly'" in r.err
    r = kms_cli("access", "grant", "bob", "get", "--conf", paths["alice"])
    assert r.code == exitcodes.USAGE and "--id is required" in r.err
    assert kms_cli("access", "list", uid, "--conf", paths["alice"], "--json").json["accesses"] == []


def test_read_only_refuses_grant_and_revoke(two_users, kms_cli):
    _sb, paths, confs = two_users
    uid = run(_create_key(confs["alice"]))
    for action in ("grant", "revoke"):
        r = kms_cli("--read-only", "access", action, "bob", "get", "--id", uid, "--conf", paths["alice"])
        assert r.code == exitcodes.USAGE and f"`access {action}` makes a change" in r.err
    assert kms_cli("access", "list", uid, "--conf", paths["alice"], "--json").json["accesses"] == []
    assert run(_bob_gets(confs["bob"], uid)) != "ok"
    r = kms_cli("--read-only", "access", "list", uid, "--conf", paths["alice"])  # reading is fine
    assert r.code == 0, r.err


def test_server_text_is_shown_escaped(two_users, kms_cli):
    _sb, paths, confs = two_users
    uid = run(_create_key(confs["alice"]))
    hostile = "eve\x1b[2J\u202e"
    r = kms_cli("access", "grant", hostile, "encrypt", "--id", uid, "--conf", paths["alice"])
    assert r.code == 0, r.err
    r = kms_cli("access", "list", uid, "--conf", paths["alice"])
    assert "\x1b" not in r.out and "\u202e" not in r.out
    assert "eve\\x1b[2J\\u202e" in r.out
