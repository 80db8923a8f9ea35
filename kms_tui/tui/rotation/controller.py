"""Re-key, rotation history and "test this key" for the objects screen: the bindings the screen
adds to its list, and the object it owns that carries them out.

``R`` re-keys the highlighted key after a confirmation (ReKey / ReKeyKeyPair in a
``destructive`` worker; the rows of the old and new keys are refreshed and the new key selected);
``H`` opens :class:`~kms_tui.tui.rotation.history.RotationHistoryModal`; ``K`` ("test this key",
since ``T`` edits tags) opens :class:`~kms_tui.tui.rotation.key_test.KeyTestModal`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from kms_tui.client import key_check, rotation
from kms_tui.safetext import visible
from kms_tui.tui.modals.confirm import ConfirmationModal
from kms_tui.tui.objects import actions
from kms_tui.tui.objects.guards import kind_of
from kms_tui.tui.objects.lifecycle import RowsChanged
from kms_tui.tui.rotation.history import RotationHistoryModal
from kms_tui.tui.rotation.key_test import KeyTestModal

if TYPE_CHECKING:
    from kms_tui.tui.objects.screen import ObjectsScreen

KEY_TYPES = ("SymmetricKey", "PrivateKey", "PublicKey")

ROTATION_BINDINGS = [
    Binding(
        "R",
        "rekey",
        "Re-key",
        show=False,
        tooltip="Replace the key by a new one (after confirmation).",
        id="objects.rekey",
    ),
    Binding(
        "H",
        "rotation_history",
        "History",
        show=False,
        tooltip="Rotation history: the chain of old and new keys, the policy and next rotation.",
        id="objects.rotation-history",
    ),
    Binding(
        "K",
        "test_key",
        "Test key",
        show=False,
        tooltip="Test this key: a round trip on the server (encrypt/decrypt, sign/verify or MAC).",
        id="objects.test-key",
    ),
]


class RotationController:
    """Owned by the objects screen (``screen.rotation``); needs its ``table``, ``client``,
    ``writable_row`` and ``action_follow_link``."""

    def __init__(self, screen: ObjectsScreen) -> None:
        self.screen = screen

    def _key_row(self, what: str, done: str) -> Any:
        """The highlighted row if it is a key (else None, and the user is told why)."""
        row = self.screen.table.current
        if self.screen.client is None:
            self.screen.notify("Not connected: Ctrl+O connects first.", severity="warning")
            return None
        if row is None:
            self.screen.notify(f"Select a key to {what}.", severity="warning")
            return None
        if row.object_type not in KEY_TYPES:
            self.screen.notify(f"Only keys can be {done}: this is a {kind_of(row)}.", severity="warning")
            return None
        return row

    # -- R: re-key -------------------------------------------------------------------------------

    def rekey(self) -> None:
        row = self.screen.writable_row("re-key")
        if row is None or self._key_row("re-key", "re-keyed") is None:
            return
        pair = " and its public key" if row.object_type == "PrivateKey" else ""
        if row.object_type == "PublicKey":
            pair = " (its key pair, through the private key)"
        question = (
            f"Re-key the {kind_of(row)} {visible(row.uid)}{pair}?\n\nA new key with the same algorithm "
            "replaces it. The old key becomes Deactivated (it can still decrypt and verify) and is "
            "linked to the new one."
        )
        replaced_by = row.links.get("ReplacementObjectLink")
        if replaced_by:
            question += (
                f"\n\nThis key was already replaced by {visible(replaced_by)}: re-keying it again "
                "makes a second successor (H shows the chain)."
            )
        self.screen.app.push_screen(
            ConfirmationModal(question, confirm_label="Re-key", title="Re-key", destructive=False),
            lambda ok: self._confirmed(ok, row),
        )

    def _confirmed(self, ok: bool | None, row: Any) -> None:
        if ok:
            self.screen.run_worker(self._rekey(row), group="destructive", exit_on_error=False)

    async def _rekey(self, row: Any) -> None:
        client = self.screen.client
        done = await rotation.rekey(client, row.uid)
        ids = [done["old"], done["new"], done.get("public", "")]
        ids.append(row.links.get("PublicKeyLink", "") if row.object_type == "PrivateKey" else "")
        if row.object_type == "PublicKey":
            ids.append(row.uid)
        rows, gone = await actions.fetch_rows(client, [i for i in dict.fromkeys(ids) if i])
        notice = f"Re-keyed {done['old']} → {done['new']}"
        self.screen.post_message(RowsChanged(notice, rows, gone, select=done["new"]))

    # -- H: rotation history ---------------------------------------------------------------------

    def history(self) -> None:
        row = self.screen.table.current  # any object: certificates have chains too (ReCertify)
        if row is None or self.screen.client is None:
            self.screen.notify("Select an object to show its rotation history.", severity="warning")
            return
        client = self.screen.client
        self.screen.app.push_screen(
            RotationHistoryModal(row.uid, lambda: rotation.history(client, row.uid)), self._history_closed
        )

    def _history_closed(self, uid: str | None) -> None:
        if uid:
            self.screen.action_follow_link(uid)

    # -- K: test this key ------------------------------------------------------------------------

    def test_key(self) -> None:
        row = self._key_row("test", "tested")
        if row is None:
            return
        client = self.screen.client
        self.screen.app.push_screen(KeyTestModal(row.uid, lambda: key_check.check_key(client, row.uid)))
