"""`kms-tui due` (and the radar screen, which shares kms_tui.client.radar) reports keys whose next
rotation by their policy falls within the window or has passed: RotateDate + RotateInterval, as
Cosmian's scheduler computes it; a key already re-keyed (it points at its successor) is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.client.conftest import write_conf
from tests.server.kmip import Kmip, aes, first, t, uid
from tests.support.sandbox import start_sandbox


def _rotating(kms: Kmip, key_id: str, last: datetime, *, automatic: bool = True) -> str:
    body = aes()
    body["value"][1]["value"] += [
        uid(key_id),
        t("RotateInterval", "Integer", 90 * 86400),
        t("RotateDate", "DateTime", last.strftime("%Y-%m-%dT%H:%M:%SZ")),
        t("RotateAutomatic", "Boolean", automatic),
    ]
    return first(kms.ok(body), "UniqueIdentifier")


def test_due_reports_rotations_within_the_window(tmp_path, kms_cli):
    now = datetime.now(UTC)
    with start_sandbox(tmp_path / "sb") as sb:
        kms = Kmip(sb.url)
        _rotating(kms, "soon", now - timedelta(days=80))  # next in 10 days
        _rotating(kms, "overdue", now - timedelta(days=95), automatic=False)  # 5 days late, not automatic
        _rotating(kms, "far", now - timedelta(days=10))  # next in 80 days
        _rotating(kms, "rekeyed", now - timedelta(days=85))
        kms.ok({"tag": "ReKey", "value": [uid("rekeyed")]})  # the old generation is replaced
        kms.close()
        conf = write_conf(tmp_path / "ckms.toml", {"server_url": sb.url})
        r = kms_cli("due", "--within", "30d", "--no-grants", "--conf", conf, "--json")
    assert r.code == 5, r.err
    rotations = {f["id"]: f for f in r.json["findings"] if f["kind"] == "key_rotation"}
    assert set(rotations) == {"soon", "overdue"}  # not far, not the replaced generation (nor its successor)
    assert rotations["soon"]["message"].startswith("next rotation in 10 days (every 90d")
    assert "kms-tui rekey soon" in rotations["soon"]["action"]
    assert rotations["overdue"]["message"].startswith("rotation overdue by 5 days (every 90d")
    assert rotations["overdue"]["message"].endswith(", not automatic")
    assert [f["id"] for f in r.json["findings"] if f["kind"] == "key_rotation"][:2] == ["overdue", "soon"]
