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

import codecs
import json
from collections.abc import Iterator
from typing import Any, AnyStr

SLICE_ENTRIES = 100  # entries decoded per call: about a millisecond of GIL at ~1 kB per entry


def _like(text: AnyStr, s: str) -> AnyStr:
    """``s`` as the same kind of string as ``text``."""
    return s if isinstance(text, str) else s.encode()


def _entry_separators(text: AnyStr, key: str) -> Iterator[int]:
    """Index of the ``[`` or ``,`` before each ``{`` that opens an object starting with ``key``,
    found as the caller asks for them (one scan of 10 MB in one go is a ~12 ms pause)."""
    needle, space, brace = _like(text, '"' + key + '"'), _like(text, " \t\n\r"), _like(text, "{")
    before = _like(text, "[,")
    at = text.find(needle)
    while at != -1:
        i = at - 1
        while i >= 0 and text[i : i + 1] in space:
            i -= 1
        if i >= 0 and text[i : i + 1] == brace:
            i -= 1
            while i >= 0 and text[i : i + 1] in space:
                i -= 1
            if i >= 0 and text[i : i + 1] in before:
                yield i
        at = text.find(needle, at + len(needle))


def _slice_starts(text: AnyStr, key: str, per_slice: int) -> Iterator[int]:
    """Every ``per_slice``-th separator, scanning only as far as the next one."""
    for n, cut in enumerate(_entry_separators(text, key)):
        if n % per_slice == 0:
            yield cut


def array_slices(text: AnyStr, key: str, per_slice: int = SLICE_ENTRIES) -> Iterator[list[Any]]:
    """The entries of the JSON array ``text`` (``str``, or UTF-8 ``bytes`` as they came off the
    network: then no 10 MB string is ever made), decoded ``per_slice`` at a time (the last slice
    may be longer after a fallback). Raises ``ValueError`` if ``text`` is not a JSON array."""
    opening, closing = ("[", "]") if isinstance(text, str) else (b"[", b"]")
    starts = _slice_starts(text, key, per_slice)
    start = next(starts, None)
    if start is None or text[: start + 1].strip() != opening:  # not the shape we cut: decode it whole
        whole = json.loads(text)
        if not isinstance(whole, list):
            raise ValueError("expected a JSON array")
        yield whole
        return
    while start is not None:
        end = next(starts, None)  # the text is scanned one slice ahead of the decode
        piece = opening + (text[start + 1 : end] + closing if end is not None else text[start + 1 :])
        try:
            entries = json.loads(piece)
        except ValueError:
            entries = None
        if not isinstance(entries, list):  # cut inside an entry: decode the rest in one piece
            yield json.loads(opening + text[start + 1 :])
            return
        yield entries
        start = end


_DECODER = json.JSONDecoder()
_SPACE = " \t\n\r"


class ArrayEntries:
    """The entries of one JSON array that arrives in pieces (UTF-8 bytes off the network), each
    handed out as soon as it is complete: only the unfinished tail is held, never the array.

    ``feed(piece)`` returns the entries the piece completed; ``feed(b"", final=True)`` the last
    ones. Raises ``ValueError`` when the text is not one JSON array (checked as it arrives: a
    page of HTML fails on its first piece)."""

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._text = ""
        self._state = "open"  # open: before "["; value: an entry (or "]") next; comma: "," or "]" next; done

    def feed(self, piece: bytes, final: bool = False) -> list[Any]:
        text = self._text + self._utf8.decode(piece, final)
        entries: list[Any] = []
        i, n = 0, len(text)
        while True:
            while i < n and text[i] in _SPACE:
                i += 1
            if i >= n:
                break
            if self._state == "done":
                raise ValueError("text after the end of the JSON array")
            if self._state == "open":
                if text[i] != "[":
                    raise ValueError("expected a JSON array")
                i, self._state = i + 1, "first"
            elif text[i] == "]" and self._state in ("first", "comma"):
                i, self._state = i + 1, "done"
            elif self._state == "comma":
                if text[i] != ",":
                    raise ValueError("expected , or ] between the entries of a JSON array")
                i, self._state = i + 1, "value"
            else:
                try:
                    value, end = _DECODER.raw_decode(text, i)
                except json.JSONDecodeError:
                    if final:
                        raise
                    break  # the entry is not complete yet
                if end >= n and not final:
                    break  # a number may go on in the next piece: wait for what follows it
                entries.append(value)
                i, self._state = end, "comma"
        self._text = text[i:]
        if final and self._state != "done":
            raise ValueError("the JSON array is not complete")
        return entries
