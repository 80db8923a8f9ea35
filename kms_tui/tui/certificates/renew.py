"""``N`` on the objects screen: renew the highlighted certificate (ReCertify), after a
confirmation — the radar's ``N`` on any certificate row, through the same client call
(:func:`kms_tui.client.certificates.renew_keeping_tags`).

Cosmian 5.26's ReCertify (``recertify.rs``) issues a new certificate under a new id, signed by
the old one's issuer (the server finds it through the old certificate's links), and retires the
old one: Deactivated, with a ``ReplacementObjectLink`` to the new one; its keys are relinked. The
rows of both certificates are read again and the new one is selected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding

from kms_tui.safetext import visible
from kms_tui.tui.modals.confirm import ConfirmationModal

if TYPE_CHECKING:
    from kms_tui.tui.objects.screen import ObjectsScreen

RENEWABLE_STATES = ("Active", "Deactivated")  # recertify.rs: CertificateRekey::validate

RENEW_BINDINGS = [
    Binding(
        "N",
        "renew_certificate",
        "Renew",
        show=False,
        tooltip="Renew the certificate: ReCertify issues a new one and retires this one (after confirmation).",
        id="objects.renew-certificate",
    ),
]


class CertificateRenewal:
    """Owned by the objects screen (``screen.renewal``); needs its ``table``, ``client``,
    ``writable_row``, ``notify`` and ``post_message``."""

    def __init__(self, screen: ObjectsScreen) -> None:
        self.screen = screen

    def renew(self) -> None:
        row = self.screen.writable_row("renew")
        if row is None:
            return
        if row.object_type != "Certificate":
            self.screen.notify("N renews a certificate: select one (this is not).", severity="warning")
            return
        if row.state not in RENEWABLE_STATES:
            self.screen.notify(
                f"A {row.state} certificate cannot be renewed: the server renews Active or Deactivated ones only.",
                severity="warning",
            )
            return
        question = (
            f"Renew the certificate {visible(row.uid)}?\n\nReCertify issues a new certificate with the same "
            "subject, key and extensions, signed by the same issuer (the server finds it), under a new id. "
            "This one becomes Deactivated and links to the new one; its tags move to the new one."
        )
        replaced_by = row.links.get("ReplacementObjectLink")
        if replaced_by:
            question += f"\n\nIt was already renewed: {visible(replaced_by)} replaces it."
        self.screen.app.push_screen(
            ConfirmationModal(question, confirm_label="Renew", title="Renew the certificate", destructive=False),
            lambda ok: self._confirmed(ok, row.uid),
        )

    def _confirmed(self, ok: bool | None, uid: str) -> None:
        if ok:
            self.screen.run_worker(self._renew(uid), group="destructive", exit_on_error=False)

    async def _renew(self, uid: str) -> None:
        from kms_tui.client.certificates import renew_keeping_tags
        from kms_tui.tui.objects import actions
        from kms_tui.tui.objects.lifecycle import RowsChanged

        client = self.screen.client
        new = await renew_keeping_tags(client, uid)
        rows, gone = await actions.fetch_rows(client, [uid, new])
        self.screen.post_message(
            RowsChanged(f"Renewed {visible(uid)}: the new certificate is {visible(new)}", rows, gone, select=new)
        )
