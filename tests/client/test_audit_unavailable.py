"""When the audit trail cannot be written, reads go on with a warning, writes are refused (exit 3,
with the reason) unless --no-audit, and nothing dies with a traceback. Three real situations,
nothing monkeypatched: a regular file where the state directory should be, a directory where the
database should be, and a file-size limit (RLIMIT_FSIZE, what a full disk looks like to SQLite:
no write can grow a file) on the real `kms-tui` process."""

from __future__ import annotations

import pytest

from kms_tui import paths
from kms_tui.audit import AuditTrail
from tests.client.support.commands import run_limited


def count_on_server(kms_cli, conf) -> int:
    r = kms_cli("locate", "--conf", conf, "--json")
    assert r.code == 0, r.err
    return r.json["count"]


def break_state_dir(how: str) -> None:
    """Make the audit database impossible to open or write."""
    home = paths.home()
    assert home is not None  # every test has its own KMS_TUI_HOME
    if how == "state-is-a-file":
        home.mkdir(parents=True, exist_ok=True)
        (home / "state").write_text("not a directory\n")
    else:  # a directory where audit.sqlite should be
        (home / "state" / "audit.sqlite").mkdir(parents=True)


@pytest.mark.parametrize("how", ["state-is-a-file", "database-is-a-directory"])
def test_reads_warn_and_writes_are_refused_without_no_audit(kms_cli, conf, how):
    break_state_dir(how)
    reason = AuditTrail.check()
    assert reason and "\n" not in reason
    r = kms_cli("locate", "--conf", conf, "--json")
    assert r.code == 0 and r.json["count"] == 0
    assert "audit trail is not being written" in r.err
    r = kms_cli("create", "aes", "--conf", conf, "--json")
    assert r.code == 3 and "unrecorded" in r.err and "--no-audit" in r.err
    assert r.json["error"]["reason"] == "audit_unavailable"
    assert count_on_server(kms_cli, conf) == 0  # nothing was sent
    r = kms_cli("create", "aes", "--conf", conf, "--no-audit", "--json")
    assert r.code == 0, r.err
    assert "not recorded" in r.err
    uid = r.json["id"]
    r = kms_cli("--no-audit", "revoke", uid, "--reason", "Superseded", "--conf", conf)
    assert r.code == 0 and "not recorded" in r.err
    r = kms_cli("destroy", uid, "--conf", conf)  # refused before anything is sent
    assert r.code == 3 and "unrecorded" in r.err
    r = kms_cli("attributes", uid, "--conf", conf)
    assert r.code == 0 and "Deactivated" in r.out
    for argv in (("audit",), ("whoami", "--conf", conf), ("export", uid, "--conf", conf)):
        r = kms_cli(*argv)
        assert "Traceback" not in r.err and r.code in (0, 1, 3), argv
        assert r.err.strip(), argv  # the reason is said


def test_check_is_none_when_the_trail_is_writable():
    assert AuditTrail.check() is None
    assert AuditTrail.check() is None  # and again, on the database it made


def test_a_disk_that_cannot_grow_any_file(kms_cli, conf):
    uid = kms_cli("create", "aes", "--conf", conf, "--json").json["id"]  # the trail exists, 1 key
    state = paths.state_dir()
    limit = max(p.stat().st_size for p in state.iterdir())
    done = run_limited(["create", "aes", "--conf", str(conf)], limit)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr and "unrecorded" in done.stderr
    assert count_on_server(kms_cli, conf) == 1
    done = run_limited(["locate", "--conf", str(conf)], limit)
    assert done.returncode == 0 and uid in done.stdout
    assert "audit trail is not being written" in done.stderr
    done = run_limited(["whoami", "--conf", str(conf)], limit)
    assert done.returncode == 0 and "audit trail is not being written" in done.stderr, done.stderr
    done = run_limited(["audit", "--limit", "5"], limit)  # what was recorded can still be read
    assert done.returncode == 0 and "Create" in done.stdout and "Traceback" not in done.stderr
    done = run_limited(["create", "aes", "--no-audit", "--conf", str(conf)], limit)
    assert done.returncode == 0 and "not recorded" in done.stderr
    assert count_on_server(kms_cli, conf) == 2


@pytest.mark.parametrize("how", ["state-is-a-file", "database-is-a-directory"])
def test_whoami_is_a_read_and_goes_on_with_a_warning(kms_cli, conf, how):
    """whoami also opens the credential cache in the state directory: an unusable one is a warning,
    not the end of the command (was exit 3 'File exists' when a file stood where it should be)."""
    break_state_dir(how)
    r = kms_cli("whoami", "--conf", conf, "--json")
    assert r.code == 0, r.err
    assert r.json["user"] == "admin"
    assert "audit trail is not being written" in r.err
