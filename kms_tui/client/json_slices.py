"""Parse a large JSON array of objects a slice of entries at a time.

``/access/owned`` at 10,000 objects is about 9 MB of JSON. One ``json.loads`` of it is a single
C call of 150-300 ms that holds the GIL: a console drawing frames on another thread freezes for
that long, and nothing can be shown before the whole array is decoded. Cutting the text between
entries and decoding a few hundred at a time keeps each pause to a few milliseconds and lets the
first entries be used while the rest is still text.

Where to cut: every entry of the array starts with the same key (``"object_id"`` for the access
endpoints). ``{"object_id"`` with the quote right after the brace can never be inside a JSON
string (a quote in a string is escaped). It could be a nested object with that key; then the
slice ending there has unclosed brackets and fails to decode, and the rest of the text is
decoded in one piece: the result is always the same as ``json.loads``.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

SLICE_ENTRIES = 100  # entries decoded per call: about a millisecond of GIL at ~1 kB per entry
_SPACE = " \t\n\r"


def _entry_separators(text: str, key: str) -> list[int]:
    """Index of the ``[`` or ``,`` before each ``{`` that opens an object starting with ``key``."""
    needle = '"' + key + '"'
    found: list[int] = []
    at = text.find(needle)
    while at != -1:
        i = at - 1
        while i >= 0 and text[i] in _SPACE:
            i -= 1
        if i >= 0 and text[i] == "{":
            i -= 1
            while i >= 0 and text[i] in _SPACE:
                i -= 1
            if i >= 0 and text[i] in "[,":
                found.append(i)
        at = text.find(needle, at + len(needle))
    return found


def array_slices(text: str, key: str, per_slice: int = SLICE_ENTRIES) -> Iterator[list[Any]]:
    """The entries of the JSON array ``text``, decoded ``per_slice`` at a time (the last slice
    may be longer after a fallback). Raises ``ValueError`` if ``text`` is not a JSON array."""
    cuts = _entry_separators(text, key)[::per_slice]
    if not cuts or text[: cuts[0] + 1].strip() != "[":  # not the shape we cut: decode it whole
        whole = json.loads(text)
        if not isinstance(whole, list):
            raise ValueError("expected a JSON array")
        yield whole
        return
    for n, start in enumerate(cuts):
        if n + 1 < len(cuts):
            piece = "[" + text[start + 1 : cuts[n + 1]] + "]"
        else:
            piece = "[" + text[start + 1 :]  # the array's own closing bracket ends it
        try:
            entries = json.loads(piece)
        except ValueError:
            entries = None
        if not isinstance(entries, list):  # cut inside an entry: decode the rest in one piece
            yield json.loads("[" + text[start + 1 :])
            return
        yield entries
