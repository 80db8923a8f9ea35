"""A trail you can prove: real commands against a real sandbox write chained rows; the chain is
then broken with sqlite3 directly (a field edited, a row deleted, two rows swapped, the tail cut)
and `kms-tui audit verify` names the first bad row and exits 1; two processes appending at once
still make a valid chain; `audit export` (JSON Lines, CSV) parses back to what `audit --json`
shows."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from kms_tui.audit import default_path
from tests.client.conftest import write_conf

DATA = (
    "time",
    "profile",
    "server",
    "operation",
    "object_ids",
    "outcome",
    "error_reason",
    "duration_ms",
    "user",
    "os_user",
    "attempts",
    "details",
)


@pytest.fixture
def trail(sandbox, tmp_path, kms_cli):
    """Six rows written by real commands: three creates, a revoke with a tricky message, two gets."""
    conf = write_conf(tmp_path / "ckms.toml", {"server_url": sandbox.url})
    ids = []
    for _ in range(3):
        r = kms_cli("create", "aes", "--conf", conf, "--json")
        assert r.code == 0, r.err
        ids.append(r.json["id"])
    r = kms_cli("revoke", ids[0], "--reason", "Superseded", "--message", 'rotated, "v2"\nsee ticket', "--conf", conf)
    assert r.code == 0, r.err
    for uid in ids[1:]:
        assert kms_cli("attributes", uid, "--conf", conf).code == 0
    return conf


def entries(kms_cli):
    r = kms_cli("audit", "--json", "--limit", "1000")
    assert r.code == 0, r.err
    return r.json["entries"]


def sql(*statements):
    with sqlite3.connect(default_path()) as conn:
        for s in statements:
            conn.execute(s)


def verify(kms_cli):
    r = kms_cli("audit", "verify", "--json")
    return r.code, r.json


def test_rows_written_by_real_commands_verify_intact(trail, kms_cli):
    rows = entries(kms_cli)
    assert len(rows) >= 6 and {"Create", "Revoke"} <= {e["operation"] for e in rows}
    code, doc = verify(kms_cli)
    assert code == 0 and doc["intact"] is True and doc["rows"] == len(rows)
    text = kms_cli("audit", "verify")
    assert text.code == 0 and text.out.startswith(f"audit trail intact: {len(rows)} rows")
    assert doc["head_hash"] in text.out


def test_an_edited_field_is_named(trail, kms_cli):
    sql("UPDATE audit SET outcome = 'refused' WHERE id = 2")
    code, doc = verify(kms_cli)
    assert code == 1 and doc["intact"] is False
    assert doc["first_bad"]["id"] == 2 and doc["first_bad"]["kind"] == "changed"
    text = kms_cli("audit", "verify")
    assert text.code == 1 and "BROKEN: row 2 " in text.out and "was changed" in text.out


def test_a_deleted_row_is_named_by_the_row_after_it(trail, kms_cli):
    sql("DELETE FROM audit WHERE id = 3")
    code, doc = verify(kms_cli)
    assert code == 1
    assert doc["first_bad"]["id"] == 4 and doc["first_bad"]["kind"] == "removed"
    assert "ids jump from 2 to 4" in doc["first_bad"]["problem"]


def test_two_rows_swapped_are_named(trail, kms_cli):
    cols = (*DATA, "prev_hash", "hash")
    with sqlite3.connect(default_path()) as conn:
        a = conn.execute(f"SELECT {','.join(cols)} FROM audit WHERE id = 2").fetchone()
        b = conn.execute(f"SELECT {','.join(cols)} FROM audit WHERE id = 3").fetchone()
        assert a != b
        sets = ",".join(f"{c} = ?" for c in cols)
        conn.execute(f"UPDATE audit SET {sets} WHERE id = 2", b)
        conn.execute(f"UPDATE audit SET {sets} WHERE id = 3", a)
    code, doc = verify(kms_cli)
    assert code == 1 and doc["first_bad"]["id"] == 2


def test_a_cut_off_tail_is_detected_even_after_later_rows(trail, kms_cli, tmp_path):
    last = len(entries(kms_cli))
    sql(f"DELETE FROM audit WHERE id >= {last - 1}")
    code, doc = verify(kms_cli)
    assert code == 1 and doc["first_bad"]["kind"] == "truncated"
    assert f"up to id {last}" in doc["first_bad"]["problem"]
    # a later command appends to the head, not to the cut-off tail: still broken, at the new row
    assert kms_cli("audit", "verify").code == 1
    assert kms_cli("locate", "--conf", trail).code == 0
    code, doc = verify(kms_cli)
    assert code == 1 and doc["first_bad"]["id"] > last and doc["first_bad"]["kind"] == "removed"


def test_a_removed_head_record_is_detected(trail, kms_cli):
    sql("DELETE FROM audit_head")
    code, doc = verify(kms_cli)
    assert code == 1 and doc["first_bad"]["kind"] == "head_missing"


def test_head_option_detects_a_rewritten_trail(trail, kms_cli):
    code, doc = verify(kms_cli)
    assert code == 0
    head = doc["head_hash"]
    assert kms_cli("audit", "verify", "--head", head).code == 0
    assert kms_cli("audit", "verify", "--head", "ab" * 32).code == 1


def test_an_older_trail_is_chained_in_place_then_guarded(tmp_path, kms_cli):
    path = default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.executescript("""
        CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, profile TEXT NOT NULL,
            server TEXT NOT NULL, operation TEXT NOT NULL, object_ids TEXT NOT NULL, outcome TEXT NOT NULL,
            error_reason TEXT NOT NULL, duration_ms INTEGER NOT NULL, user TEXT NOT NULL, os_user TEXT NOT NULL,
            attempts INTEGER NOT NULL);
        """)
        for i in range(4):
            conn.execute(
                "INSERT INTO audit (time, profile, server, operation, object_ids, outcome, error_reason,"
                " duration_ms, user, os_user, attempts) VALUES (?, 'old', 'http://kms', 'Destroy', ?, 'ok',"
                " '', 3, 'u', 'me', 1)",
                (f"2026-11-0{i + 1}T10:00:00.000+00:00", json.dumps([f"k{i}"])),
            )
    os.chmod(path, 0o600)
    code, doc = verify(kms_cli)
    assert code == 0 and doc["rows"] == 4
    assert [e["object_ids"] for e in entries(kms_cli)] == [["k3"], ["k2"], ["k1"], ["k0"]]
    sql("UPDATE audit SET object_ids = '[\"k9\"]' WHERE id = 3")
    code, doc = verify(kms_cli)
    assert code == 1 and doc["first_bad"]["id"] == 3


WRITER = textwrap.dedent("""
    import sys
    from kms_tui.audit import AuditEntry, AuditTrail
    trail = AuditTrail()
    for i in range(150):
        trail.record(AuditEntry(operation="Get", outcome="ok", object_ids=[f"{sys.argv[1]}-{i}"]))
        if i % 10 == 0:
            trail.flush()
    trail.close()
    assert trail.dropped == 0, trail.dropped
