"""Create a key pair, a symmetric key, secret data or an opaque object: kind, (for secrets) a hidden
value or a random length, name, tags, activate now or not; for keys, a rotation policy
(``kms_tui.tui.rotation.create_fields``: interval, offset, enroll in a keyset)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Select, Static

from kms_tui.client.secrets import SecretValue
from kms_tui.tui.modals.object_form import FormProblem, ObjectForm, field_row
from kms_tui.tui.widgets.checkbox import Checkbox

PAIR_FAMILIES = ("rsa", "ec", "ed25519", "ed448")
SECRET_FAMILIES = ("password", "seed", "opaque")  # secret data (Password, Seed) and opaque objects


@dataclass(frozen=True)
class KeyKind:
    """One choice of the "Kind" list and how the client is asked for it."""

    label: str
    family: str  # rsa | ec | ed25519 | ed448 | symmetric | password | seed | opaque
    size: int = 0
    curve: str = ""
    algorithm: str = ""  # symmetric keys: the CryptographicAlgorithm
    random_length: int = 0  # secrets: the default length of a random value (characters or bytes)

    @property
    def is_pair(self) -> bool:
        return self.family in PAIR_FAMILIES

    @property
    def is_secret(self) -> bool:
        return self.family in SECRET_FAMILIES


def _symmetric(label: str, algorithm: str, size: int) -> KeyKind:
    return KeyKind(label, "symmetric", size=size, algorithm=algorithm)


# Every key type ckms 5.26 creates (kms_tui/commands/key_kinds.py says where each comes from),
# then secret data and opaque objects.
KEY_KINDS: tuple[KeyKind, ...] = (
    KeyKind("RSA 2048 key pair", "rsa", size=2048),
    KeyKind("RSA 3072 key pair", "rsa", size=3072),
    KeyKind("RSA 4096 key pair", "rsa", size=4096),
    KeyKind("EC P-256 key pair", "ec", curve="p256"),
    KeyKind("EC P-384 key pair", "ec", curve="p384"),
    KeyKind("EC P-521 key pair", "ec", curve="p521"),
    KeyKind("EC P-224 key pair", "ec", curve="p224"),
    KeyKind("EC P-192 key pair (non-FIPS)", "ec", curve="p192"),
    KeyKind("EC secp256k1 key pair (non-FIPS)", "ec", curve="secp256k1"),
    KeyKind("X25519 key pair (non-FIPS)", "ec", curve="x25519"),
    KeyKind("X448 key pair (non-FIPS)", "ec", curve="x448"),
    KeyKind("Ed25519 key pair", "ed25519"),
    KeyKind("Ed448 key pair", "ed448"),
    _symmetric("AES 128 key", "AES", 128),
    _symmetric("AES 192 key", "AES", 192),
    _symmetric("AES 256 key", "AES", 256),
    _symmetric("ChaCha20 256 key (non-FIPS)", "ChaCha20", 256),
    _symmetric("SHA3-224 key", "SHA3224", 224),
    _symmetric("SHA3-256 key", "SHA3256", 256),
    _symmetric("SHA3-384 key", "SHA3384", 384),
    _symmetric("SHA3-512 key", "SHA3512", 512),
    _symmetric("SHAKE128 key", "SHAKE128", 128),
    _symmetric("SHAKE256 key", "SHAKE256", 256),
    _symmetric("FPE-FF1 256 key (non-FIPS)", "FPE_FF1", 256),
    KeyKind("Secret data: password", "password", random_length=24),
    KeyKind("Secret data: seed", "seed", random_length=32),
    KeyKind("Opaque object", "opaque", random_length=32),
)


@dataclass(frozen=True)
class CreateKeyRequest:
    kind: KeyKind
    name: str | None
    tags: tuple[str, ...]
    activate: bool
    value: SecretValue | None = None  # secrets: typed (its repr hides it), else random or the server's
    length: int | None = None  # secrets: a random value of this length (None: the kind's default)
    rotation: Any = None  # keys: a tui.rotation.create_fields.RotationChoice, set after the create


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
        yield field_row(
            "Value",
            Input(
                placeholder="typed value, hidden; empty: a random one", password=True, compact=True, id="create-value"
            ),
            row_id="create-value-row",
        )
        yield field_row(
            "Random length",
            Input(placeholder="", compact=True, type="integer", id="create-length"),
            row_id="create-length-row",
        )
        yield field_row("Name", Input(placeholder="optional", compact=True, id="create-name"))
        yield field_row("Tags", Input(placeholder="comma-separated, optional", compact=True, id="create-tags"))
        yield field_row(
            "Activate now", Checkbox("usable at once (else pre-active)", True, compact=True, id="create-activate")
        )
        from kms_tui.tui.rotation import create_fields  # (the rotation package imports this module)

        yield from create_fields.compose_rotation_fields()
        yield Static("Usage masks are the ones a FIPS server accepts (as ckms).", classes="form-note", id="create-note")

    def on_mount(self) -> None:
        self._show_secret_fields()
        self.query_one("#create-kind", Select).focus()

    def _kind(self) -> KeyKind:
        index = self.query_one("#create-kind", Select).value
        return KEY_KINDS[index if isinstance(index, int) else 0]

    @on(Select.Changed, "#create-kind")
    def _show_secret_fields(self) -> None:
        kind = self._kind()
        for row in ("#create-value-row", "#create-length-row"):
            self.query_one(row).set_class(not kind.is_secret, "-hidden")
        from kms_tui.tui.rotation import create_fields

        create_fields.show_rotation_fields(self, not kind.is_secret)
        unit = "characters" if kind.family == "password" else "bytes"
        self.query_one("#create-length", Input).placeholder = f"{kind.random_length} {unit} unless given"
        note = (
            "The value stays hidden; the detail pane shows it only when asked (V)."
            if kind.is_secret
            else "Usage masks are the ones a FIPS server accepts (as ckms)."
        )
        self.query_one("#create-note", Static).update(note)

    def _secret_fields(self, kind: KeyKind) -> tuple[SecretValue | None, int | None]:
        if not kind.is_secret:
            return None, None
        typed = self.query_one("#create-value", Input).value
        length_text = self.query_one("#create-length", Input).value.strip()
        if typed and length_text:
            raise FormProblem("Type a value or give a random length, not both.")
        if typed:
            return SecretValue(typed.encode("utf-8")), None
        try:
            length = int(length_text) if length_text else None
        except ValueError:
            raise FormProblem("The random length is a whole number.") from None
        if length is not None and not 1 <= length <= 4096:
            raise FormProblem("The random length is from 1 to 4096.")
        return None, length

    def build_request(self) -> CreateKeyRequest:
        kind = self._kind()
        name = self.query_one("#create-name", Input).value.strip() or None
        tags = parse_tags(self.query_one("#create-tags", Input).value)
        activate = self.query_one("#create-activate", Checkbox).value
        if kind.family == "opaque" and not activate:  # activate.rs: no Activate for opaque objects
            raise FormProblem(
                "An opaque object cannot be activated later (the server's Activate does not "
                'take opaque objects): leave "Activate now" ticked.'
            )
        value, length = self._secret_fields(kind)
        from kms_tui.tui.rotation import create_fields

        rotation = create_fields.read_rotation_fields(self, not kind.is_secret) or None
        return CreateKeyRequest(
            kind=kind, name=name, tags=tags, activate=activate, value=value, length=length, rotation=rotation
        )

    def equivalent(self) -> Any:
        from kms_tui.tui.show_command import for_create

        r = self.build_request()
        secret = r.kind.family in ("password", "seed", "opaque")
        size = (r.length or 0) if secret else r.kind.size  # a secret: the random length, never its value
        return for_create(
            r.kind.family,
            size=size,
            curve=r.kind.curve,
            name=r.name,
            tags=r.tags,
            activate=r.activate,
            algorithm=r.kind.algorithm,
            rotation=r.rotation,
        )
