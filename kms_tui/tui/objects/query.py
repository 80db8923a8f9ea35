"""The filter bar's fields as the client's ``LocateFilter`` (pure, no Textual)."""

from __future__ import annotations

from dataclasses import asdict

from kms_tui.client.requests import LocateFilter
from kms_tui.kmip.enums import State

OBJECT_TYPES = (
    "PrivateKey",
    "PublicKey",
    "SymmetricKey",
    "Certificate",
    "SecretData",
    "OpaqueObject",
    "SplitKey",
    "CertificateRequest",
    "PGPKey",
)
ALGORITHMS = ("RSA", "EC", "ECDH", "ECDSA", "Ed25519", "Ed448", "AES", "ChaCha20", "HMACSHA256")
STATE_CHOICES = tuple(s.value for s in State)


class QueryError(ValueError):
    """A filter field holds something the server cannot be asked for."""


def filter_from_fields(
    *,
    object_type: str | None = None,
    algorithm: str | None = None,
    state: str | None = None,
    tags: str = "",
    name: str = "",
    length: str = "",
    linked_to: str = "",
) -> LocateFilter:
    """Parse the text fields of the filter bar; raises :class:`QueryError` saying what to type."""
    length = length.strip()
    if length and not (length.isdigit() and int(length) > 0):
        raise QueryError(f"Length must be a number of bits, like 2048 (got {length!r}).")
    return LocateFilter(
        object_type=object_type or None,
        algorithm=algorithm or None,
        state=state or None,
        tags=tuple(t.strip() for t in tags.split(",") if t.strip()),
        name=name.strip() or None,
        length=int(length) if length else None,
        linked_to=linked_to.strip() or None,
    )


def describe_filter(query: LocateFilter) -> str:
    """``object_type=PrivateKey tags=prod,eu`` — or ``all objects``."""
    parts = []
    for key, value in asdict(query).items():
        if value in (None, ()):
            continue
        parts.append(f"{key}={','.join(value) if isinstance(value, (tuple, list)) else value}")
    return " ".join(parts) or "all objects"
