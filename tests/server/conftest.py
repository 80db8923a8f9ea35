"""Server-test plumbing: a one-line conformance tally at the end of the run."""

from __future__ import annotations

from collections import Counter

CONFORMANCE_NODE = "test_conformance.py::test_vector["


def pytest_terminal_summary(terminalreporter) -> None:
    """Print `conformance: N passed, N failed, N skipped` and each skip reason (xdist-safe)."""
    outcomes: Counter[str] = Counter()
    reasons: list[str] = []
    for key in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(key, []):
            if CONFORMANCE_NODE not in getattr(report, "nodeid", "") or report.when not in ("call", "setup"):
                continue
            if key == "passed" and report.when != "call":
                continue
            outcomes[key] += 1
            if key == "skipped" and isinstance(report.longrepr, tuple):
                vector = report.nodeid.split(CONFORMANCE_NODE, 1)[1].rstrip("]")
                reasons.append(f"  {vector}: {report.longrepr[2]}")
    if outcomes:
        tally = ", ".join(f"{outcomes[k]} {k}" for k in ("passed", "failed", "skipped", "error") if outcomes[k])
        terminalreporter.write_line(f"conformance vectors: {tally}")
        for line in sorted(reasons):
            terminalreporter.write_line(line)
