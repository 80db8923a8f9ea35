"""Words for counts, shared by the console and the headless commands: "1 object", "2 objects"."""

from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun`` in the right number, thousands separated: ``count(1, "object")`` is
    "1 object", ``count(12000, "entry", "entries")`` is "12,000 entries"."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"
