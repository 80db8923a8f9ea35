"""Pick a file from the disk (certificates, keys, PKCS#12 bundles, ckms.toml)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Static


class FilePickerModal(ModalScreen[Path | None]):
    """Browse with the tree or type a path; enter on a file (or in the path box) picks it."""

    DEFAULT_CLASSES = "kms-modal"
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without picking a file.", id="picker-cancel")]

    def __init__(self, title: str, start: Path | None = None) -> None:
        super().__init__()
        self.title_text = title
        start = (start or Path.cwd()).expanduser()
        self.start = start if start.is_dir() else start.parent if start.parent.is_dir() else Path.cwd()

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body picker"):
            yield Static(self.title_text, classes="modal-title")
            yield Input(str(self.start) + "/", id="picker-path", placeholder="type a path and press enter")
            yield DirectoryTree(str(self.start), id="picker-tree")
            yield Static("", id="picker-problem", classes="problem")

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(Path(event.path))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        path = Path(event.value.strip()).expanduser()
        if path.is_file():
            self.dismiss(path)
        elif path.is_dir():
            self.query_one(DirectoryTree).path = path
        else:
            self.query_one("#picker-problem", Static).update(f"{path} does not exist.")

    def action_cancel(self) -> None:
        self.dismiss(None)
