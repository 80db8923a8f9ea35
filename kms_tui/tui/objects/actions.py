"""What the object browser asks the client to do (no Textual: runs inside workers).

Each function takes the shared ``KmsClient`` and returns plain data the screen turns into rows
and notices; the client records every call in the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kms_tui.client import requests
from kms_tui.client.errors import KmsError
from kms_tui.kmip.ttlv import encode
from kms_tui.tui.objects.rows import ObjectRow, recent_attributes, row_from_attributes

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient


async def fetch_rows(client: KmsClient, uids: Sequence[str]) -> tuple[list[ObjectRow], list[str]]:
    """Fresh rows for ``uids`` (after an action); ids that are gone come back in the second list."""
    found = await client.get_attributes_many([u for u in uids if u])
    rows, gone, recent = [], [], recent_attributes(client)
    for uid, attrs in found.items():
        if isinstance(attrs, KmsError):
            gone.append(uid)
        else:
            rows.append(row_from_attributes(uid, attrs, recent=recent))
    return rows, gone


async def create_key(
    client: KmsClient,
    kind: Any,
    *,
    name: str | None,
    tags: Sequence[str],
    activate: bool,
    value: Any = None,
    length: int | None = None,
) -> list[str]:
    """Create what ``kind`` (a ``KeyKind``) describes; returns the new ids, main object first."""
    if kind.is_secret:
        from kms_tui.tui.objects.secrets import create_secret

        return [await create_secret(client, kind, name=name, tags=tags, activate=activate, value=value, length=length)]
    # Pre-active (``activate=False``): no ActivationDate anywhere (reference §4.1).
    if kind.is_pair:
        return list(
            await client.create_key_pair(
                kind.family, size=kind.size or 2048, curve=kind.curve or "p256", tags=tags, name=name, activate=activate
            )
        )
    return [
        await client.create_symmetric_key(kind.algorithm or "AES", kind.size, tags=tags, name=name, activate=activate)
    ]


async def raw_attributes_json(client: KmsClient, uid: str) -> str:
    """The GetAttributes response (tags included) as JSON TTLV text."""
    main = await client.send(requests.get_attributes(uid))
    try:
        tags = await client.send(requests.get_tags(uid))
        found = tags.get("Attributes")
        for node in found.children() if found else []:
            main.child("Attributes").value.append(node)
    except KmsError:
        pass  # tags are a bonus in the raw view
    return encode(main)


async def export_pem(client: KmsClient, uid: str) -> bytes:
    """PEM of a public key or certificate (the client's ``to_pem`` reads the export)."""
    from kms_tui.client.pem import to_pem  # cryptography's x509: only when exporting

    return to_pem(await client.export(uid)).encode()


def save_pem(path: Path, pem: bytes) -> None:
    """Write atomically (temp file, fsync, rename); errors carry a message and a fix."""
    from kms_tui.config.atomic import write_atomic

    write_atomic(path, pem, secret=False, backup=False)
