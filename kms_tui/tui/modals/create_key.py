"""Create a key pair (RSA, EC, EdDSA) or an AES key: kind, name, tags, activate now or not."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.widgets import Input, Select, Static
from kms_tui.tui.widgets.checkbox import Checkbox

from kms_tui.tui.widgets.object_form import FormProblem, ObjectForm, field_row


@dataclass(frozen=True)
class KeyKind:
    """One choice of the "Kind" list and how the client is asked for it."""

    label: str
    family: str  # rsa | ec | ed25519 | ed448 | aes
    size: int = 0
    curve: str = ""

    @property
    def is_pair(self) -> bool:
        return self.family != "aes"


KEY_KINDS: tuple[KeyKind, ...] = (
    KeyKind("RSA 2048 key pair", "rsa", size=2048),
    KeyKind("RSA 3072 key pair", "rsa", size=3072),
    KeyKind("RSA 4096 key pair", "rsa", size=4096),
    KeyKind("EC P-256 key pair", "ec", curve="p256"),
    KeyKind("EC P-384 key pair", "ec", curve="p384"),
    KeyKind("EC P-521 key pair", "ec", curve="p521"),
    KeyKind("Ed25519 key pair", "ed25519"),
    KeyKind("Ed448 key pair", "ed448"),
    KeyKind("AES 128 key", "aes", size=128),
    KeyKind("AES 192 key", "aes", size=192),
    KeyKind("AES 256 key", "aes", size=256),
)


@dataclass(frozen=True)
class CreateKeyRequest:
    kind: KeyKind
    name: str | None
    tags: tuple[str, ...]
    activate: bool


def parse_tags(text: str) -> tuple[str, ...]:
    """``a, b`` → ("a", "b"); refuses tags the server refuses (system tags start with ``_``)."""
    tags = tuple(t.strip() for t in text.split(",") if t.strip())
    bad = [t for t in tags if t.startswith("_")]
    if bad:
        raise FormProblem(f"Tags may not start with '_' (reserved for the server): {', '.join(bad)}")
    return tags


class CreateKeyModal(ObjectForm[CreateKeyRequest]):
    """Dismisses with a :class:`CreateKeyRequest`, or None."""

    CONFIRM_LABEL = "Create (ctrl+s)"

    def __init__(self) -> None:
        super().__init__("Create a key")

    def compose_fields(self) -> ComposeResult:
        options = [(k.label, i) for i, k in enumerate(KEY_KINDS)]
        yield field_row("Kind", Select(options, value=0, allow_blank=False, compact=True, id="create-kind"))
        yield field_row("Name", Input(placeholder="optional", compact=True, id="create-name"))
        yield field_row("Tags", Input(placeholder="comma-separated, optional", compact=True, id="create-tags"))
        yield field_row("Activate now", Checkbox("usable at once (else pre-active)", True, compact=True,
                                                 id="create-activate"))
        yield Static("Usage masks are the ones a FIPS server accepts (as ckms).", classes="form-note")

    def on_mount(self) -> None:
        self.query_one("#create-kind", Select).focus()

    def build_request(self) -> CreateKeyRequest:
        index = self.query_one("#create-kind", Select).value
        kind = KEY_KINDS[index if isinstance(index, int) else 0]
        name = self.query_one("#create-name", Input).value.strip() or None
        tags = parse_tags(self.query_one("#create-tags", Input).value)
        activate = self.query_one("#create-activate", Checkbox).value
        return CreateKeyRequest(kind=kind, name=name, tags=tags, activate=activate)
