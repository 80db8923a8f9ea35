"""What headless commands print: text made safe for a terminal, JSON with every control escaped.

Text from outside (ids, names, tags, vendor attributes, server messages, file names) goes through
:func:`kms_tui.safetext.visible` — an object named ``\\x1b]0;pwned\\x07`` prints as that, not as an
escape sequence the terminal runs. JSON escapes every control: C1 controls and bidi marks become
``\\u0085``, ``\\u202e``, DEL ``\\u007f``; other non-ASCII text stays readable.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from kms_tui.safetext import visible

# What json.dumps leaves raw besides printable text: DEL, C1 controls, the characters that hide or
# reorder text, line separators, and lone surrogates (which no terminal encoding can print).
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def dumps(document: Any, *, indent: int | None = 2) -> str:
    """One JSON document with every control escaped: C0 as JSON always does, and each character of
    ``_RAW_IN_JSON`` as ``\\uXXXX`` (they can only be inside strings, so the document stays valid).
    Other non-ASCII text (``café``, ``••••••``) stays readable."""
    text = json.dumps(document, indent=indent, ensure_ascii=False, default=str)
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def safe_lines(text: str) -> str:
    """``text`` with each line made visible (the newlines between lines are kept); a lone surrogate
    (valid in a JSON string, unprintable) is shown as ``\\udc80`` too."""
    shown = "\n".join(visible(line) for line in text.split("\n"))
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", shown)


def say(text: str, stream: TextIO | None = None) -> None:
    """Print ``text`` (stderr by default) with every line made visible."""
    print(safe_lines(text), file=stream or sys.stderr)


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """A plain aligned text table; every cell made visible (a newline in a value stays ``\\n``)."""
    cells = [[visible(h) for h in headers]] + [["" if c is None else visible(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
