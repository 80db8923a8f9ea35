"""Configuration problems and the error that carries them.

A :class:`Problem` points at one spot of a TOML document (dotted path and line) and says what
is wrong and what is allowed. :class:`ConfigError` carries every problem found at once, so an
operator fixes a file in one pass. Messages never contain a secret value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kms_tui import exitcodes

# The line of a dotted TOML path in the document being checked (None when unknown).
LineOf = Callable[[str], int | None]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a configuration document.

    ``path`` is the dotted TOML path (``http_config.proxy_params.url``), empty for the whole
    document; ``line``/``column`` are 1-based (``None`` when unknown); ``allowed`` says what
    would be accepted; ``severity`` is ``"error"`` (ckms would refuse it) or ``"warning"``.
    """

    path: str
    line: int | None
    message: str
    allowed: str = ""
    severity: str = "error"
    column: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        if self.column:
            where += f", column {self.column}"
        key = f" `{self.path}`" if self.path else ""
        text = f"{where}{key}: {self.message}"
        if self.allowed:
            text += f" (allowed: {self.allowed})"
        if self.severity != "error":
            text = f"{self.severity}: {text}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ConfigError(Exception):
    """An invalid, unreadable or unsavable configuration (headless exit code 3)."""

    summary: str
    problems: list[Problem] = field(default_factory=list)
    source: str | Path | None = None
    fix: str = "Fix the file (`kms-tui profile check` lists every problem) and try again."
    exit_code: int = exitcodes.USAGE

    def __post_init__(self) -> None:
        super().__init__(self.summary)

    @property
    def message(self) -> str:
        """The summary naming the file (what a one-line report shows; the problems follow)."""
        return f"{self.source}: {self.summary}" if self.source else self.summary

    def __str__(self) -> str:
        head = f"{self.source}: {self.summary}" if self.source else self.summary
        lines = [head]
        lines += [f"  {p}" for p in self.problems]
        if self.fix:
            lines.append(self.fix)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": self.summary,
            "source": str(self.source) if self.source else None,
            "problems": [p.to_dict() for p in self.problems],
            "fix": self.fix,
        }


def errors_only(problems: list[Problem]) -> list[Problem]:
    """The problems that make a document unusable (warnings dropped)."""
    return [p for p in problems if p.is_error]
