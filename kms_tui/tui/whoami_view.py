"""Turns the auth layer's ``WhoAmI`` into the panel's rows (label, value), section by section."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from kms_tui.tui.identity import as_datetime, first_attr
from kms_tui.tui.widgets.header import format_time_left

Row = tuple[str, str]


def when(value: Any, now: datetime) -> str:
    """'2026-01-15 10:30 UTC (59m 00s left)' for a datetime, epoch or ISO string."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    moment = as_datetime(value)
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    left = format_time_left(moment, now)
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC ({left if left == 'expired' else left + ' left'})"


def yes_no(value: Any) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def whoami_sections(w: Any, now: datetime) -> Iterator[tuple[str, list[Row]]]:
    """(section title, rows) for the panel; empty values are left out; no token is ever shown."""
    errors = dict(first_attr(w, "errors") or {})
    user = first_attr(w, "user") or f"unknown: {errors.get('user', 'the server did not say')}"
    yield (
        "Identity",
        [
            ("Effective user", str(user)),
            ("Profile", str(first_attr(w, "profile") or "")),
            ("Server", str(first_attr(w, "server_url") or "")),
            ("Sign-in", ", ".join(first_attr(w, "sign_in_methods") or []) or "none"),
        ],
    )
    session = dict(first_attr(w, "session") or {})
    status = str(session.get("status", "")).replace("_", " ")
    if status == "signed out" and set(first_attr(w, "sign_in_methods") or []) <= {"none"}:
        status = "no sign-in configured"
    rows = [
        ("State", status),
        ("Method", str(session.get("method") or "").replace("_", " ")),
        ("Token expires", when(getattr(w, "token_expires_at", None), now)),
        ("Next refresh", when(session.get("next_refresh"), now)),
        ("Last refresh", when(session.get("last_refresh"), now)),
        ("Last error", str(session.get("last_error") or "")),
        ("Warning", str(session.get("warning") or "")),
    ]
    yield "Session", rows
    token = first_attr(w, "token")
    if token is not None:
        yield (
            "Token claims (unverified)",
            [
                ("Email", str(first_attr(token, "email") or "")),
                ("Subject", str(first_attr(token, "sub") or "")),
                ("Issuer", str(first_attr(token, "iss") or "")),
                ("Audience", _listed(first_attr(token, "aud"))),
                ("Expires", when(first_attr(token, "exp"), now)),
            ],
        )
    cert = first_attr(w, "client_certificate")
    if cert is not None:
        yield (
            "Client certificate",
            [
                ("Subject", str(first_attr(cert, "subject") or "")),
                ("Issuer", str(first_attr(cert, "issuer") or "")),
                ("Expires", when(first_attr(cert, "not_after"), now)),
            ],
        )
    health = dict(first_attr(w, "health") or {})
    info = dict(first_attr(w, "server_info") or {})
    yield (
        "Server",
        [
            ("Version", str(first_attr(w, "server_version") or errors.get("server_version", ""))),
            ("Health", str(health.get("status") or errors.get("health", ""))),
            ("FIPS mode", yes_no(info.get("fips_mode")) if info else ""),
        ],
    )
    yield (
        "Rights",
        [
            ("May create objects", yes_no(first_attr(w, "can_create"))),
            ("Privileged (may grant create)", yes_no(first_attr(w, "privileged"))),
        ],
    )
    if errors:
        yield "Problems", [(name.replace("_", " "), str(message)) for name, message in sorted(errors.items())]


def _listed(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value or "")


def whoami_rows(w: Any, now: datetime) -> list[Row]:
    """Flat rows with section headings (value ''), skipping empty values."""
    out: list[Row] = []
    for title, rows in whoami_sections(w, now):
        kept = [(label, value) for label, value in rows if value]
        if kept:
            out.append((f"— {title}", ""))
            out.extend(kept)
    return out
