"""`kms-tui audit` filters as the console's audit view does (operation — a batch under its
operation —, object, outcome, profile, time range) with --json, and headless rows name the KMS user."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from kms_tui.audit.view import AuditFilter, operation_label, operation_name
from tests.client.conftest import write_conf
from tests.client.support.commands import kms_tui


def test_a_batch_reads_as_one_operation_with_its_count():
    assert operation_label("RequestMessage[GetAttributes×10]") == "GetAttributes ×10"
    assert (
        operation_name("RequestMessage[GetAttributes×2]")
        == operation_name("RequestMessage[GetAttributes×4]")
        == "GetAttributes"
    )
    assert operation_label("RequestMessage[Revoke,Destroy×2]") == "Batch: Revoke, Destroy ×2"
    assert operation_name("Revoke") == "Revoke"
    batch = {"operation": "RequestMessage[GetAttributes×4]", "object_ids": ["a"], "outcome": "ok"}
    assert AuditFilter(operation="GetAttributes").matches(batch)
    now = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    entry = {"time": "2026-01-15T09:00:00+00:00", "operation": "Create", "object_ids": [], "outcome": "ok"}
    assert AuditFilter(since=now - timedelta(hours=1)).matches(entry)
    assert not AuditFilter(since=now - timedelta(minutes=10)).matches(entry)
    assert not AuditFilter(until=now - timedelta(hours=1)).matches(entry)


def test_kms_tui_audit_filters_and_json(sandbox, tmp_path):
    conf = write_conf(tmp_path / "ckms.toml", {"server_url": sandbox.url})
    first = json.loads(kms_tui("create", "aes", "--conf", conf, "--json").stdout)["id"]
    second = json.loads(kms_tui("create", "aes", "--conf", conf, "--json").stdout)["id"]
    assert kms_tui("revoke", first, "--reason", "Superseded", "--conf", conf).returncode == 0
    assert kms_tui("destroy", "no-such-key", "--conf", conf).returncode == 1

    def entries(*options: str) -> list[dict]:
        shown = kms_tui("audit", "--json", *options)
        assert shown.returncode == 0, shown.stderr
        return json.loads(shown.stdout)["entries"]

    everything = entries()
    # headless rows name the KMS user (the sandbox's no-auth user), as the console's rows do
    creates = [e for e in everything if e["operation"] == "Create"]
    assert len(creates) == 2 and all(e["user"] == "admin" for e in creates)

    assert [e["operation"] for e in entries("--operation", "Revoke")] == ["Revoke"]
    assert {e["object_ids"][0] for e in entries("--object", second[:13])} == {second}
    refused = entries("--outcome", "refused")
    # the state check before the destroy was refused: no such object
    assert len(refused) == 1 and refused[0]["object_ids"] == ["no-such-key"]
    assert entries("--profile", "ckms", "--operation", "Create") == creates
    assert entries("--profile", "another", "--operation", "Create") == []
    assert entries("--since", "2000-01-01", "--until", "2000-01-02") == []
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert len(entries("--until", later, "--operation", "Create")) == 2

    text = kms_tui("audit", "--outcome", "refused")
    assert text.returncode == 0
    header, _rule, row = text.stdout.splitlines()[:3]
    assert header.split()[0] == "OUTCOME" and "USER" in header
    assert row.split()[0] == "refused" and "no-such-key" in row and "admin" in row
