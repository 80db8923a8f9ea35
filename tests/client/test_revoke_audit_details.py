"""A revoke's reason code, message and compromise date are kept in the local audit trail (Cosmian
5.26 drops them: crate/server/src/core/operations/revoke.rs, "TODO Reasons should be kept in the
database"), shown by `kms-tui audit` and `kms-tui audit --json`, masked when they look like a
secret; a trail written by an older kms-tui (no details column) is migrated in place."""

from __future__ import annotations

import json
import os
import sqlite3

from kms_tui.audit import default_path
from tests.client.conftest import write_conf
from tests.client.support.commands import kms_tui


def test_kms_tui_revoke_reason_message_and_date_reach_the_audit_trail(sandbox, tmp_path):
    conf = write_conf(tmp_path / "ckms.toml", {"server_url": sandbox.url})
    created = kms_tui("create", "aes", "--conf", conf, "--json")
    assert created.returncode == 0, created.stderr
    uid = json.loads(created.stdout)["id"]
    message = "laptop stolen at the airport; Authorization: Bearer abc.def.ghi"
    revoked = kms_tui(
        "revoke",
        uid,
        "--reason",
        "KeyCompromise",
        "--message",
        message,
        "--compromise-date",
        "2026-11-30T08:00:00Z",
        "--conf",
        conf,
    )
    assert revoked.returncode == 0, revoked.stderr

    shown = kms_tui("audit", "--json")
    assert shown.returncode == 0, shown.stderr
    entry = next(e for e in json.loads(shown.stdout)["entries"] if e["operation"] == "Revoke")
    assert entry["object_ids"] == [uid] and entry["outcome"] == "ok"
    details = entry["details"]
    assert details["reason"] == "KeyCompromise"
    assert details["message"].startswith("laptop stolen at the airport; Authorization: ")
    assert "abc.def.ghi" not in shown.stdout and "••••••" in details["message"]
    assert details["compromise_date"].startswith("2026-11-30T08:00:00")
    create = next(e for e in json.loads(shown.stdout)["entries"] if e["operation"] == "Create")
    assert create["details"] == {}

    text = kms_tui("audit")
    assert text.returncode == 0 and "DETAILS" in text.stdout
    row = next(line for line in text.stdout.splitlines() if " Revoke " in line)
    assert "reason=KeyCompromise" in row and "laptop stolen" in row and "abc.def.ghi" not in text.stdout


def test_a_refused_revoke_keeps_what_was_typed_too(sandbox, tmp_path):
    conf = write_conf(tmp_path / "ckms.toml", {"server_url": sandbox.url})
    r = kms_tui("revoke", "no-such-key", "--reason", "Superseded", "--message", "rotated to v2", "--conf", conf)
    assert r.returncode == 1
    entry = next(e for e in json.loads(kms_tui("audit", "--json").stdout)["entries"] if e["operation"] == "Revoke")
    assert entry["outcome"] == "refused"
    assert entry["details"] == {"reason": "Superseded", "message": "rotated to v2"}


OLD_SCHEMA = """
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, profile TEXT NOT NULL,
    server TEXT NOT NULL, operation TEXT NOT NULL, object_ids TEXT NOT NULL, outcome TEXT NOT NULL,
    error_reason TEXT NOT NULL, duration_ms INTEGER NOT NULL, user TEXT NOT NULL,
    os_user TEXT NOT NULL, attempts INTEGER NOT NULL
);
INSERT INTO audit (time, profile, server, operation, object_ids, outcome, error_reason, duration_ms,
                   user, os_user, attempts)
VALUES ('2026-11-01T10:00:00.000+00:00', 'old', 'http://kms', 'Destroy', '["k-old"]', 'ok', '', 3, 'u', 'me', 1);
"""


def test_an_older_trail_is_migrated_in_place(sandbox, tmp_path):
    path = default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_SCHEMA)
    os.chmod(path, 0o600)
    conf = write_conf(tmp_path / "ckms.toml", {"server_url": sandbox.url})
    uid = json.loads(kms_tui("create", "aes", "--conf", conf, "--json").stdout)["id"]
    assert kms_tui("revoke", uid, "--reason", "CessationOfOperation", "--conf", conf).returncode == 0
    entries = json.loads(kms_tui("audit", "--json").stdout)["entries"]
    assert next(e for e in entries if e["operation"] == "Revoke")["details"] == {"reason": "CessationOfOperation"}
    old = entries[-1]
    assert (old["operation"], old["object_ids"], old["details"]) == ("Destroy", ["k-old"], {})
