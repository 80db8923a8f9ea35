"""What the doctor found: one :class:`Check` per link of the path, in the order they were walked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kms_tui import exitcodes

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
# Every link, in the order the doctor walks them (a link after the first broken one is skipped).
LINKS = ("config", "dns", "tcp", "proxy", "tls", "client_certificate", "server", "token", "rights")


@dataclass
class Check:
    """One link: ``status`` ok, warn (works, but see ``fix``), fail (broken here) or skip."""

    name: str
    status: str
    summary: str
    details: list[str] = field(default_factory=list)
    fix: str = ""
    exit_code: int = exitcodes.OK
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"check": self.name, "status": self.status, "summary": self.summary}
        if self.details:
            out["details"] = list(self.details)
        if self.fix:
            out["fix"] = self.fix
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass
class Report:
    server_url: str = ""
    profile: str = ""
    checks: list[Check] = field(default_factory=list)
    # what later checks and callers use: the server's version and health, the TLS peer's lines
    version: str = ""
    health: str = ""
    peer: list[str] = field(default_factory=list)

    @property
    def broken(self) -> Check | None:
        return next((c for c in self.checks if c.status == FAIL), None)

    @property
    def ok(self) -> bool:
        return self.broken is None

    @property
    def exit_code(self) -> int:
        broken = self.broken
        return broken.exit_code if broken is not None else exitcodes.OK

    def as_dict(self) -> dict[str, Any]:
        broken = self.broken
        return {
            "profile": self.profile,
            "server_url": self.server_url,
            "ok": broken is None,
            "broken": broken.name if broken else None,
            "exit_code": self.exit_code,
            "checks": [c.as_dict() for c in self.checks],
        }


class Broken(Exception):
    """Raised by a check to stop the walk at its link."""

    def __init__(
        self, summary: str, fix: str, exit_code: int, *, details: list[str] | None = None, reason: str = ""
    ) -> None:
        super().__init__(summary)
        self.summary, self.fix, self.exit_code = summary, fix, exit_code
        self.details = details or []
        self.reason = reason
