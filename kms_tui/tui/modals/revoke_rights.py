"""Revoke some or all of one user's rights on an object: the operations they hold, all ticked;
untick those to keep. The dialog says what the user keeps and what that still allows on Cosmian
5.26 (a kept ``get`` still stands for every operation but revoke and destroy). Ctrl+s revokes:
the dialog is the confirmation."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import SelectionList, Static

from kms_tui import access_rights as rights
from kms_tui.safetext import visible
from kms_tui.tui.modals.object_form import FormProblem, ObjectForm
from kms_tui.tui.widgets.checkbox import CheckList


@dataclass(frozen=True)
class RevokeRightsRequest:
    uid: str
    user: str
    operations: tuple[str, ...]  # what to take away, Cosmian's REST names in KmipOperation order


class RevokeRightsModal(ObjectForm[RevokeRightsRequest]):
    """Dismisses with a :class:`RevokeRightsRequest`, or None."""

    CONFIRM_LABEL = "Revoke (ctrl+s)"
    DESTRUCTIVE = True
    DEFAULT_CSS = """
    RevokeRightsModal #revoke-rights-operations { height: auto; max-height: 8; border: none; padding: 0;
                                                 background: $surface; }
    RevokeRightsModal #revoke-rights-after { height: auto; margin-top: 1; }
    """

    def __init__(self, uid: str, user: str, operations: list[str]) -> None:
        super().__init__("Revoke access rights")
        self.uid, self.user = uid, user
        self.held = rights.ordered(operations)

    def compose_fields(self) -> ComposeResult:
        yield Static(Text(f"from {visible(self.user)} on {visible(self.uid)}", style="bold"), id="revoke-rights-who")
        yield Static("Ticked rights are taken away (space unticks one to keep it):", classes="form-note")
        yield CheckList[str](
            *[(rights.display_name(op), op, True) for op in self.held], id="revoke-rights-operations", compact=True
        )
        yield Static("", id="revoke-rights-after")

    def on_mount(self) -> None:
        self.query_one("#revoke-rights-operations", SelectionList).focus()
        self._show_after()

    def _chosen(self) -> list[str]:
        return rights.ordered(self.query_one("#revoke-rights-operations", SelectionList).selected)

    @on(SelectionList.SelectedChanged)
    def _show_after(self) -> None:
        taken = set(self._chosen())
        kept = [op for op in self.held if op not in taken]
        after = self.query_one("#revoke-rights-after", Static)
        text = Text(f"{visible(self.user)} keeps: ", style="bold")
        if not kept:
            text.append("nothing on this object (unless granted to everyone, *)")
        else:
            text.append(", ".join(rights.display_name(op) for op in kept))
            also = rights.explain(kept, hsm=rights.is_hsm(self.uid))
            if also:
                text.append(f"\nwhich still allows: {also}")
        after.update(text)

    def build_request(self) -> RevokeRightsRequest:
        ops = self._chosen()
        if not ops:
            raise FormProblem("Tick at least one right to revoke, or cancel.")
        return RevokeRightsRequest(self.uid, self.user, tuple(ops))
