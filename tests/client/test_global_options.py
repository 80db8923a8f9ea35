"""The global options mean the same before or after the command name, against two real sandboxes:
serverA is the active profile, serverB is named; what is created, revoked or destroyed must land
on B and never on A. --read-only refuses every write; every write says where it acted."""

from __future__ import annotations

import pytest

from tests.client.conftest import write_conf
from tests.support.sandbox import start_sandbox


@pytest.fixture
def servers(kms_cli, sandbox, tmp_path):
    """serverA (the `sandbox` fixture, the active profile) and serverB (a second sandbox)."""
    other = start_sandbox(tmp_path / "sandbox-b")
    conf_a = write_conf(tmp_path / "a.toml", {"server_url": sandbox.url})
    conf_b = write_conf(tmp_path / "b.toml", {"server_url": other.url})
    for name, conf in (("serverA", conf_a), ("serverB", conf_b)):
        assert kms_cli("profile", "import", conf, "--name", name).code == 0
    assert kms_cli("profile", "use", "serverA").code == 0
    yield {"A": sandbox.url, "B": other.url, "conf_a": conf_a, "conf_b": conf_b}
    other.stop()


def ok(result) -> dict:
    assert result.code == 0, result.err
    return result.json


def ids_on(kms_cli, profile: str) -> set[str]:
    return {o["id"] for o in ok(kms_cli("locate", "--profile", profile, "--json"))["objects"]}


def state_on(kms_cli, profile: str, uid: str) -> str | None:
    r = kms_cli("attributes", uid, "--profile", profile, "--json")
    return r.json["attributes"]["State"] if r.code == 0 else None


@pytest.mark.parametrize(
    "argv",
    [
        ("--profile", "serverB", "create", "aes", "--json"),
        ("create", "aes", "--profile", "serverB", "--json"),
        ("create", "--profile", "serverB", "aes", "--json"),
        ("--json", "--profile=serverB", "create", "aes"),
    ],
    ids=["before", "after", "between", "equals-form"],
)
def test_profile_anywhere_creates_on_the_named_server(kms_cli, servers, argv):
    r = kms_cli(*argv)
    doc = ok(r)
    assert ids_on(kms_cli, "serverB") == {doc["id"]}
    assert ids_on(kms_cli, "serverA") == set()  # the active profile was not touched
    assert doc["profile"] == "serverB" and doc["server_url"] == servers["B"]
    assert f"on profile serverB at {servers['B']}" in r.err


def test_revoke_and_destroy_before_the_command_act_on_the_named_server(kms_cli, servers):
    on_a = ok(kms_cli("create", "aes", "--json"))["id"]  # the active profile: serverA
    on_b = ok(kms_cli("--profile", "serverB", "create", "aes", "--json"))["id"]
    r = kms_cli("--profile", "serverB", "revoke", on_b, "--reason", "Superseded")
    assert r.code == 0, r.err
    assert f"on profile serverB at {servers['B']}" in r.err
    assert state_on(kms_cli, "serverB", on_b) == "Deactivated"
    # the same id on A does not exist; A's key is untouched
    assert state_on(kms_cli, "serverA", on_a) == "Active"
    assert ok(kms_cli("--profile", "serverB", "destroy", on_b, "--remove", "--json"))["profile"] == "serverB"
    assert state_on(kms_cli, "serverB", on_b) is None
    assert state_on(kms_cli, "serverA", on_a) == "Active"
    # --conf before the command means the same as after it
    made = ok(kms_cli("--conf", servers["conf_b"], "create", "aes", "--json"))
    assert made["id"] in ids_on(kms_cli, "serverB") and made["server_url"] == servers["B"]


def test_two_different_values_are_a_usage_error_naming_both(kms_cli, servers):
    r = kms_cli("--profile", "serverA", "create", "aes", "--profile", "serverB")
    assert r.code == 3
    assert "'serverA'" in r.err and "'serverB'" in r.err
    r = kms_cli("--conf", servers["conf_a"], "create", "aes", "--conf", servers["conf_b"], "--json")
    assert r.code == 3 and str(servers["conf_a"]) in r.err and str(servers["conf_b"]) in r.err
    assert r.json["error"]["type"] == "OptionError"
    assert ids_on(kms_cli, "serverA") == set() and ids_on(kms_cli, "serverB") == set()
    # the same value twice is no conflict
    assert (
        ok(kms_cli("--profile", "serverB", "create", "aes", "--profile", "serverB", "--json"))["profile"] == "serverB"
    )


@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
def test_read_only_refuses_every_write(kms_cli, servers, tmp_path, before):
    uid = ok(kms_cli("create", "aes", "--json"))["id"]
    existing = tmp_path / "exported.toml"
    existing.write_text("# mine\n")
    writes = [
        ("create", "aes"),
        ("activate", uid),
        ("revoke", uid, "--reason", "KeyCompromise"),
        ("destroy", uid, "--remove"),
        ("profile", "delete", "serverB"),
        ("profile", "use", "serverB"),
        ("profile", "import", servers["conf_b"], "--name", "third"),
        ("profile", "export", "serverA", "-o", existing),
        ("login",),
        ("logout",),
    ]
    for argv in writes:
        r = kms_cli("--read-only", *argv) if before else kms_cli(*argv, "--read-only")
        assert r.code == 3, (argv, r.err)
        assert "--read-only refuses every change" in r.err and "Traceback" not in r.err, argv
    assert ids_on(kms_cli, "serverA") == {uid} and state_on(kms_cli, "serverA", uid) == "Active"
    listed = ok(kms_cli("profile", "list", "--json"))["profiles"]
    assert {p["name"] for p in listed} == {"serverA", "serverB"}
    assert [p["name"] for p in listed if p["active"]] == ["serverA"]
    assert existing.read_text() == "# mine\n"
    # reads still work, and an export to a new file is not a change to anything existing
    assert ok(kms_cli("--read-only", "locate", "--json"))["count"] == 1
    assert kms_cli("--read-only", "profile", "export", "serverA", "-o", tmp_path / "new.toml").code == 0


def test_where_it_acted_masks_the_password_in_the_url(kms_cli, sandbox, tmp_path):
    url = sandbox.url.replace("http://", "http://user:hunter2@")
    conf = write_conf(tmp_path / "pw.toml", {"server_url": url})
    r = kms_cli("create", "aes", "--conf", conf)
    assert r.code == 0, r.err
    assert "hunter2" not in r.err and "user:••••••@" in r.err
    doc = ok(kms_cli("create", "aes", "--conf", conf, "--json"))
    assert "hunter2" not in doc["server_url"]
    for extra in ((), ("--json",)):
        r = kms_cli("whoami", "--conf", conf, *extra)
        assert r.code == 0, r.err
        assert "hunter2" not in r.out + r.err and "user:••••••@" in r.out


def test_options_that_cannot_apply_are_refused(kms_cli, servers):
    assert kms_cli("--profile", "serverB", "serve").code == 3
    r = kms_cli("--profile", "serverB", "profile", "delete", "serverA")
    assert r.code == 3 and "different profiles" in r.err
    assert ok(kms_cli("profile", "list", "--json"))["profiles"]  # nothing deleted
    shown = ok(kms_cli("--profile", "serverB", "profile", "show", "--json"))
    assert shown["name"] == "serverB"
    assert kms_cli("--sandbox", "locate").code == 3
