"""Grant a user rights on an object: the user, any set of the operations Cosmian accepts, or all;
the dialog says what the chosen rights really allow on Cosmian 5.26 (a ``get`` grant stands for
every operation except revoke and destroy; any grant allows get_attributes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, SelectionList, Static

from kms_tui import access_rights as rights
from kms_tui.safetext import visible
from kms_tui.tui.modals.object_form import FormProblem, ObjectForm, field_row
from kms_tui.tui.widgets.checkbox import Checkbox, CheckList


@dataclass(frozen=True)
class GrantRequest:
    uid: str
    user: str
    operations: tuple[str, ...]  # Cosmian's REST names, in KmipOperation order


class GrantModal(ObjectForm[GrantRequest]):
    """Dismisses with a :class:`GrantRequest`, or None."""

    CONFIRM_LABEL = "Grant (ctrl+s)"
    DEFAULT_CSS = """
    GrantModal #grant-operations { height: 6; max-height: 20vh; border: none; padding: 0; background: $surface; }
    GrantModal #grant-allows { height: auto; margin-top: 1; }
    GrantModal #grant-warning { color: $warning; height: auto; }
    """

    def __init__(self, uid: str, *, owner: str = "") -> None:
        super().__init__("Grant access rights")
        self.uid = uid
        self.owner = owner

    def compose_fields(self) -> ComposeResult:
        yield Static(Text(f"on {visible(self.uid)}", style="bold"), id="grant-object")
        yield field_row(
            "User", Input(placeholder="user id (email, certificate CN); * = everyone", compact=True, id="grant-user")
        )
        yield field_row("All operations", Checkbox("every right on the object", False, compact=True, id="grant-all"))
        yield CheckList[str](
            *[(rights.display_name(op), op) for op in rights.OBJECT_OPERATIONS], id="grant-operations", compact=True
        )
        yield Static("", id="grant-allows")
        yield Static(rights.GET_WARNING, id="grant-warning", markup=False)

    def on_mount(self) -> None:
        self.query_one("#grant-user", Input).focus()
        self._show_allows()

    def _chosen(self) -> list[str]:
        if self.query_one("#grant-all", Checkbox).value:
            return list(rights.OBJECT_OPERATIONS)
        return rights.ordered(self.query_one("#grant-operations", SelectionList).selected)

    @on(SelectionList.SelectedChanged)
    @on(Checkbox.Changed, "#grant-all")
    def _show_allows(self) -> None:
        ops = self._chosen()
        self.query_one("#grant-operations", SelectionList).disabled = self.query_one("#grant-all", Checkbox).value
        allows = self.query_one("#grant-allows", Static)
        if not ops:
            allows.update("Choose operations (space ticks one).")
            return
        hsm = rights.is_hsm(self.uid)
        text = Text("Allows on the server: ", style="bold")
        if set(ops) >= set(rights.OBJECT_OPERATIONS):
            text.append("every operation on the object")
        elif "get" in ops and not hsm:
            missing = [op for op in ("revoke", "destroy") if op not in ops]
            text.append("every operation" + (f" except {' and '.join(missing)}" if missing else ""))
        else:
            text.append(", ".join(rights.display_name(op) for op in rights.effective(ops, hsm=hsm)))
            if "getattributes" in rights.implied(ops, hsm=hsm):
                text.append("  (get_attributes: any grant)")
        allows.update(text)

    def build_request(self) -> GrantRequest:
        user = self.query_one("#grant-user", Input).value.strip()
        if not user:
            raise FormProblem("Enter the user to grant rights to.")
        if self.owner and user == self.owner:
            raise FormProblem("You own this object: you have every right on it already.")
        ops = self._chosen()
        if not ops:
            raise FormProblem("Choose at least one operation, or All operations.")
        return GrantRequest(self.uid, user, tuple(ops))

    def equivalent(self) -> Any:
        from kms_tui.tui.show_command import for_grant

        r = self.build_request()
        return for_grant(r.uid, r.user, r.operations)
