"""Import a ckms.toml into the store and export a profile as a standalone ckms.toml.

Both copy bytes, not a re-serialisation: an unchanged profile exports byte-identical to its
source. Export warns about what ckms 5.26 itself cannot read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kms_tui.config.atomic import write_atomic
from kms_tui.config.document import ProfileDocument
from kms_tui.config.errors import ConfigError
from kms_tui.config.settings import ProfileSettings

if TYPE_CHECKING:
    from kms_tui.config.store import ProfileStore


def ckms_caveats(document: ProfileDocument) -> list[str]:
    """What the official ckms 5.26 would do differently with this document."""
    notes = []
    oauth = document.get("http_config.oauth2_conf")
    if isinstance(oauth, dict) and "client_secret" not in oauth:
        notes.append(
            'ckms 5.26 cannot parse an oauth2_conf without client_secret: add client_secret = "" '
            "under [http_config.oauth2_conf] for PKCE-only use with ckms"
        )
    if "secret://" in document.text:
        notes.append(
            "this profile holds secret:// references, which only kms-tui resolves; ckms would send them literally"
        )
    if document.legacy_notices():
        notes.append("ckms accepts the legacy ssl_client_* keys but warns about them on every run")
    return notes


def import_file(store: ProfileStore, source: Path, name: str | None, *, secret_backend: str | None = None) -> str:
    """Copy ``source`` into the store under ``name`` (default: its file name without .toml)."""
    document = ProfileDocument.load(source)
    document.require_valid()
    name = name or source.stem.replace(" ", "-")
    store._must_be_free(name)
    target = store._own_path(name)
    write_atomic(
        target,
        document.text.encode("utf-8"),
        secret=document.holds_secret(),
        backup=False,
        decide=lambda current: must_be_new(current, document.text, name),
    )
    if secret_backend:
        store.set_profile_settings(name, ProfileSettings(secret_backend=secret_backend))
    return name


def must_be_new(current: bytes | None, text: str, name: str) -> bytes:
    """For ``write_atomic(decide=…)``: refuse when a file appeared since the name was checked
    (another kms-tui took the name meanwhile)."""
    if current is not None:
        raise ConfigError(f"a profile named {name!r} already exists", fix="Choose another name.")
    return text.encode("utf-8")


def export_file(store: ProfileStore, name: str, dest: Path, *, overwrite: bool = False) -> list[str]:
    """Write profile ``name`` to ``dest`` exactly as stored; returns the ckms caveats."""
    document = store.load(name)
    if dest.exists() and not overwrite:
        raise ConfigError(f"{dest} already exists", fix="Choose another file or pass --force.")
    write_atomic(dest, document.text.encode("utf-8"), secret=document.holds_secret(), backup=overwrite)
    return ckms_caveats(document)
