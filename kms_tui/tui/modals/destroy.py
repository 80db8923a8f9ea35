"""Destroy an object, only after typing the start of its id; an Active key is revoked first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Select, Static

from kms_tui.kmip.enums import RevocationReasonCode
from kms_tui.safetext import visible
from kms_tui.tui.modals.object_form import FormProblem, ObjectForm, field_row
from kms_tui.tui.objects.rows import ObjectRow
from kms_tui.tui.widgets.checkbox import Checkbox

ID_PREFIX = 6  # characters of the id the operator must type


@dataclass(frozen=True)
class DestroyRequest:
    uid: str
    cascade: bool
    remove: bool
    revoke_first: str | None  # a revocation reason when the key must be revoked first


def doomed_ids(row: ObjectRow, cascade: bool) -> list[str]:
    """Every object the destroy reaches: the object and, with cascade, its key-pair partner
    (Cosmian 5.26 destroy.rs: a private key cascades to its public key and back, nothing else)."""
    linked = row.linked_key if cascade and row.object_type in ("PrivateKey", "PublicKey") else None
    return [row.uid, linked] if linked else [row.uid]


def plan_text(row: ObjectRow, cascade: bool, remove: bool) -> str:
    """The line naming every object the confirmation will destroy or remove."""
    verb = "Will remove for good" if remove else "Will destroy"
    return f"{verb}: " + ", ".join(visible(uid) for uid in doomed_ids(row, cascade))


def needs_revoke(row: ObjectRow) -> bool:
    """Active keys (activated explicitly, as ckms and this console do) must be revoked first."""
    return row.state == "Active"


class DestroyModal(ObjectForm[DestroyRequest]):
    """Dismisses with a :class:`DestroyRequest`, or None."""

    DESTRUCTIVE = True
    ASK_BEFORE_DISCARD = False  # escape here means "do not destroy": never asks

    def __init__(self, row: ObjectRow, *, revoke_first: bool | None = None) -> None:
        super().__init__(f"Destroy {row.object_type or 'object'} {visible(row.name or '')}".rstrip())
        self.row = row
        self.revoke_first = needs_revoke(row) if revoke_first is None else revoke_first
        self.CONFIRM_LABEL = "Revoke, then destroy (ctrl+s)" if self.revoke_first else "Destroy (ctrl+s)"

    def compose_fields(self) -> ComposeResult:
        row = self.row
        lines = [f"Object:     {visible(row.uid)}"]
        linked = row.linked_key
        lines.append(f"Linked key: {visible(linked)}" if linked else "Linked key: none")
        yield Static("\n".join(lines), id="destroy-names", markup=False)
        if self.revoke_first:
            yield Static(
                f"This key is {row.state}: the server destroys only revoked keys. "
                "It will be revoked first, with this reason:",
                classes="form-warning",
            )
            options = [(r.value, r.value) for r in RevocationReasonCode]
            yield field_row(
                "Revoke reason",
                Select(options, value="CessationOfOperation", allow_blank=False, compact=True, id="destroy-reason"),
            )
        cascade = f"also destroy {visible(linked)}" if linked else "also destroy linked keys"
        yield field_row("Cascade", Checkbox(cascade, True, compact=True, id="destroy-cascade"))
        yield field_row("Remove", Checkbox("delete the row for good", False, compact=True, id="destroy-remove"))
        yield Static(plan_text(row, True, False), id="destroy-plan", markup=False, classes="form-warning")
        yield Static(
            "Destroy erases the key material; the attributes stay, state Destroyed. "
            "Remove also deletes the row, tags and grants: gone for good.",
            classes="form-note",
        )
        yield field_row(
            f"Type {ID_PREFIX} chars",
            Input(placeholder=f"first {ID_PREFIX} characters of the id", compact=True, id="destroy-confirm"),
        )

    def on_mount(self) -> None:
        self.query_one("#destroy-confirm", Input).focus()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        """The plan line follows Cascade and Remove: every object that will go is named."""
        self.query_one("#destroy-plan", Static).update(
            plan_text(
                self.row,
                self.query_one("#destroy-cascade", Checkbox).value,
                self.query_one("#destroy-remove", Checkbox).value,
            )
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def build_request(self) -> DestroyRequest:
        expected = self.row.uid[:ID_PREFIX]
        typed = self.query_one("#destroy-confirm", Input).value.strip()
        if typed != expected:
            raise FormProblem(f"Type the first {len(expected)} characters of the id to confirm.")
        reason = None
        if self.revoke_first:
            reason = str(self.query_one("#destroy-reason", Select).value)
        return DestroyRequest(
            uid=self.row.uid,
            cascade=self.query_one("#destroy-cascade", Checkbox).value,
            remove=self.query_one("#destroy-remove", Checkbox).value,
            revoke_first=reason,
        )

    def equivalent(self) -> Any:
        """What the confirmation would send (the typed id start is not needed to look)."""
        from kms_tui.tui.show_command import for_destroy

        reason = str(self.query_one("#destroy-reason", Select).value) if self.revoke_first else None
        return for_destroy(
            self.row.uid,
            self.row.object_type,
            self.row.algorithm,
            cascade=self.query_one("#destroy-cascade", Checkbox).value,
            remove=self.query_one("#destroy-remove", Checkbox).value,
            revoke_first=reason,
        )
