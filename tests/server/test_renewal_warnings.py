"""The sandbox's scheduler logs Cosmian 5.26's renewal warnings (auto_rotate.rs:
dispatch_renewal_warnings, run by cron.rs after each auto-rotation pass): one info line per key
whose next rotation is within 30, 7 or 1 day(s), at the most urgent threshold, once per key and
threshold while the server runs; a more urgent threshold logs again."""

from __future__ import annotations

import re
import time

from tests.server.kmip import Kmip, _wait_for, s, t, uid
from tests.support.sandbox import start_sandbox

DAY = 86400
LINE = re.compile(
    r"\[auto-rotate\] Key (\S+) \(owner=([^)]*)\) rotation due in (-?\d+) day\(s\) "
    r"\(warning threshold: (\d+) days\)"
)


def _warnings(log) -> list[tuple[str, int, int]]:
    return [(m[1], int(m[3]), int(m[4])) for m in LINE.finditer(log.read_text(errors="replace"))]


def _policy(kmip: Kmip, key: str, seconds: int) -> None:
    kmip.ok(s("SetAttribute", uid(key), s("NewAttribute", t("RotateInterval", "LongInteger", seconds))))


def test_renewal_warnings_are_logged_once_per_threshold(tmp_path):
    sb = start_sandbox(tmp_path / "sb", extra_args=["--auto-rotation-check-interval", "0.3"])
    kmip = Kmip(sb.url)
    try:
        in_hours, in_5_days, in_20_days, in_40_days, no_policy = (kmip.create() for _ in range(5))
        _policy(kmip, in_hours, 3 * 3600)
        _policy(kmip, in_5_days, 5 * DAY)
        _policy(kmip, in_20_days, 20 * DAY)
        _policy(kmip, in_40_days, 40 * DAY)
        _wait_for(lambda: len(_warnings(sb.log)) >= 3)
        time.sleep(1.5)  # several more ticks: nothing is warned twice
        assert sorted(_warnings(sb.log), key=lambda w: w[2]) == [
            (in_hours, 0, 1),
            (in_5_days, 4, 7),
            (in_20_days, 19, 30),
        ]
        assert in_40_days not in sb.log.read_text() and no_policy not in sb.log.read_text()
        # the 20-day key comes closer: the 7-day threshold fires once more, then stays quiet
        _policy(kmip, in_20_days, 6 * DAY)
        _wait_for(lambda: (in_20_days, 5, 7) in _warnings(sb.log))
        time.sleep(1.0)
        assert [w for w in _warnings(sb.log) if w[0] == in_20_days] == [(in_20_days, 19, 30), (in_20_days, 5, 7)]
    finally:
        kmip.close()
        sb.stop()


def test_a_rotation_is_logged_with_the_algorithm_and_the_count_of_due_keys(tmp_path):
    sb = start_sandbox(tmp_path / "sb", extra_args=["--auto-rotation-check-interval", "0.3"])
    kmip = Kmip(sb.url)
    try:
        key = kmip.create()
        _policy(kmip, key, 1)
        _wait_for(
            lambda: (
                f"[auto-rotate] Key {key} (owner=" in sb.log.read_text()
                and "algo=AES) rotated successfully" in sb.log.read_text()
            )
        )
        text = sb.log.read_text()
        assert "[auto-rotate] Found 1 key(s) due for rotation" in text
        assert re.search(rf"INFO .*\[auto-rotate\] Key {key} \(owner=[^,]*, algo=AES\) rotated successfully", text)
    finally:
        kmip.close()
        sb.stop()
