"""The body of ``POST /access/grant`` and ``/access/revoke``, read as Cosmian's actix ``Json<Access>``
extractor does (crate/access/src/access.rs: ``Access``; crate/server/src/start_kms_server.rs:
``JsonConfig`` error handler): a JSON content type is required (else ``Content type error``), and
a body serde refuses is a 400 ``text/plain`` ``Json deserialize error: <serde message> at line L
column C``. Unknown fields are ignored; ``unique_identifier`` may be absent or null (None), a
string, or a 32-bit integer (which Cosmian then refuses as "not a string")."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from kms_tui.access_rights import OPERATIONS

# Cosmian's `KmipOperation` in declaration order: the order of a `BTreeSet<KmipOperation>` such as
# `/access/list`'s operations (one list, kms_tui.access_rights, for the client and the sandbox).
OPERATION_ORDER = OPERATIONS
OPERATION_TYPES = frozenset(OPERATION_ORDER)
_RANK = {op: i for i, op in enumerate(OPERATION_ORDER)}
_FIELDS = ("unique_identifier", "user_id", "operation_types")
_I32 = range(-(2**31), 2**31)


def ordered(ops: Iterable[str]) -> list[str]:
    """Operations in ``KmipOperation`` order."""
    return sorted(set(ops), key=lambda o: _RANK.get(o, len(_RANK)))


class BodyError(Exception):
    """The 400 body text."""


@dataclass
class Access:
    unique_identifier: str | int | None
    user_id: str
    operation_types: list[str]


class _Reader:
    """Walks a JSON text with positions, so errors carry serde_json's ``line L column C``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.decoder = json.JSONDecoder()

    def where(self, index: int) -> str:
        """serde_json reports the 1-based line and column of the last character it read."""
        before = self.text[:index]
        line = before.count("\n") + 1
        column = index - (before.rfind("\n") + 1)
        return f"at line {line} column {column}"

    def fail(self, message: str, index: int) -> BodyError:
        return BodyError(f"Json deserialize error: {message} {self.where(index)}")

    def skip(self, i: int) -> int:
        while i < len(self.text) and self.text[i] in " \t\n\r":
            i += 1
        return i

    def value(self, i: int) -> tuple[object, int]:
        try:
            return self.decoder.raw_decode(self.text, i)
        except json.JSONDecodeError as exc:
            raise self.fail(_syntax(exc.msg), exc.pos + 1) from None
        except RecursionError:  # serde_json stops at depth 128 with this message
            raise self.fail("recursion limit exceeded", i + 1) from None


def _syntax(msg: str) -> str:
    if msg.startswith("Expecting value"):
        return "expected value"
    if msg.startswith("Expecting property name"):
        return "key must be a string"
    if msg.startswith("Unterminated string"):
        return "EOF while parsing a string"
    return msg[0].lower() + msg[1:] if msg else "syntax error"


def _unexpected(value: object) -> str:
    """serde's ``Unexpected`` wording for a JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{'true' if value else 'false'}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value}`"
    if isinstance(value, str):
        return f"string {json.dumps(value)}"
    if isinstance(value, list):
        return "sequence"
    return "map"


def parse(body: bytes, content_type: str | None) -> Access:
    """The ``Access`` of a grant/revoke body, or :class:`BodyError` with Cosmian's 400 text."""
    mime = (content_type or "").split(";")[0].strip().lower()
    if not (mime == "application/json" or mime.endswith("+json") or mime.endswith("/json")):
        raise BodyError("Content type error")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError("Json deserialize error: invalid unicode code point at line 1 column 1") from None
    r = _Reader(text)
    i = r.skip(0)
    if i >= len(text):
        raise r.fail("EOF while parsing a value", len(text))
    if text[i] != "{":
        value, end = r.value(i)
        raise r.fail(f"invalid type: {_unexpected(value)}, expected struct Access", end)
    seen: dict[str, object] = {}
    i = r.skip(i + 1)
    if i < len(text) and text[i] == "}":
        end = i + 1
    else:
        while True:
            if not text.startswith('"', i):
                raise r.fail("key must be a string", i + 1)
            name, i = r.value(i)
            key = str(name)  # a JSON string: it starts with a quote
            if key in _FIELDS and key in seen:  # serde's derive checks this before reading the value
                raise r.fail(f"duplicate field `{key}`", i)
            i = r.skip(i)
            if i >= len(text) or text[i] != ":":
                raise r.fail("expected `:`", i + 1)
            start = r.skip(i + 1)
            value, i = _field(r, key, start)
            if key in _FIELDS:
                seen[key] = value
            i = r.skip(i)
            if i < len(text) and text[i] == ",":
                i = r.skip(i + 1)
                if text.startswith("}", i):
                    raise r.fail("trailing comma", i + 1)
                continue
            if i < len(text) and text[i] == "}":
                end = i + 1
                break
            raise r.fail("expected `,` or `}`", min(i + 1, len(text)))
    rest = r.skip(end)
    if rest < len(text):
        raise r.fail("trailing characters", rest + 1)
    for name in ("user_id", "operation_types"):
        if name not in seen:
            raise r.fail(f"missing field `{name}`", end)
    return Access(seen.get("unique_identifier"), seen["user_id"], seen["operation_types"])  # type: ignore[arg-type]  # _field checked each


def _field(r: _Reader, key: str, start: int) -> tuple[object, int]:
    """One field's value, checked as serde checks the ``Access`` field types."""
    if key == "operation_types" and r.text.startswith("[", start):
        ops: list[str] = []
        i = r.skip(start + 1)
        if r.text.startswith("]", i):
            return ops, i + 1
        while True:
            if not r.text.startswith('"', i):
                if i >= len(r.text):
                    raise r.fail("EOF while parsing a list", len(r.text))
                r.value(i)  # a syntax error is reported as such first
                raise r.fail("expected value", i + 1)
            op, i = r.value(i)
            if op not in OPERATION_TYPES:
                expected = ", ".join(f"`{o}`" for o in OPERATION_ORDER)
                raise r.fail(f"unknown variant `{op}`, expected one of {expected}", i)
            ops.append(op)
            i = r.skip(i)
            if r.text.startswith(",", i):
                i = r.skip(i + 1)
                if r.text.startswith("]", i):
                    raise r.fail("trailing comma", i + 1)
                continue
            if r.text.startswith("]", i):
                return ops, i + 1
            raise r.fail("expected `,` or `]`", min(i + 1, len(r.text)))
    value, end = r.value(start)
    if key == "user_id" and not isinstance(value, str):
        raise r.fail(f"invalid type: {_unexpected(value)}, expected a string", end)
    if key == "operation_types":
        raise r.fail(f"invalid type: {_unexpected(value)}, expected a sequence", end)
    if key == "unique_identifier" and value is not None and not isinstance(value, str):
        if not (isinstance(value, int) and not isinstance(value, bool) and value in _I32):
            raise r.fail("data did not match any variant of untagged enum UniqueIdentifier", end)
    return value, end
