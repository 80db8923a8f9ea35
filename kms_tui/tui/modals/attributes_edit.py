"""Edit an object's name, its activation and deactivation dates and its vendor attributes (``A`` on
the objects screen).

Each field starts with the object's value; clearing one deletes the attribute. The requests are
Cosmian's (as ``kms-tui attributes set|modify|delete``): a new name replaces the first name
(ModifyAttribute), or is added (SetAttribute) when there was none; a date is set with
SetAttribute (the state does not change: ``a`` activates) and removed with DeleteAttribute; a
vendor attribute ``[VENDOR:]NAME=VALUE`` is set (SetAttribute, a text value; vendor ``cosmian``
unless given) and ``[VENDOR:]NAME`` removed (DeleteAttribute).
Dismisses with an :class:`AttributeEdits` (only what changed), or None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Static

from kms_tui.client.serde_dates import as_datetime
from kms_tui.kmip.models.attributes import COSMIAN, TAG_ATTRIBUTE
from kms_tui.safetext import visible
from kms_tui.tui.modals.object_form import FormProblem, ObjectForm, field_row
from kms_tui.tui.objects.rows import ObjectRow

DATES = (
    ("ActivationDate", "Activation date", "edit-activation"),
    ("DeactivationDate", "Deactivation date", "edit-deactivation"),
)
NOT_GIVEN = object()


@dataclass(frozen=True)
class AttributeEdits:
    uid: str
    name: str | None | object = NOT_GIVEN  # NOT_GIVEN: unchanged; None: delete; text: the new name
    old_name: str = ""
    dates: tuple[tuple[str, datetime | None], ...] = ()  # (attribute, new value or None: delete)
    vendor_set: tuple[str, str, str] | None = None  # (vendor, name, text value)
    vendor_delete: tuple[str, str] | None = None  # (vendor, name)

    @property
    def empty(self) -> bool:
        return self.name is NOT_GIVEN and not self.dates and self.vendor_set is None and self.vendor_delete is None


def vendor_name(text: str, label: str) -> tuple[str, str]:
    """``[VENDOR:]NAME`` → (vendor, name); vendor ``cosmian`` unless given; the tags attribute refused."""
    vendor, sep, name = text.strip().partition(":")
    if not sep:
        vendor, name = COSMIAN, vendor
    if not vendor or not name:
        raise FormProblem(f"{label}: write [VENDOR:]NAME (both non-empty).")
    if vendor == COSMIAN and name == TAG_ATTRIBUTE:
        raise FormProblem(f"{label}: that is the tags attribute; T edits the tags.")
    return vendor, name


def shown_date(value: object) -> str:
    when = value if isinstance(value, datetime) else as_datetime(value) if value else None
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(when, datetime) else ""


def parse_date(text: str, label: str) -> datetime | None:
    """``2027-01-31`` (midnight UTC) or ISO 8601 (no zone: UTC); blank: None (delete)."""
    text = text.strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FormProblem(f"{label}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (got {visible(text)!r}).") from None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).replace(microsecond=0)


class AttributesModal(ObjectForm[AttributeEdits]):
    """Name, activation date and deactivation date of ``row``."""

    CONFIRM_LABEL = "Apply (ctrl+s)"

    def __init__(self, row: ObjectRow) -> None:
        super().__init__("Name, dates and vendor attributes")
        self.row = row
        self.before = {attr: shown_date(row.date(attr)) for attr, _, _ in DATES}

    def compose_fields(self) -> ComposeResult:
        yield Static(Text(f"of {visible(self.row.uid)}", style="bold"), id="edit-object")
        yield field_row(
            "Name", Input(self.row.name, placeholder="none (empty deletes it)", compact=True, id="edit-name")
        )
        for attr, label, wid in DATES:
            yield field_row(
                label, Input(self.before[attr], placeholder="YYYY-MM-DD[THH:MM:SSZ]; empty: none", compact=True, id=wid)
            )
        yield field_row(
            "Vendor attribute",
            Input(placeholder="[vendor:]name=value to set (vendor: cosmian)", compact=True, id="edit-vendor-set"),
        )
        yield field_row(
            "Remove vendor",
            Input(placeholder="[vendor:]name of a vendor attribute to remove", compact=True, id="edit-vendor-delete"),
        )
        yield Static(
            "Dates are UTC. Setting an activation date does not activate the object (a does).", classes="form-note"
        )

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
        vendor_set = vendor_delete = None
        text = self.query_one("#edit-vendor-set", Input).value
        if text.strip():
            left, sep, value = text.partition("=")
            if not sep:
                raise FormProblem("Set vendor attribute: write [VENDOR:]NAME=VALUE.")
            vendor_set = (*vendor_name(left, "Set vendor attribute"), value)
        text = self.query_one("#edit-vendor-delete", Input).value
        if text.strip():
            vendor_delete = vendor_name(text, "Remove vendor attribute")
        edits = AttributeEdits(self.row.uid, name, self.row.name, tuple(dates), vendor_set, vendor_delete)
        if edits.empty:
            raise FormProblem("Nothing changed: edit a field, or escape to close.")
        return edits
