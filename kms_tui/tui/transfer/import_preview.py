"""What a file holds, shown before anything is sent: the format (detected, or chosen here), each
object (type, algorithm, size, certificate subject and issuer: never a byte of key material),
and the import's options (id, tags, password, key usage, replace; unwrap for a wrapped json-ttlv
key; the key of the KMS to store it wrapped by, for a key or secret data: ckms ``import
--unwrap`` and ``--wrapping-key-id``). Rows that do not apply to what the file holds are hidden.
Dismisses with an :class:`ImportRequest`, or None."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Select, Static

from kms_tui.client.errors import KmsError
from kms_tui.client.transfer import import_files
from kms_tui.client.transfer.import_files import ImportOptions, ImportPlan
from kms_tui.kmip import transfer
from kms_tui.safetext import visible
from kms_tui.tui.modals.create_key import parse_tags
from kms_tui.tui.modals.object_form import FormProblem, ObjectForm, field_row
from kms_tui.tui.widgets.checkbox import Checkbox

DETECT = "detect"


@dataclass(frozen=True)
class ImportRequest:
    path: Path
    plan: ImportPlan
    options: ImportOptions = field(repr=False)  # may hold a PKCS#12 password


def read_plan(data: bytes, fmt: str | None, password: str | None) -> tuple[ImportPlan | None, str]:
    """The plan, or None and the reason the file cannot be read so."""
    try:
        return import_files.read_file(data, fmt, password or None), ""
    except KmsError as exc:
        return None, exc.message + (f" ({exc.fix})" if exc.fix else "")


class ImportPreviewModal(ObjectForm[ImportRequest]):
    """The preview and the options; ctrl+s imports."""

    CONFIRM_LABEL = "Import (ctrl+s)"
    DEFAULT_CSS = """
    ImportPreviewModal #import-preview { height: auto; max-height: 8; margin-bottom: 1; }
    ImportPreviewModal #import-preview.-problem { color: $error; }
    """

    def __init__(self, path: Path, data: bytes) -> None:
        super().__init__(f"Import {visible(path.name)}")
        self.path = path
        self.data = data
        self.plan, self.problem = read_plan(data, None, None)

    def compose_fields(self) -> ComposeResult:
        choices = [("as detected", DETECT)] + [(f, f) for f in import_files.FORMATS]
        yield Static(
            self._preview_text(), id="import-preview", markup=False, classes="-problem" if self.plan is None else ""
        )
        yield field_row("Format", Select(choices, value=DETECT, allow_blank=False, compact=True, id="import-format"))
        yield field_row("Id", Input("", placeholder="empty: the server picks one", compact=True, id="import-id"))
        yield field_row("Tags", Input("", placeholder="comma-separated", compact=True, id="import-tags"))
        yield field_row(
            "Password",
            Input(
                "",
                password=True,
                placeholder="PKCS#12 or encrypted key; enter shows it",
                compact=True,
                id="import-password",
            ),
        )
        yield field_row(
            "Key usage",
            Input("", placeholder="sign, encrypt, wrap-key… (empty: the default)", compact=True, id="import-usage"),
        )
        yield field_row(
            "Replace", Checkbox("replace an object with the same id", False, compact=True, id="import-replace")
        )
        yield field_row(
            "Unwrap",
            Checkbox("unwrap the wrapped key before storing it", False, compact=True, id="import-unwrap"),
            row_id="import-unwrap-row",
        )
        yield field_row(
            "Store wrapped by",
            Input("", placeholder="empty: as the file holds it; or an AES key id", compact=True, id="import-wrap-key"),
            row_id="import-wrap-row",
        )

    def on_mount(self) -> None:
        self._show_rows()
        target = "#import-password" if self.plan is not None and self.plan.needs_password else "#import-id"
        self.query_one(target, Input).focus()

    def _preview_text(self) -> str:
        if self.plan is None:
            return f"Cannot read the file: {self.problem}"
        lines = self.plan.summary().splitlines()
        if self.plan.needs_password:
            lines.append("type the password, then enter to see what it holds")
        return "\n".join(lines)

    def _reread(self) -> None:
        fmt = str(self.query_one("#import-format", Select).value)
        password = self.query_one("#import-password", Input).value
        self.plan, self.problem = read_plan(self.data, None if fmt == DETECT else fmt, password)
        preview = self.query_one("#import-preview", Static)
        preview.update(self._preview_text())
        preview.set_class(self.plan is None, "-problem")
        self._show_rows()

    def _show_rows(self) -> None:
        """Unwrap for a file holding a wrapped key; the wrapping key for what Cosmian wraps on import."""
        wrapped = self.plan is not None and any(transfer.is_wrapped(o) for o in self.plan.objects)
        wrappable = self.plan is not None and import_files.wrap_refusal(self.plan) is None
        self.query_one("#import-unwrap-row").set_class(not wrapped, "-hidden")
        self.query_one("#import-wrap-row").set_class(not wrappable, "-hidden")

    def _shown(self, row_id: str) -> bool:
        return not self.query_one(f"#{row_id}").has_class("-hidden")

    def _usages(self) -> tuple[str, ...]:
        text = self.query_one("#import-usage", Input).value
        usages = tuple(dict.fromkeys(u.strip().lower() for u in text.split(",") if u.strip()))
        unknown = [u for u in usages if u not in transfer.KEY_USAGES]
        if unknown:
            raise FormProblem(f"Unknown key usage {visible(unknown[0])}: one of {', '.join(transfer.KEY_USAGES)}.")
        return usages

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "import-format":
            self._reread()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "import-password":
            self._reread()
            return
        self.action_submit()

    def build_request(self) -> ImportRequest:
        self._reread()
        if self.plan is None:
            raise FormProblem(f"Nothing to import: {self.problem}")
        if self.plan.needs_password:
            raise FormProblem("The file is password-protected: type its password.")
        try:
            tags = import_files.tags_of(parse_tags(self.query_one("#import-tags", Input).value))
        except KmsError as exc:
            raise FormProblem(exc.message) from None
        usages = self._usages()
        wrap_key = self.query_one("#import-wrap-key", Input).value.strip() if self._shown("import-wrap-row") else ""
        unwrap = self._shown("import-unwrap-row") and self.query_one("#import-unwrap", Checkbox).value
        if wrap_key and self._shown("import-unwrap-row") and not unwrap:  # wrap_and_cache: already wrapped, kept
            raise FormProblem(f"The key is wrapped already: tick Unwrap to store it wrapped by {visible(wrap_key)}.")
        options = ImportOptions(
            uid=self.query_one("#import-id", Input).value.strip(),
            tags=tags,
            usages=usages,
            replace=self.query_one("#import-replace", Checkbox).value,
            unwrap=unwrap,
            password=self.query_one("#import-password", Input).value,
            wrap_key=wrap_key,
        )
        return ImportRequest(self.path, self.plan, options)

    def equivalent(self) -> Any:
        from kms_tui.tui.show_command import for_import

        request = self.build_request()
        fmt = str(self.query_one("#import-format", Select).value)
        try:
            return for_import(
                str(request.path), request.plan, request.options, chosen_format=None if fmt == DETECT else fmt
            )
        except KmsError as exc:  # a refused wrapping key, an unknown usage: said in the form
            raise FormProblem(exc.message) from None
