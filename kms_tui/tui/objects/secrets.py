"""Secret data and opaque objects in the objects screen: create them, and show a value only when asked.

The detail pane of a SecretData or OpaqueObject has a "Value" line, masked. ``V`` (the screen's
binding, :meth:`SecretReveal.toggle`) exports the object in a worker and shows the
value there; moving to another object, refreshing the row or ``V`` again hides it. A revoked
object is revealed only after a confirmation. The value travels in a :class:`SecretValue` (its
repr hides it): it never reaches a notification, the audit trail (Export: the id only) or a log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo
from functools import partial
from typing import TYPE_CHECKING, Any, TypeGuard

from rich.markup import escape
from rich.text import Text
from textual.message import Message
from textual.widgets import Static

from kms_tui.client import secrets as sd
from kms_tui.safetext import visible
from kms_tui.tui.certificates.detail import CertificateDetail
from kms_tui.tui.modals.confirm import ConfirmationModal
from kms_tui.tui.objects.detail import LABEL_WIDTH, render_detail
from kms_tui.tui.objects.rows import ObjectRow

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient
    from kms_tui.tui.objects.screen import ObjectsScreen

MASK = "••••••••"
REVOKED = ("Deactivated", "Compromised")
DESTROYED = ("Destroyed", "Destroyed_Compromised")


async def create_secret(
    client: KmsClient,
    kind: Any,
    *,
    name: str | None,
    tags: Sequence[str],
    activate: bool,
    value: sd.SecretValue | None,
    length: int | None,
) -> str:
    """Create the secret data or opaque object ``kind`` (a ``KeyKind``) describes; its id."""
    if kind.family == "opaque":
        value = value or sd.random_seed(length or kind.random_length)
        created = await sd.create_opaque_object(client, value, tags=tags, name=name, activate=activate)
    elif kind.family == "password":
        value = value or sd.random_password(length or kind.random_length)
        created = await sd.create_secret_data(
            client, data_type="Password", value=value, tags=tags, name=name, activate=activate
        )
    else:  # a seed: the server's 32 random bytes unless a value or another length is asked for
        if value is None and length not in (None, sd.SERVER_SEED_BYTES):
            value = sd.random_seed(length or kind.random_length)
        created = await sd.create_secret_data(
            client, data_type="Seed", value=value, tags=tags, name=name, activate=activate
        )
    return created.uid


def is_secret(row: ObjectRow | None) -> TypeGuard[ObjectRow]:
    return row is not None and row.object_type in sd.SECRET_TYPES


@dataclass
class SecretRevealed(Message):
    """The value of ``uid`` was read (``revealed.value`` hides itself in a repr)."""

    uid: str
    revealed: sd.Revealed


def value_line(revealed: sd.Revealed | None) -> Text:
    """``Value  ••••••••  (V reveals it)``, or the value itself once revealed (escaped)."""
    line = Text.assemble(("Value".ljust(LABEL_WIDTH), "bold"), " ")
    if revealed is None:
        line.append(MASK)
        line.append("  (V reveals it)", style="dim")
        return line
    text = revealed.as_text()
    line.append(visible(text) if text is not None else revealed.shown("hex"))
    note = f"{len(revealed.value)} bytes" + ("" if text is not None else ", in hex") + "; V hides it"
    line.append(f"  ({note})", style="dim")
    return line


class SecretDetail(CertificateDetail):
    """The objects screen's detail pane (a certificate's chain, access rights); for secret data and
    opaque objects a "Value" line under the summary, masked until :meth:`show_value`."""

    def __init__(self, *, local: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(local=local, id=id)
        self.revealed: sd.Revealed | None = None

    @property
    def shown_uid(self) -> str | None:
        """The object whose value is on screen."""
        return self.revealed.uid if self.revealed is not None and self.row is not None else None

    def show_row(self, row: ObjectRow | None) -> None:
        self.revealed = None  # another object, or the same one refreshed: masked again
        super().show_row(row)
        self._draw_value()

    def show_value(self, uid: str, revealed: sd.Revealed) -> bool:
        """Show the value if ``uid`` is still the object shown (readable view); True when shown."""
        if self.row is None or self.row.uid != uid or self.raw is not None:
            return False
        self.revealed = revealed
        self._draw_value()
        return True

    def hide_value(self) -> None:
        self.revealed = None
        self._draw_value()

    def attributes_shown(self) -> None:
        super().attributes_shown()
        self._draw_value()

    def _draw_value(self) -> None:
        if self.row is None or not is_secret(self.row) or self.raw is not None:
            return
        lines = list(render_detail(self.row, self.local, self.attributes).split("\n", allow_blank=True))
        lines.insert(2, value_line(self.revealed))  # under the id and the summary
        self.query_one("#detail-body", Static).update(Text("\n").join(lines))


class SecretReveal:
    """Owned by the objects screen (``screen.secrets``): ``V`` reveals (or hides) the highlighted
    secret's value in the detail pane."""

    def __init__(self, screen: ObjectsScreen) -> None:
        self.screen = screen

    def toggle(self) -> None:
        screen = self.screen
        row = screen.table.current
        if not is_secret(row):
            screen.notify("Only secret data and opaque objects have a value to reveal.", severity="warning")
            return
        if screen.client is None:
            screen.notify("Not connected: Ctrl+O connects first.", severity="warning")
            return
        screen.add_class("-detail")
        detail = screen.query_one(SecretDetail)
        if detail.row is None or detail.row.uid != row.uid or detail.raw is not None:
            detail.show_row(row)
        elif detail.shown_uid == row.uid:
            detail.hide_value()
            return
        if row.state in DESTROYED:
            screen.notify(f"This object is {row.state}: its value is gone.", severity="warning", markup=False)
            return
        if row.sensitive:
            screen.notify(
                "This secret is Sensitive: the server never hands its value out in the clear.",
                severity="warning",
                markup=False,
            )
            return
        if row.state in REVOKED:
            question = escape(f"{visible(row.uid)} is {row.state}. Show its value anyway?")

            def chosen(yes: bool | None) -> None:
                if yes:
                    self.load(row.uid)

            screen.app.push_screen(
                ConfirmationModal(question, confirm_label="Reveal", title="The secret is revoked", destructive=False),
                chosen,
            )
            return
        self.load(row.uid)

    def load(self, uid: str) -> None:
        """Read the value of ``uid`` in a worker; :class:`SecretRevealed` brings it to :meth:`show`."""
        self.screen.run_for(partial(self._read, uid), "objects-reveal", exclusive=True)

    async def _read(self, uid: str) -> None:
        self.screen.post_message(SecretRevealed(uid, await sd.reveal(self.screen.client, uid)))

    def show(self, message: SecretRevealed) -> None:
        self.screen.query_one(SecretDetail).show_value(message.uid, message.revealed)
