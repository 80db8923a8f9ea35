"""Export an object to a file in any format ckms 5.26 writes (public PEM by default, as before).

The formats offered depend on the object: a key pair's public PEM first (what ``e`` always
wrote), then the key formats (json-ttlv, sec1/pkcs1/pkcs8 PEM or DER, raw, base64) or the
certificate formats (PEM, DER, PKCS#7, PKCS#12). A wrapping key (and algorithm) may be named for
json-ttlv, raw and base64; a PKCS#12 asks its password here (masked, never stored). Private and
symmetric material is only written after a confirmation naming it (the screen asks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Select, Static

from kms_tui.kmip import transfer
from kms_tui.safetext import visible
from kms_tui.tui.modals.object_form import FormProblem, ObjectForm, field_row
from kms_tui.tui.objects.rows import ObjectRow
from kms_tui.tui.widgets.checkbox import Checkbox

PUBLIC_PEM = "public-pem"  # the default: the public key (or certificate) as PEM
WRAPPABLE = ("json-ttlv", "raw", "base64")
_EXT = {
    "json-ttlv": ".json",
    "raw": ".bin",
    "base64": ".b64",
    "pkcs12": ".p12",
    "pkcs7": ".p7b",
    "der": ".der",
    "pem": ".pem",
    PUBLIC_PEM: ".pem",
}
_WRAP_CHOICES = [
    ("server default", ""),
    ("RFC 5649 (AES key wrap, padded)", "aes-key-wrap-padding"),
    ("RFC 3394 (AES key wrap)", "nist-key-wrap"),
    ("AES-GCM", "aes-gcm"),
    ("RSA-OAEP (SHA-256)", "rsa-oaep"),
    ("RSA PKCS#1 v1.5", "rsa-pkcs-v15"),
    ("RSA-AES key wrap", "rsa-aes-key-wrap"),
    ("ECIES (EC wrapping key)", "ecies"),
]


@dataclass(frozen=True)
class ExportRequest:
    uid: str
    object_type: str
    path: Path
    overwrite: bool
    format: str = PUBLIC_PEM
    wrap_key: str = ""
    wrap_alg: str = ""
    password: str = field(default="", repr=False)  # a PKCS#12 password: never shown
    unwrap: bool = False  # ckms export --unwrap: a key stored wrapped leaves unwrapped
    stored_wrapped_by: str = ""  # the key's WrappingKeyLink: it is stored wrapped by this key


def export_target(row: ObjectRow) -> tuple[str, str] | None:
    """(id, type) of what the public PEM export writes for ``row``: itself if public, else its
    public key; None when it has no public part."""
    if row.object_type in ("PublicKey", "Certificate"):
        return row.uid, row.object_type
    if row.object_type == "PrivateKey" and row.links.get("PublicKeyLink"):
        return row.links["PublicKeyLink"], "PublicKey"
    return None


def formats_for(object_type: str, has_public: bool) -> list[tuple[str, str]]:
    """(label, value) of the formats offered for an object of ``object_type``."""
    out: list[tuple[str, str]] = []
    if object_type == "Certificate":
        return [
            ("PEM", "pem"),
            ("DER", "der"),
            ("PKCS#7 chain (PEM)", "pkcs7"),
            ("PKCS#12 with its private key", "pkcs12"),
            ("JSON TTLV", "json-ttlv"),
        ]
    if has_public:
        out.append(("public key, PEM", PUBLIC_PEM))
    if object_type in ("PrivateKey", "PublicKey"):
        out += [
            ("PKCS#8 PEM", "pkcs8-pem"),
            ("PKCS#8 DER", "pkcs8-der"),
            ("PKCS#1 PEM (RSA)", "pkcs1-pem"),
            ("PKCS#1 DER (RSA)", "pkcs1-der"),
        ]
        if object_type == "PrivateKey":
            out += [
                ("SEC1 PEM (EC)", "sec1-pem"),
                ("SEC1 DER (EC)", "sec1-der"),
                ("PKCS#12 with its certificate", "pkcs12"),
            ]
    out += [("raw bytes", "raw"), ("base64", "base64"), ("JSON TTLV", "json-ttlv")]
    return out


def material_of(object_type: str, fmt: str) -> str | None:
    """What secret a file in ``fmt`` holds ("private key"…), for the warning and the confirmation."""
    if fmt == PUBLIC_PEM:
        return None
    if fmt == "pkcs12":
        return "private key (in a PKCS#12)"
    return {
        "PrivateKey": "private key",
        "SymmetricKey": "symmetric key",
        "SecretData": "secret data",
        "OpaqueObject": "opaque object",
    }.get(object_type)


def safe_file_name(uid: str, fmt: str = PUBLIC_PEM) -> str:
    """A file name made from an id (ids may hold ``/`` or spaces)."""
    ext = _EXT.get(fmt, ".pem" if fmt.endswith("-pem") else ".der")
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in uid) + ext


class ExportModal(ObjectForm[ExportRequest]):
    """Dismisses with an :class:`ExportRequest`, or None."""

    CONFIRM_LABEL = "Export (ctrl+s)"
    DEFAULT_CSS = """
    ExportModal #export-material { color: $warning; }
    """

    def __init__(
        self,
        uid: str,
        object_type: str,
        *,
        directory: Path,
        public_uid: str | None = None,
        algorithm: str = "",
        wrapped_by: str = "",
    ) -> None:
        super().__init__(f"Export {visible(object_type)} {visible(uid)}")
        self.uid = uid
        self.object_type = object_type
        self.algorithm = algorithm
        self.directory = directory
        self.public_uid = public_uid
        self.wrapped_by = wrapped_by  # stored wrapped by this key (its WrappingKeyLink)
        self.choices = formats_for(object_type, public_uid is not None)
        self._named_by_user = False

    def compose_fields(self) -> ComposeResult:
        first = self.choices[0][1]
        yield field_row(
            "Format", Select(self.choices, value=first, allow_blank=False, compact=True, id="export-format")
        )
        # relative to the folder the console started in (kept short and machine-independent)
        yield field_row("File", Input(safe_file_name(self._file_uid(first), first), compact=True, id="export-path"))
        yield field_row(
            "Wrap with key id",
            Input("", placeholder="optional: a key of the KMS", compact=True, id="export-wrap-key"),
            row_id="export-wrap-row",
        )
        yield field_row(
            "Wrapping",
            Select(_WRAP_CHOICES, value="", allow_blank=False, compact=True, id="export-wrap-alg"),
            row_id="export-wrap-alg-row",
        )
        yield field_row(
            "Unwrap",
            Checkbox("unwrap it first (it is stored wrapped)", False, compact=True, id="export-unwrap"),
            row_id="export-unwrap-row",
        )
        yield field_row(
            "PKCS#12 password",
            Input("", password=True, compact=True, id="export-password"),
            row_id="export-password-row",
        )
        yield field_row(
            "Overwrite", Checkbox("replace the file if it exists", False, compact=True, id="export-overwrite")
        )
        yield Static("", id="export-material", markup=False)

    def on_mount(self) -> None:
        self._show_rows(self.choices[0][1])
        self.query_one("#export-path", Input).focus()

    def _may_unwrap(self, fmt: str) -> bool:
        return bool(self.wrapped_by) and fmt != PUBLIC_PEM

    def _unwrap(self, fmt: str) -> bool:
        return self._may_unwrap(fmt) and self.query_one("#export-unwrap", Checkbox).value

    def _file_uid(self, fmt: str) -> str:
        return self.public_uid if fmt == PUBLIC_PEM and self.public_uid else self.uid

    def _show_rows(self, fmt: str) -> None:
        self.query_one("#export-wrap-row").set_class(fmt not in WRAPPABLE, "-hidden")
        self.query_one("#export-wrap-alg-row").set_class(fmt not in WRAPPABLE, "-hidden")
        self.query_one("#export-password-row").set_class(fmt != "pkcs12", "-hidden")
        self.query_one("#export-unwrap-row").set_class(not self._may_unwrap(fmt), "-hidden")
        self._show_note(fmt)

    def _show_note(self, fmt: str) -> None:
        material = material_of(self.object_type, fmt)
        note = (
            f"The file will hold the {material} in the clear (written 0600); you will be asked to confirm."
            if material
            else "Public material: written 0644."
        )
        if self._may_unwrap(fmt) and not self._unwrap(fmt):
            note = (
                f"Stored wrapped by {visible(self.wrapped_by)}: the file holds it wrapped, as stored (tick "
                "Unwrap for the key in the clear). Written 0600; you will be asked to confirm."
            )
        self.query_one("#export-material", Static).update(note)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == "export-unwrap":
            self._show_note(str(self.query_one("#export-format", Select).value))

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "export-format":
            return
        fmt = str(event.value)
        self._show_rows(fmt)
        if not self._named_by_user:
            path = self.query_one("#export-path", Input)
            path.value = safe_file_name(self._file_uid(fmt), fmt)
            self._named_by_user = False

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "export-path" and event.value != safe_file_name(
            self._file_uid(str(self.query_one("#export-format", Select).value)),
            str(self.query_one("#export-format", Select).value),
        ):
            self._named_by_user = True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def equivalent(self) -> Any:
        """`!`/F3: the export as commands and KMIP JSON, from the fields as they are (the file
        need not be free yet; the password is never shown)."""
        from kms_tui.tui.show_command import for_export

        fmt = str(self.query_one("#export-format", Select).value)
        path = self.query_one("#export-path", Input).value.strip() or safe_file_name(self._file_uid(fmt), fmt)
        wrap_key = self.query_one("#export-wrap-key", Input).value.strip() if fmt in WRAPPABLE else ""
        wrap_alg = str(self.query_one("#export-wrap-alg", Select).value) if wrap_key else ""
        uid, object_type = self._target(fmt)
        return for_export(
            uid,
            object_type,
            self.algorithm,
            fmt,
            path,
            wrap_key=wrap_key,
            wrap_alg=wrap_alg if wrap_alg in transfer.WRAPPING_ALGORITHMS else "",
            has_password=bool(self.query_one("#export-password", Input).value),
            overwrite=self.query_one("#export-overwrite", Checkbox).value,
            unwrap=self._unwrap(fmt),
        )

    def _target(self, fmt: str) -> tuple[str, str]:
        if fmt == PUBLIC_PEM:
            return self._file_uid(fmt), "PublicKey" if self.public_uid else self.object_type
        return self.uid, self.object_type

    def build_request(self) -> ExportRequest:
        fmt = str(self.query_one("#export-format", Select).value)
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            raise FormProblem("Give a file name.")
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self.directory / path
        overwrite = self.query_one("#export-overwrite", Checkbox).value
        if path.is_symlink():
            raise FormProblem(f"{path} is a symbolic link; choose another name.")
        if path.is_dir():
            raise FormProblem(f"{path} is a directory; give a file name.")
        if path.exists() and not overwrite:
            raise FormProblem(f"{path} exists; tick Overwrite or choose another name.")
        if not path.parent.is_dir():
            raise FormProblem(f"The folder {path.parent} does not exist.")
        wrap_key = self.query_one("#export-wrap-key", Input).value.strip() if fmt in WRAPPABLE else ""
        wrap_alg = str(self.query_one("#export-wrap-alg", Select).value) if wrap_key else ""
        if wrap_alg and wrap_alg not in transfer.WRAPPING_ALGORITHMS:
            wrap_alg = ""
        password = self.query_one("#export-password", Input).value if fmt == "pkcs12" else ""
        uid, object_type = self._target(fmt)
        return ExportRequest(
            uid,
            object_type,
            path,
            overwrite,
            fmt,
            wrap_key,
            wrap_alg,
            password,
            unwrap=self._unwrap(fmt),
            stored_wrapped_by=self.wrapped_by if uid == self.uid else "",
        )
