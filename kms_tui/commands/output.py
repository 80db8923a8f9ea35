"""What headless commands print: text made safe for a terminal, JSON with every control escaped.

Text from outside (ids, names, tags, vendor attributes, server messages, file names) goes through
:func:`kms_tui.safetext.visible` — an object named ``\\x1b]0;pwned\\x07`` prints as that, not as an
escape sequence the terminal runs. JSON is written with ``ensure_ascii=True`` (C1 controls and bidi
marks become ``\\u0085``, ``\\u202e``) and DEL as ``\\u007f``, so every control stays an escape.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Sequence, TextIO

from kms_tui.safetext import visible


def dumps(document: Any, *, indent: int | None = 2) -> str:
    """One JSON document; no raw control character anywhere (JSON strings are the only place DEL
    can appear, so writing it as ``\\u007f`` keeps the document valid)."""
    return json.dumps(document, indent=indent, ensure_ascii=True, default=str).replace("\x7f", "\\u007f")


def safe_lines(text: str) -> str:
    """``text`` with each line made visible (the newlines between lines are kept)."""
    return "\n".join(visible(line) for line in text.split("\n"))


def say(text: str, stream: TextIO | None = None) -> None:
    """Print ``text`` (stderr by default) with every line made visible."""
    print(safe_lines(text), file=stream or sys.stderr)


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """A plain aligned text table; every cell made visible (a newline in a value stays ``\\n``)."""
    cells = [[visible(h) for h in headers]] + [["" if c is None else visible(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
