"""Revoke an object: reason code, message, compromise date for compromise reasons, cascade."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Select, Static

from kms_tui.kmip.enums import RevocationReasonCode
from kms_tui.kmip.ttlv import parse_datetime
from kms_tui.safetext import visible
from kms_tui.tui.modals.object_form import FormProblem, ObjectForm, field_row
from kms_tui.tui.objects.rows import ObjectRow
from kms_tui.tui.widgets.checkbox import Checkbox

COMPROMISE_REASONS = frozenset({"KeyCompromise", "CACompromise"})
REASON_HELP = {
    "Unspecified": "→ Deactivated",
    "KeyCompromise": "→ Compromised",
    "CACompromise": "→ Compromised",
    "AffiliationChanged": "→ Deactivated",
    "Superseded": "→ Deactivated",
    "CessationOfOperation": "→ Deactivated",
    "PrivilegeWithdrawn": "→ Deactivated",
}


@dataclass(frozen=True)
class RevokeRequest:
    uid: str
    reason: str
    message: str | None
    compromise_date: datetime | None
    cascade: bool


def parse_compromise_date(text: str, now: datetime) -> datetime:
    """ISO date/time (``2026-11-20`` or ``2026-11-20T10:00:00Z``); blank means now; never in the future."""
    text = text.strip()
    if not text:
        return now
    try:
        value = parse_datetime(text if "T" in text else text + "T00:00:00Z")
    except ValueError:
        raise FormProblem(f"Compromise date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (got {text!r}).") from None
    if value > now:
        raise FormProblem("Compromise date is in the future; give when the compromise happened.")
    return value


class RevokeModal(ObjectForm[RevokeRequest]):
    """Dismisses with a :class:`RevokeRequest`, or None."""

    CONFIRM_LABEL = "Revoke (ctrl+s)"
    DESTRUCTIVE = True

    def __init__(self, row: ObjectRow, *, now: datetime | None = None) -> None:
        super().__init__(f"Revoke {row.object_type or 'object'} {visible(row.uid)}")
        self.row = row
        self.now = now or datetime.now(UTC)

    def compose_fields(self) -> ComposeResult:
        options = [(f"{r.value}  {REASON_HELP[r.value]}", r.value) for r in RevocationReasonCode]
        yield field_row(
            "Reason", Select(options, value="Unspecified", allow_blank=False, compact=True, id="revoke-reason")
        )
        yield field_row(
            "Message", Input(placeholder="why (kept in the audit trail)", compact=True, id="revoke-message")
        )
        yield field_row(
            "Compromised on",
            Input(placeholder=f"blank = now ({self.now:%Y-%m-%d})", compact=True, id="revoke-date"),
            row_id="revoke-date-row",
        )
        linked = self.row.linked_key
        label = f"also revoke the linked key {visible(linked)}" if linked else "also revoke linked keys"
        yield field_row("Cascade", Checkbox(label, True, compact=True, id="revoke-cascade"))
        yield Static("Revoking cannot be undone: the key can no longer encrypt or sign.", classes="form-warning")

    def on_mount(self) -> None:
        self._show_date_row("Unspecified")
        self.query_one("#revoke-reason", Select).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "revoke-reason" and isinstance(event.value, str):
            self._show_date_row(event.value)

    def _show_date_row(self, reason: str) -> None:
        self.query_one("#revoke-date-row").set_class(reason not in COMPROMISE_REASONS, "-hidden")

    def build_request(self) -> RevokeRequest:
        reason = str(self.query_one("#revoke-reason", Select).value)
        message = self.query_one("#revoke-message", Input).value.strip() or None
        date = None
        if reason in COMPROMISE_REASONS:
            date = parse_compromise_date(self.query_one("#revoke-date", Input).value, self.now)
        cascade = self.query_one("#revoke-cascade", Checkbox).value
        return RevokeRequest(self.row.uid, reason, message, date, cascade)

    def equivalent(self) -> Any:
        from kms_tui.tui.show_command import for_revoke

        r = self.build_request()
        return for_revoke(
            r.uid, self.row.object_type, self.row.algorithm, r.reason, r.message, r.compromise_date, r.cascade
        )
