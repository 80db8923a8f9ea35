"""Every dialog of the console built with sample data, by name: the fit tests and snapshots open each."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.screen import ModalScreen

from kms_tui.tui.bulk.run import ProgressModal
from kms_tui.tui.certificates.certify_modal import CertifyModal
from kms_tui.tui.modals.attributes_edit import AttributesModal
from kms_tui.tui.modals.audit_entry import AuditEntryModal
from kms_tui.tui.modals.confirm import ConfirmationModal
from kms_tui.tui.modals.create_key import CreateKeyModal
from kms_tui.tui.modals.destroy import DestroyModal
from kms_tui.tui.modals.diff import DiffModal
from kms_tui.tui.modals.discard import DiscardModal
from kms_tui.tui.modals.error import ErrorModal
from kms_tui.tui.modals.file_picker import FilePickerModal
from kms_tui.tui.modals.grant import GrantModal
from kms_tui.tui.modals.production import ProductionConfirmModal
from kms_tui.tui.modals.prompt import PromptModal
from kms_tui.tui.modals.revoke import RevokeModal
from kms_tui.tui.modals.revoke_rights import RevokeRightsModal
from kms_tui.tui.modals.tags import TagsModal
from kms_tui.tui.objects.rows import ObjectRow
from kms_tui.tui.transfer.export_dialog import ExportModal
from kms_tui.tui.transfer.import_preview import ImportPreviewModal

UID = "dda84093-0335-46e4-9d7b-5c1e6a2bf90e"


def _row() -> ObjectRow:
    return ObjectRow(
        uid=UID,
        object_type="PrivateKey",
        algorithm="RSA",
        length=2048,
        state="Active",
        name="web-tls",
        tags=("payments", "prod"),
        links={"PublicKeyLink": UID + "_pk"},
    )


def _pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


DIALOGS: dict[str, Callable[[Path], ModalScreen]] = {
    "create-key": lambda _tmp: CreateKeyModal(),
    "revoke": lambda _tmp: RevokeModal(_row()),
    "destroy": lambda _tmp: DestroyModal(_row()),
    "tags": lambda _tmp: TagsModal(_row()),
    "attributes": lambda _tmp: AttributesModal(_row()),
    "grant": lambda _tmp: GrantModal(UID, owner="admin"),
    "revoke-rights": lambda _tmp: RevokeRightsModal(UID, "alice", ["get", "encrypt", "decrypt", "revoke"]),
    "certify": lambda _tmp: CertifyModal(public_key_id=UID + "_pk"),
    "export": lambda tmp: ExportModal(UID, "PrivateKey", directory=tmp, public_uid=UID + "_pk", algorithm="RSA"),
    "import": lambda tmp: ImportPreviewModal(tmp / "key.pem", _pem()),
    "file-picker": lambda tmp: FilePickerModal("Import a key or certificate", tmp),
    "confirm": lambda _tmp: ConfirmationModal("Destroy 12 objects? This cannot be undone. " * 3),
    "production": lambda _tmp: ProductionConfirmModal("prod-eu", "destroy key " + UID),
    "prompt": lambda _tmp: PromptModal("Password of the PKCS#12 file", placeholder="password"),
    "discard": lambda _tmp: DiscardModal(["profile prod-eu: 3 fields", "config: 12 lines"]),
    "diff": lambda _tmp: DiffModal("\n".join(f'+line {n} = "{"x" * 50}"' for n in range(40))),
    "error": lambda _tmp: ErrorModal(
        title="The server refused",
        message="Permission denied. " * 20,
        fix="Ask the owner to grant you get on this key. " * 3,
    ),
    "audit-entry": lambda _tmp: AuditEntryModal(
        {
            "time": "2026-12-04T05:45:31Z",
            "operation": "Revoke",
            "outcome": "ok",
            "user": "admin",
            "profile": "sandbox",
            "objects": [UID],
            "reason": "KeyCompromise",
            "message": "leaked " * 30,
            "ms": 12.5,
        }
    ),
    "progress": lambda _tmp: ProgressModal("Bulk revoke of 120 objects", 120),
}
