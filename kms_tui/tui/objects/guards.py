"""What an object's lifecycle state allows, and what to warn about before an export (pure: no Textual).

The rules follow Cosmian 5.26 (``core/operations/revoke.rs``, ``activate.rs``): Revoke of a
Destroyed object "succeeds" without changing anything and a Compromised one is skipped, so the
console does not offer them; only a PreActive object can be activated.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from kms_tui.tui.objects.rows import ObjectRow, _as_datetime

DESTROYED = ("Destroyed", "Destroyed_Compromised")
UNSAFE_TO_EXPORT = ("Compromised", "Deactivated", "Destroyed_Compromised")
GUARDED_ACTIONS = ("activate", "revoke")
KIND = {
    "PublicKey": "public key",
    "PrivateKey": "private key",
    "Certificate": "certificate",
    "SymmetricKey": "symmetric key",
    "SecretData": "secret",
    "OpaqueObject": "opaque object",
}


def kind_of(row: ObjectRow) -> str:
    return KIND.get(row.object_type, row.object_type or "object")


def refusal(action: str, row: ObjectRow | None) -> str | None:
    """Why ``action`` is not possible on ``row`` in its state, or None when it is."""
    if row is None or not row.state:
        return None
    state = row.state
    if action == "activate" and state != "PreActive":
        return f"Only pre-active objects can be activated; this {kind_of(row)} is {state}."
    if action == "revoke":
        if state in DESTROYED:
            return f"This {kind_of(row)} is {state}: there is nothing left to revoke."
        if state == "Compromised":
            return f"This {kind_of(row)} is already Compromised: revoking it again changes nothing."
    return None


# the guarded actions the footer shows (activate is palette/key only): a footer rebuild costs
# 20-120 ms on the key path, so it happens only when one of these changes
FOOTER_ACTIONS = ("revoke",)


def allowed_signature(row: ObjectRow | None) -> tuple[bool, ...]:
    """Which footer-shown guarded actions ``row`` allows (the footer is rebuilt when this changes)."""
    return tuple(refusal(action, row) is None for action in FOOTER_ACTIONS)


def _day(value: object) -> str:
    moment = _as_datetime(value) if not isinstance(value, datetime) else value
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else ""


def revocation_note(row: ObjectRow) -> str:
    """'revoked 2026-01-15 09:30 UTC, compromise occurred 2026-01-10 00:00 UTC' from the dates
    the row keeps (DeactivationDate; CompromiseOccurrenceDate, else CompromiseDate)."""
    parts = []
    revoked = _day(row.deactivated)
    if revoked:
        parts.append(f"revoked {revoked}")
    occurred = _day(row.compromised)
    if occurred:
        parts.append(f"compromise occurred {occurred}")
    if not parts and row.state in ("Compromised", "Destroyed_Compromised"):
        parts.append("revoked for a compromise")
    return ", ".join(parts)


PAIR_LINKS = ("PublicKeyLink", "PrivateKeyLink", "CertificateLink")


def linked_ids(row: ObjectRow) -> list[str]:
    """The ids ``row`` links to as a key pair or certificate."""
    return [row.links[name] for name in PAIR_LINKS if row.links.get(name)]


def export_warning(target: ObjectRow, related: Iterable[ObjectRow]) -> str | None:
    """The question to ask before exporting ``target`` when it, or a key it belongs with (its
    pair partner, the key of a certificate, that key's partner), is Compromised or Deactivated
    (None: nothing to warn about)."""

    def state_text(row: ObjectRow) -> str:
        note = revocation_note(row)
        return f"{row.state} ({note})" if note else row.state

    what = kind_of(target)
    if target.state in UNSAFE_TO_EXPORT:
        return f"This {what} is {state_text(target)}. Export anyway?"
    for other in related:
        if other.uid != target.uid and other.state in UNSAFE_TO_EXPORT:
            return f"This {what}'s {kind_of(other)} is {state_text(other)}. Export anyway?"
    return None
