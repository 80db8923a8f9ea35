"""Find the line of a dotted TOML path in a document's text (for error messages).

tomlkit keeps no line numbers, so this scans the text: table headers set the current table,
``key = value`` lines (bare, quoted or dotted keys) give full paths. Good enough for the
ckms.toml shape (no inline tables of tables); an unknown path falls back to its table header.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")


def _split_key(raw: str) -> list[str]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", raw)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def key_lines(text: str) -> dict[str, int]:
    """Map every table and key path in ``text`` to its 1-based line (first occurrence)."""
    found: dict[str, int] = {}
    table: list[str] = []
    in_multiline = None  # a '''/""" string spanning lines hides keys inside it
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        header = _HEADER.match(line)
        if header:
            table = _split_key(header.group(1))
            found.setdefault(".".join(table), number)
            continue
        key = _KEY.match(line)
        if key:
            found.setdefault(".".join(table + _split_key(key.group(1))), number)
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    in_multiline = quote
    return found


def line_of(text: str, path: str, lines: dict[str, int] | None = None) -> int | None:
    """The line of ``path`` (``a.b.c``; list indices ``[n]`` ignored), else of its nearest table."""
    lines = key_lines(text) if lines is None else lines
    parts = re.sub(r"\[\d+\]", "", path).split(".") if path else []
    while parts:
        hit = lines.get(".".join(parts))
        if hit:
            return hit
        parts.pop()
    return None
