"""The "certify" dialog of the objects screen (``C``): issue a certificate from a new key pair,
from a public key in the KMS, or from a CSR file; self-signed or issued by one of the CA
certificates in the KMS (listed when the dialog opens); subject, SANs, days, an extensions file
(Cosmian's ``[ v3_ca ]`` format) and tags. The request runs in a ``destructive`` worker of the
screen, like every write of the objects screen."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.widgets import Input, Select, Static

from kms_tui.client import certificates as certs
from kms_tui.kmip.models import certificate_requests as cr
from kms_tui.safetext import visible
from kms_tui.tui.modals.create_key import parse_tags
from kms_tui.tui.modals.object_form import FormProblem, ObjectForm, field_row
from kms_tui.words import count

if TYPE_CHECKING:
    from kms_tui.tui.objects.screen import ObjectsScreen

SOURCES = (("a new key pair", "generate"), ("a public key in the KMS", "public"), ("a CSR file", "csr"))
KEY_LABELS = {
    "rsa:2048": "RSA 2048",
    "rsa:3072": "RSA 3072",
    "rsa:4096": "RSA 4096",
    "ec:p256": "EC P-256",
    "ec:p384": "EC P-384",
    "ec:p521": "EC P-521",
    "ed25519": "Ed25519",
    "ed448": "Ed448",
}
SELF_SIGNED = "self"
MAX_FILE = 1 << 20


@dataclass(frozen=True)
class CertifyRequest:
    source: str
    key_spec: str | None
    public_key_id: str | None
    csr: bytes | None
    subject: str | None
    issuer_certificate_id: str | None
    days: int
    extensions: bytes | None
    tags: tuple[str, ...]

    def operation(self) -> Any:
        """The Certify request (ValueError with what is wrong)."""
        csr_format = "pem" if self.csr is not None and self.csr.lstrip().startswith(b"-----BEGIN") else "der"
        return cr.certify_any(
            csr=self.csr,
            csr_format=csr_format,
            public_key_id=self.public_key_id,
            generate=self.key_spec if self.source == "generate" else None,
            subject=self.subject,
            issuer_certificate_id=self.issuer_certificate_id,
            days=self.days,
            extensions=self.extensions,
            tags=self.tags,
        )


def _read(path_text: str, what: str) -> bytes:
    path = Path(path_text).expanduser()
    try:
        if path.stat().st_size > MAX_FILE:
            raise FormProblem(f"The {what} file is larger than 1 MiB.")
        return path.read_bytes()
    except OSError as exc:
        raise FormProblem(f"Cannot read the {what} file: {exc.strerror or exc}") from None


class CertifyModal(ObjectForm[CertifyRequest]):
    """Dismisses with a :class:`CertifyRequest`, or None."""

    CONFIRM_LABEL = "Certify (ctrl+s)"
    DEFAULT_CSS = """
    CertifyModal #certify-issuers-note { color: $text-muted; height: 1; }
    """

    def __init__(self, *, public_key_id: str | None = None) -> None:
        super().__init__("Issue a certificate")
        self.public_key_id = public_key_id

    def compose_fields(self) -> ComposeResult:
        source = "public" if self.public_key_id else "generate"
        yield field_row(
            "Certify",
            Select(
                [(label, value) for label, value in SOURCES],
                value=source,
                allow_blank=False,
                compact=True,
                id="certify-source",
            ),
        )
        yield field_row(
            "Key type",
            Select(
                [(label, spec) for spec, label in KEY_LABELS.items()],
                value="ec:p256",
                allow_blank=False,
                compact=True,
                id="certify-key",
            ),
            row_id="row-key",
        )
        yield field_row(
            "Public key id",
            Input(self.public_key_id or "", placeholder="id of a public key", compact=True, id="certify-public"),
            row_id="row-public",
        )
        yield field_row(
            "CSR file",
            Input(placeholder="path to a PEM or DER request", compact=True, id="certify-csr"),
            row_id="row-csr",
        )
        yield field_row(
            "Subject",
            Input(placeholder="CN=web.example,O=Example,C=FR", compact=True, id="certify-subject"),
            row_id="row-subject",
        )
        yield field_row(
            "SANs", Input(placeholder="DNS:web.example, IP:10.0.0.1 (optional)", compact=True, id="certify-sans")
        )
        yield field_row(
            "Issuer",
            Select(
                [("self-signed", SELF_SIGNED)], value=SELF_SIGNED, allow_blank=False, compact=True, id="certify-issuer"
            ),
        )
        yield Static("Looking for CA certificates…", id="certify-issuers-note")
        yield field_row("Days", Input("365", compact=True, id="certify-days", restrict=r"[0-9]*"))
        yield field_row(
            "Extensions",
            Input(placeholder="file with a [ v3_ca ] section (optional)", compact=True, id="certify-extensions"),
        )
        yield field_row("Tags", Input(placeholder="comma-separated, optional", compact=True, id="certify-tags"))

    def on_mount(self) -> None:
        self._show_source_rows()
        self.query_one("#certify-source", Select).focus()
        self.load_issuers()

    @property
    def client(self) -> Any:
        return getattr(getattr(self.app, "services", None), "client", None)

    @work(exclusive=True, exit_on_error=False, group="certify-issuers")
    async def load_issuers(self) -> None:
        note = self.query_one("#certify-issuers-note", Static)
        if self.client is None:
            note.update("Not connected: only self-signed.")
            return
        try:
            found = await certs.ca_certificates(self.client)
        except Exception as exc:  # noqa: BLE001 - the dialog still works self-signed
            note.update(f"CA certificates unavailable: {visible(getattr(exc, 'message', None) or str(exc))}")
            return
        select = self.query_one("#certify-issuer", Select)
        current = select.value
        select.set_options(
            [("self-signed", SELF_SIGNED)]
            + [(f"{visible(info.subject)}  ({visible(uid[:8])}…)", uid) for uid, info in found]
        )
        select.value = current if current in [SELF_SIGNED] + [u for u, _ in found] else SELF_SIGNED
        note.update(
            f"{count(len(found), 'CA certificate')} in the KMS." if found else "No CA certificate in the KMS yet."
        )

    @on(Select.Changed, "#certify-source")
    def _source_changed(self) -> None:
        self._show_source_rows()

    def _show_source_rows(self) -> None:
        source = self.query_one("#certify-source", Select).value
        for row, shown in (
            ("#row-key", source == "generate"),
            ("#row-public", source == "public"),
            ("#row-csr", source == "csr"),
            ("#row-subject", source != "csr"),
        ):
            self.query_one(row).set_class(not shown, "-hidden")

    def build_request(self) -> CertifyRequest:
        source = str(self.query_one("#certify-source", Select).value)
        value = lambda wid: self.query_one(wid, Input).value.strip()  # noqa: E731
        issuer = self.query_one("#certify-issuer", Select).value
        issuer_id = None if issuer in (SELF_SIGNED, Select.BLANK) else str(issuer)
        subject = value("#certify-subject") or None
        if source != "csr" and not subject:
            raise FormProblem("A subject is needed, e.g. CN=web.example,O=Example.")
        if subject and source != "csr":
            try:
                cr.parse_subject(subject)
            except ValueError as exc:
                raise FormProblem(f"Subject: {exc}.") from None
        public_key_id = value("#certify-public") or None
        if source == "public" and not public_key_id:
            raise FormProblem("Give the id of the public key to certify.")
        csr = None
        if source == "csr":
            if not value("#certify-csr"):
                raise FormProblem("Give the path of the CSR file.")
            if issuer_id is None:
                raise FormProblem("A CSR cannot be self-signed: pick an issuer.")
            csr = _read(value("#certify-csr"), "CSR")
        days_text = value("#certify-days") or "365"
        extensions = _read(value("#certify-extensions"), "extensions") if value("#certify-extensions") else None
        sans = tuple(s.strip() for s in value("#certify-sans").split(",") if s.strip())
        try:
            extensions = cr.with_sans(extensions, sans)
        except ValueError as exc:
            raise FormProblem(f"SANs: {exc}.") from None
        return CertifyRequest(
            source=source,
            key_spec=str(self.query_one("#certify-key", Select).value),
            public_key_id=public_key_id if source == "public" else None,
            csr=csr,
            subject=subject if source != "csr" else None,
            issuer_certificate_id=issuer_id,
            days=int(days_text),
            extensions=extensions,
            tags=parse_tags(value("#certify-tags")),
        )


def certify_from(screen: ObjectsScreen) -> None:
    """The objects screen's ``C``: the certify dialog (the public key highlighted, if one is)."""
    if isinstance(screen.focused, Input):
        raise SkipAction()
    if screen.app.refuse_if_read_only("certify"):
        return
    if screen.client is None:
        screen.notify("Not connected: Ctrl+O connects first.", severity="warning")
        return
    row = screen.table.current
    public = row.uid if row is not None and row.object_type == "PublicKey" else None

    def chosen(request: CertifyRequest | None) -> None:
        if request is not None:
            run_certify(screen, request)

    screen.app.push_screen(CertifyModal(public_key_id=public), chosen)


def run_certify(screen: ObjectsScreen, request: CertifyRequest) -> None:
    from kms_tui.tui.objects import actions
    from kms_tui.tui.objects.lifecycle import RowsChanged

    async def certify() -> None:
        try:
            op = request.operation()
        except ValueError as exc:
            screen.notify(str(exc), severity="error", markup=False)
            return
        uid = await screen.client.certify(op)
        ids = [uid]
        if request.source == "generate":  # the new key pair shows up too
            attrs = await screen.client.get_attributes(uid, with_tags=False)
            ids += [lk["id"] for lk in attrs.get("links", []) if lk.get("type") in ("PublicKeyLink", "PrivateKeyLink")]
        rows, _gone = await actions.fetch_rows(screen.client, ids)
        screen.post_message(RowsChanged(f"Certificate issued: {visible(uid)}", rows, select=uid))

    screen.run_worker(certify(), group="destructive", exit_on_error=False)
