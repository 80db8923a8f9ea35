"""Export a public key or a certificate as PEM to a file (never private or secret material)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.widgets import Input, Static
from kms_tui.tui.widgets.checkbox import Checkbox

from kms_tui.safetext import visible
from kms_tui.tui.widgets.object_form import FormProblem, ObjectForm, field_row
from kms_tui.tui.widgets.object_rows import ObjectRow


@dataclass(frozen=True)
class ExportRequest:
    uid: str
    object_type: str  # PublicKey or Certificate
    path: Path
    overwrite: bool


def export_target(row: ObjectRow) -> tuple[str, str] | None:
    """(id, type) of what can be exported for ``row``: itself if public, else its public key."""
    if row.object_type in ("PublicKey", "Certificate"):
        return row.uid, row.object_type
    if row.object_type == "PrivateKey" and row.links.get("PublicKeyLink"):
        return row.links["PublicKeyLink"], "PublicKey"
    return None


def safe_file_name(uid: str) -> str:
    """A file name made from an id (ids may hold ``/`` or spaces)."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in uid) + ".pem"


class ExportModal(ObjectForm[ExportRequest]):
    """Dismisses with an :class:`ExportRequest`, or None."""

    CONFIRM_LABEL = "Export (ctrl+s)"

    def __init__(self, uid: str, object_type: str, *, directory: Path) -> None:
        super().__init__(f"Export {visible(object_type)} as PEM")
        self.uid = uid
        self.object_type = object_type
        self.directory = directory

    def compose_fields(self) -> ComposeResult:
        yield Static(f"Object: {visible(self.uid)}", markup=False, classes="form-note")
        # relative to the folder the console started in (kept short and machine-independent)
        yield field_row("File", Input(safe_file_name(self.uid), compact=True, id="export-path"))
        yield field_row("Overwrite", Checkbox("replace the file if it exists", False, compact=True,
                                              id="export-overwrite"))

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def build_request(self) -> ExportRequest:
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            raise FormProblem("Give a file name.")
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self.directory / path
        overwrite = self.query_one("#export-overwrite", Checkbox).value
        if path.is_dir():
            raise FormProblem(f"{path} is a directory; give a file name.")
        if path.exists() and not overwrite:
            raise FormProblem(f"{path} exists; tick Overwrite or choose another name.")
        if not path.parent.is_dir():
            raise FormProblem(f"The folder {path.parent} does not exist.")
        return ExportRequest(self.uid, self.object_type, path, overwrite)
