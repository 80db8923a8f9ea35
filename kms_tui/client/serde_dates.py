"""Dates as Cosmian's REST endpoints write them, read back as ``datetime``.

``/access/owned`` is Cosmian's ``Attributes`` struct written by serde_json, not JSON TTLV. Its
dates are ``time::OffsetDateTime`` values, and Cosmian 5.26 builds ``time`` without the
``serde-human-readable`` feature, so serde writes each one as a tuple of nine integers:
``[year, day of year, hour, minute, second, nanosecond, offset hours, offset minutes, offset
seconds]``, e.g. ``[2026, 337, 7, 58, 22, 0, 0, 0, 0]`` for 2026-12-03T07:58:22Z. A vendor
attribute's DateTime is the same tuple inside ``{"_t": "DateTime", "_c": [...]}``.

The listing keeps these values as they came (converting 10,000 objects' dates that nobody looks
at would cost the browser time); :func:`as_datetime` turns one into a ``datetime`` where it is
shown. It also takes what other answers carry: ``datetime`` objects (JSON TTLV decoded),
RFC 3339 strings (``attributes_to_dict``, older sandboxes) and Unix seconds.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from kms_tui.kmip.ttlv import format_datetime, parse_datetime

# The attributes of Cosmian's ``Attributes`` struct that are ``Option<OffsetDateTime>``.
DATE_ATTRIBUTES = frozenset(
    {
        "ActivationDate",
        "ArchiveDate",
        "CompromiseDate",
        "CompromiseOccurrenceDate",
        "DeactivationDate",
        "DestroyDate",
        "InitialDate",
        "LastChangeDate",
        "OriginalCreationDate",
        "ProcessStartDate",
        "ProtectStopDate",
        "RotateDate",
    }
)
_UTC = UTC


_EPOCH_DAY = date(1970, 1, 1).toordinal()
_YEAR_DAYS: dict[int, int] = {}  # year → days from 1970-01-01 to its 1 January


def serde_datetime(value: Any) -> datetime | None:
    """``[year, ordinal, h, m, s, ns, off_h, off_m, off_s]`` → an aware ``datetime`` (None if
    ``value`` is not such a tuple or names no real instant). Runs once per row of a listing:
    kept to a few C calls (a UTC date, the usual case, is one ``fromtimestamp``)."""
    if type(value) is not list or len(value) != 9:
        return None
    year, ordinal, hour, minute, second, nanos, oh, om, osec = value
    if not (
        type(year) is int
        and type(ordinal) is int
        and type(hour) is int
        and type(minute) is int
        and type(second) is int
        and type(nanos) is int
    ):
        return None
    try:
        if not (0 <= hour < 24 and 0 <= minute < 60 and 0 <= second < 61 and 1 <= ordinal <= 366):
            return None
        start = _YEAR_DAYS.get(year)
        if start is None:
            start = _YEAR_DAYS[year] = date(year, 1, 1).toordinal() - _EPOCH_DAY
        moment = datetime.fromtimestamp((start + ordinal - 1) * 86400 + hour * 3600 + minute * 60 + second, _UTC)
        if moment.year != year:  # day 366 of a common year
            return None
        if nanos:
            moment = moment.replace(microsecond=nanos // 1000)
        if oh or om or osec:  # the same wall time at that offset: another instant
            offset = timezone(timedelta(hours=oh, minutes=om, seconds=osec))
            moment = moment.replace(tzinfo=offset)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return moment


def as_datetime(value: Any) -> datetime | None:
    """Any date form a Cosmian server (or the sandbox) sends, as an aware ``datetime``."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=_UTC)
    if isinstance(value, list):
        return serde_datetime(value)
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except ValueError:
            return None
    if isinstance(value, dict) and value.get("_t") == "DateTime":  # a vendor attribute's value
        return as_datetime(value.get("_c"))
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        try:
            return datetime.fromtimestamp(value, tz=_UTC)
        except (ValueError, OverflowError, OSError):
            return None
    return None


def created_of(attributes: dict[str, Any]) -> datetime | None:
    """When the object was made, from whichever date attribute the server filled."""
    return as_datetime(
        attributes.get("InitialDate") or attributes.get("OriginalCreationDate") or attributes.get("ActivationDate")
    )


def rfc3339(value: datetime | None) -> str | None:
    """A date for JSON output: RFC 3339 in UTC, as JSON TTLV writes it (None stays None)."""
    return None if value is None else format_datetime(value)
