"""The onboarding's connection check: the doctor's walk (:mod:`kms_tui.doctor`) up to the server
link (no sign-in yet): DNS, TCP, proxy, TLS, client certificate, /version and /health. The first
broken link becomes the error shown with its fix; the links that passed are listed."""

from __future__ import annotations

from dataclasses import dataclass, field

from kms_tui.client.errors import KmsError


@dataclass
class CheckResult:
    """What the check found; ``error`` carries the broken link's ``message`` and ``fix``."""

    url: str
    version: str = ""
    health: str = ""
    tls: list[str] = field(default_factory=list)
    error: BaseException | None = None
    links: list[str] = field(default_factory=list)  # "✓ dns: …" for every link walked

    @property
    def ok(self) -> bool:
        return self.error is None


class BrokenLink(KmsError):
    """The doctor's first broken link, as the error the connect screen shows."""


async def check_connection(http_config: dict) -> CheckResult:
    """Walk the path to the server of ``http_config`` (no sign-in)."""
    from kms_tui.doctor import Doctor

    url = str(http_config.get("server_url", ""))
    report = await Doctor(http_config, profile="connection-check", with_auth=False).run()
    result = CheckResult(url=url, version=report.version, health=report.health, tls=list(report.peer))
    marks = {"ok": "✓", "warn": "!", "fail": "✗"}
    result.links = [f"{marks[c.status]} {c.name}: {c.summary}" for c in report.checks if c.status in marks]
    broken = report.broken
    if broken is not None:
        result.error = BrokenLink(f"{broken.name}: {broken.summary}", broken.fix, reason=broken.reason)
    return result
