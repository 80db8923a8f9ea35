"""Edit an object's name and its activation and deactivation dates (``A`` on the objects screen).

Each field starts with the object's value; clearing one deletes the attribute. The requests are
Cosmian's (as ``kms-tui attributes set|modify|delete``): a new name replaces the first name
(ModifyAttribute), or is added (SetAttribute) when there was none; a date is set with
SetAttribute (the state does not change: ``a`` activates) and removed with DeleteAttribute.
Dismisses with an :class:`AttributeEdits` (only what changed), or None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Static

from kms_tui.client.serde_dates import as_datetime
from kms_tui.safetext import visible
from kms_tui.tui.widgets.object_form import FormProblem, ObjectForm, field_row
from kms_tui.tui.widgets.object_rows import ObjectRow

DATES = (("ActivationDate", "Activation date", "edit-activation"),
         ("DeactivationDate", "Deactivation date", "edit-deactivation"))
NOT_GIVEN = object()


@dataclass(frozen=True)
class AttributeEdits:
    uid: str
    name: str | None | object = NOT_GIVEN  # NOT_GIVEN: unchanged; None: delete; text: the new name
    old_name: str = ""
    dates: tuple[tuple[str, datetime | None], ...] = ()  # (attribute, new value or None: delete)

    @property
    def empty(self) -> bool:
        return self.name is NOT_GIVEN and not self.dates


def shown_date(value: object) -> str:
    when = value if isinstance(value, datetime) else as_datetime(value) if value else None
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(when, datetime) else ""


def parse_date(text: str, label: str) -> datetime | None:
    """``2027-01-31`` (midnight UTC) or ISO 8601 (no zone: UTC); blank: None (delete)."""
    text = text.strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FormProblem(f"{label}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (got {visible(text)!r}).") from None
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).replace(microsecond=0)


class AttributesModal(ObjectForm[AttributeEdits]):
    """Name, activation date and deactivation date of ``row``."""

    CONFIRM_LABEL = "Apply (ctrl+s)"

    def __init__(self, row: ObjectRow) -> None:
        super().__init__("Name and dates")
        self.row = row
        self.before = {attr: shown_date(row.attributes.get(attr)) for attr, _, _ in DATES}

    def compose_fields(self) -> ComposeResult:
        yield Static(Text(f"of {visible(self.row.uid)}", style="bold"), id="edit-object")
        yield field_row("Name", Input(self.row.name, placeholder="none (empty deletes it)", compact=True,
                                      id="edit-name"))
        for attr, label, wid in DATES:
            yield field_row(label, Input(self.before[attr], placeholder="YYYY-MM-DD[THH:MM:SSZ]; empty: none",
                                         compact=True, id=wid))
        yield Static("Dates are UTC. Setting an activation date does not activate the object (a does).",
                     classes="form-note")

    def on_mount(self) -> None:
        self.query_one("#edit-name", Input).focus()

    def build_request(self) -> AttributeEdits:
        name_text = self.query_one("#edit-name", Input).value.strip()
        name: str | None | object = NOT_GIVEN
        if name_text != self.row.name:
            name = name_text or None
        dates = []
        for attr, label, wid in DATES:
            text = self.query_one(f"#{wid}", Input).value
            if text.strip() == self.before[attr]:
                continue
            dates.append((attr, parse_date(text, label)))
        edits = AttributeEdits(self.row.uid, name, self.row.name, tuple(dates))
        if edits.empty:
            raise FormProblem("Nothing changed: edit a field, or escape to close.")
        return edits
