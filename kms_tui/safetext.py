"""Text from outside (a server, a file, a token) made safe to show in a terminal, and URLs with their
user-info masked. Pure functions with no imports from kms_tui: every layer may use them.

`visible(text)` keeps printable text as it is and writes every control character (C0, DEL, C1),
and the Unicode characters that reorder or hide text (bidi overrides, zero-width ones), as a visible
escape: ESC → ``\\x1b``, U+202E → ``\\u202e``. A backslash stays a backslash. Newlines and tabs are
escaped too unless ``keep_newlines`` is set (multi-line error bodies, PEM text).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# C0 controls, DEL, C1 controls; bidi embedding/override/isolate marks; zero-width and BOM; line
# and paragraph separators (a terminal or a log reader may break lines on them).
# Lone surrogates (from a file read with surrogateescape, or JSON's "\ud800") cannot be encoded to
# the terminal at all: escaped too.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")
_UNSAFE_KEEP_NL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: object, *, keep_newlines: bool = False) -> str:
    """``text`` (any value; None is ``""``) with every control or hiding character escaped visibly."""
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    pattern = _UNSAFE_KEEP_NL if keep_newlines else _UNSAFE
    return pattern.sub(_escape, s) if pattern.search(s) else s


def is_safe(text: str) -> bool:
    """True when ``text`` holds nothing `visible` would escape."""
    return _UNSAFE.search(text) is None


def mask_url(url: object) -> str:
    """``url`` with any password in its user-info replaced by ``••••••`` (``http://u:••••••@h/``);
    a user name alone is kept. Text that is not a URL is returned unchanged (made `visible`)."""
    s = "" if url is None else str(url)
    if "@" not in s:
        return visible(s)
    try:
        parts = urlsplit(s)
    except ValueError:
        return visible(s)
    if not parts.netloc or "@" not in parts.netloc:
        return visible(s)
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, sep, _password = userinfo.partition(":")
    netloc = f"{user}:••••••@{hostport}" if sep else f"{user}@{hostport}"
    return visible(urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)))
