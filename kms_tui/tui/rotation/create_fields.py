"""The rotation fields of the create dialog, as ``kms-tui create … --rotation-interval SPAN
--rotation-offset SPAN --enroll-keyset`` and ckms's ``RotationPolicyArgs`` (shared/
rotation_policy_args.rs): after the create, SetAttribute RotateInterval, RotateOffset, then
RotateName = the new (private) key's id — :func:`kms_tui.client.rotation.enrol_after_create`,
the same call the headless command makes.

Keys only (symmetric keys and key pairs: the kinds ``create`` gives the options to); the rows
hide for secret data and opaque objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import Input

from kms_tui.tui.modals.object_form import FormProblem, field_row
from kms_tui.tui.widgets.checkbox import Checkbox

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient

ROWS = ("#create-rotation-interval-row", "#create-rotation-offset-row", "#create-keyset-row")


@dataclass(frozen=True)
class RotationChoice:
    """What the dialog asks to set on the new key (seconds; None: not set)."""

    interval: int | None = None
    offset: int | None = None
    keyset: bool = False

    def __bool__(self) -> bool:
        return self.interval is not None or self.offset is not None or self.keyset

    def command_words(self) -> list[str]:
        """The ``kms-tui create`` options (spans as the user would write them)."""
        from kms_tui.client.rotation import span_text

        words: list[str] = []
        if self.interval is not None:
            words += ["--rotation-interval", span_text(self.interval) if self.interval else "0"]
        if self.offset is not None:
            words += ["--rotation-offset", span_text(self.offset) if self.offset else "0"]
        if self.keyset:
            words.append("--enroll-keyset")
        return words

    def ckms_words(self) -> list[str]:
        """ckms 5.26's options (seconds)."""
        words: list[str] = []
        if self.keyset:
            words.append("--enroll-keyset")
        if self.interval is not None:
            words += ["--rotation-interval", str(self.interval)]
        if self.offset is not None:
            words += ["--rotation-offset", str(self.offset)]
        return words


def compose_rotation_fields() -> ComposeResult:
    yield field_row(
        "Rotate every",
        Input(placeholder="optional: 90d, 12h, 2w or seconds", compact=True, id="create-rotation-interval"),
        row_id="create-rotation-interval-row",
    )
    yield field_row(
        "First rotation +",
        Input(
            placeholder="optional offset before the first rotation, e.g. 1d", compact=True, id="create-rotation-offset"
        ),
        row_id="create-rotation-offset-row",
    )
    yield field_row(
        "Keyset",
        Checkbox("a keyset named after its id (@latest)", False, compact=True, id="create-keyset"),
        row_id="create-keyset-row",
    )


def show_rotation_fields(modal: Any, is_key: bool) -> None:
    for row in ROWS:
        modal.query_one(row).set_class(not is_key, "-hidden")


def read_rotation_fields(modal: Any, is_key: bool) -> RotationChoice:
    """The choice typed (FormProblem for a span that is not one); empty for a secret."""
    if not is_key:
        return RotationChoice()
    from kms_tui.client import errors
    from kms_tui.client.rotation import parse_span

    values = []
    for field, what in (
        ("#create-rotation-interval", "The rotation interval"),
        ("#create-rotation-offset", "The rotation offset"),
    ):
        text = modal.query_one(field, Input).value.strip()
        try:
            values.append(parse_span(text, what) if text else None)
        except errors.InvalidValue:
            raise FormProblem(f"{what} {text!r} is not a duration: write 90d, 12h, 30m, 2w or seconds.") from None
    return RotationChoice(values[0], values[1], modal.query_one("#create-keyset", Checkbox).value)


async def enrol(client: KmsClient, uid: str, choice: RotationChoice | None) -> None:
    """Set the policy on the new key (its private key for a pair), as the headless create does."""
    if choice:
        from kms_tui.client.rotation import enrol_after_create

        await enrol_after_create(client, uid, interval=choice.interval, offset=choice.offset, keyset=choice.keyset)
