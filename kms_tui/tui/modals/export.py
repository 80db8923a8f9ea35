"""The export dialog (kept here for the screens and tests that import it from this path)."""

from kms_tui.tui.transfer.export_dialog import (
    PUBLIC_PEM,
    ExportModal,
    ExportRequest,
    export_target,
    formats_for,
    safe_file_name,
)

__all__ = ["PUBLIC_PEM", "ExportModal", "ExportRequest", "export_target", "formats_for", "safe_file_name"]