""")


def test_two_processes_appending_at_once_make_one_valid_chain(kms_cli):
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, name], env=dict(os.environ)) for name in ("a", "b")]
    assert [p.wait(120) for p in procs] == [0, 0]
    code, doc = verify(kms_cli)
    assert code == 0 and doc["rows"] == 300
    written = {e["object_ids"][0] for e in entries(kms_cli)}
    assert len(written) == 300


def test_export_jsonl_and_csv_give_back_what_audit_json_shows(trail, kms_cli):
    shown = list(reversed(entries(kms_cli)))  # oldest first, like the export
    jsonl = kms_cli("audit", "export", "--format", "jsonl")
    assert jsonl.code == 0, jsonl.err
    lines = [json.loads(line) for line in jsonl.out.splitlines()]
    assert [{k: r[k] for k in DATA} for r in lines] == shown
    assert [r["id"] for r in lines] == list(range(1, len(shown) + 1))
    assert lines[0]["prev_hash"] == "0" * 64
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(lines, lines[1:], strict=False))
    for r in lines:  # the documented canonical form, computed here from the exported row alone
        form = json.dumps(
            [r[k] for k in ("id", *DATA, "prev_hash")], ensure_ascii=True, separators=(",", ":"), sort_keys=True
        )
        assert hashlib.sha256(form.encode("ascii")).hexdigest() == r["hash"]
    revoke = next(r for r in lines if r["operation"] == "Revoke")
    assert revoke["details"]["message"] == 'rotated, "v2"\nsee ticket'

    out = kms_cli("audit", "export", "--format", "csv")
    assert out.code == 0
    assert out.out.endswith("\r\n")
    assert '"{""reason"":""Superseded"",""message"":""rotated, \\""v2\\""\\nsee ticket""}"' in out.out
    parsed = list(csv.DictReader(io.StringIO(out.out, newline="")))
    assert len(parsed) == len(shown)
    for row, entry, line in zip(parsed, shown, lines, strict=True):
        assert json.loads(row["object_ids"]) == entry["object_ids"] and json.loads(row["details"]) == entry["details"]
        assert int(row["duration_ms"]) == entry["duration_ms"] and int(row["attempts"]) == entry["attempts"]
        assert {k: row[k] for k in DATA if k not in ("object_ids", "details", "duration_ms", "attempts")} == {
            k: entry[k] for k in DATA if k not in ("object_ids", "details", "duration_ms", "attempts")
        }
        assert (row["hash"], row["prev_hash"], int(row["id"])) == (line["hash"], line["prev_hash"], line["id"])


def test_export_since_keeps_later_rows_only(trail, kms_cli):
    sql("UPDATE audit SET time = '2026-11-01T00:00:00.000+00:00' WHERE id <= 2")  # breaks the chain, not export
    later = kms_cli("audit", "export", "--since", "2026-12-01")
    assert later.code == 0
    ids = [json.loads(line)["id"] for line in later.out.splitlines()]
    assert ids and 1 not in ids and 2 not in ids and 3 in ids
    assert kms_cli("audit", "export", "--since", "yesterday").code == 3


def test_an_unreadable_trail_exits_3(tmp_path, kms_cli):
    path = default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(tmp_path / "elsewhere.sqlite")
    r = kms_cli("audit", "verify")
    assert r.code == 3 and "cannot be read" in r.err
    assert kms_cli("audit", "export").code == 3


def test_verify_and_export_read_a_trail_on_a_disk_that_cannot_grow(trail, kms_cli):
    """A full disk (no file may grow): verify and export read what is on disk, with a warning."""
    from kms_tui import paths
    from tests.client.support.commands import run_limited

    rows = len(entries(kms_cli))
    limit = max(p.stat().st_size for p in paths.state_dir().iterdir())
    done = run_limited(["audit", "verify"], limit)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"audit trail intact: {rows} rows") and "cannot be written" in done.stderr
    done = run_limited(["audit", "export", "--format", "jsonl"], limit)
    assert done.returncode == 0 and len(done.stdout.splitlines()) == rows
    sql("UPDATE audit SET user = 'someone else' WHERE id = 4")
    done = run_limited(["audit", "verify"], limit)
    assert done.returncode == 1 and "BROKEN: row 4 " in done.stdout


def test_rows_an_older_kms_tui_appends_are_chained_but_a_hash_wiped_mid_trail_is_not(trail, kms_cli):
    rows = len(entries(kms_cli))
    # what kms-tui before the chain writes: the data columns only (prev_hash and hash default to '')
    sql(
        "INSERT INTO audit (time, profile, server, operation, object_ids, outcome, error_reason, duration_ms, user,"
        " os_user, attempts, details) VALUES ('2026-12-03T10:00:00.000+00:00', 'p', 'http://kms', 'Get', '[\"k\"]',"
        " 'ok', '', 1, 'u', 'me', 1, '{}')"
    )
    code, doc = verify(kms_cli)
    assert code == 0 and doc["rows"] == rows + 1
    sql("UPDATE audit SET hash = '' WHERE id = 2")
    code, doc = verify(kms_cli)
    assert code == 1 and doc["first_bad"] == {**doc["first_bad"], "id": 2, "kind": "unchained"}
