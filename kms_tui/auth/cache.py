"""The credential cache: refresh token, expiry and token-endpoint metadata, one entry per profile.

ckms.toml only holds the bearer (`access_token`); everything needed to refresh lives here.
The OS keyring is used when one is usable; otherwise a 0600 JSON file in the state directory,
written atomically. Set `KMS_TUI_KEYRING=off` to force the file. The file is never read or
written through a symbolic link: a link at its path is ignored on load (with a warning naming
it) and refused on save (ConfigError: remove the link).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from kms_tui import paths
from kms_tui.auth.tokens import TokenSet
from kms_tui.config.atomic import write_atomic

log = logging.getLogger(__name__)
KEYRING_SERVICE = "kms-tui"


def bearer_digest(token: str) -> str:
    """A one-way fingerprint of a token, to recognise it without storing it twice."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class CachedCredentials:
    """Everything needed to refresh or revoke a profile's session without asking the user."""

    method: str  # authorization_code | device_code | client_credentials
    tokens: TokenSet
    token_endpoint: str
    client_id: str
    revocation_endpoint: str | None = None
    issuer: str | None = None
    scopes: list[str] = field(default_factory=list)
    profile_bearer: str | None = None  # digest of the token last written to ckms.toml (not the token)

    def matches_profile(self, bearer: str | None) -> bool:
        """True if ckms.toml holds our token (not one `ckms login` or a human put there since)."""
        return bearer is None or bearer_digest(bearer) in (bearer_digest(self.tokens.bearer), self.profile_bearer)

    def to_json(self) -> str:
        data = asdict(self)
        data["tokens"] = self.tokens.to_dict()
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> CachedCredentials:
        data = json.loads(text)
        data["tokens"] = TokenSet.from_dict(data["tokens"])
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def __repr__(self) -> str:
        return f"CachedCredentials(method={self.method!r}, client_id={self.client_id!r}, tokens={self.tokens!r})"


def _is_os_keyring(backend: object) -> bool:
    """The platform's own store (Secret Service, KWallet, macOS, Windows); not file or null stand-ins."""
    children = getattr(backend, "backends", None)
    if children is not None:  # keyring's chainer: usable if any link is an OS keyring
        return any(_is_os_keyring(b) for b in children)
    module = type(backend).__module__
    return (
        module.startswith("keyring.backends.")
        and module.rsplit(".", 1)[1] not in ("fail", "null", "chainer")
        and getattr(backend, "priority", 0) > 0
    )


def _usable_keyring() -> ModuleType | None:
    """The keyring module when an OS keyring is usable, else None (then the 0600 file is used).

    `KMS_TUI_KEYRING=off` forces the file; `=on` accepts any configured (non-failing) backend.
    """
    choice = os.environ.get("KMS_TUI_KEYRING", "").lower()
    if choice in ("off", "0", "no", "file"):
        return None
    try:
        import keyring  # optional extra
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - a broken keyring configuration must not stop sign-in
        return None
    if isinstance(backend, fail.Keyring):
        return None
    return keyring if choice == "on" or _is_os_keyring(backend) else None


_UNKNOWN = object()  # the keyring not looked for yet


class CredentialCache:
    """Load, save and forget one profile's cached credentials."""

    def __init__(self, profile_key: str, directory: Path | None = None) -> None:
        self.profile_key = profile_key
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", profile_key) or "default"
        self.path = (directory or paths.state_dir() / "credentials") / f"{safe}.json"
        self._keyring_module: Any = _UNKNOWN if directory is None else None

    @property
    def _keyring(self) -> Any:
        """The keyring module when an OS keyring is used; discovered on first use (it imports
        every keyring backend: tens of milliseconds a command that caches nothing never pays)."""
        if self._keyring_module is _UNKNOWN:
            self._keyring_module = _usable_keyring()
        return self._keyring_module

    @_keyring.setter
    def _keyring(self, module: Any) -> None:
        self._keyring_module = module

    @property
    def backend(self) -> str:
        """Where the secrets go: "keyring" or "file"."""
        return "keyring" if self._keyring is not None else "file"

    def load(self) -> CachedCredentials | None:
        """The cached credentials, or None when there are none or they are unreadable."""
        try:
            if self._keyring is not None:
                text = self._keyring.get_password(KEYRING_SERVICE, self.profile_key)
            else:
                text = self._read_file()
            return CachedCredentials.from_json(text) if text else None
        except paths.LinkRefused as exc:
            log.warning("%s", exc)
            return None
        except Exception as exc:  # noqa: BLE001 - a corrupt cache must not stop the app: sign in again
            log.warning("credential cache for %s is unreadable (%s); ignoring it", self.profile_key, type(exc).__name__)
            return None

    def _read_file(self) -> str | None:
        try:
            return paths.read_bytes_nofollow(self.path, "credential cache").decode("utf-8")
        except FileNotFoundError:
            return None

    def save(self, creds: CachedCredentials) -> None:
        """Store the credentials (keyring, else a 0600 file written atomically)."""
        if self._keyring is not None:
            try:
                self._keyring.set_password(KEYRING_SERVICE, self.profile_key, creds.to_json())
                return
            except Exception as exc:  # noqa: BLE001 - locked or broken keyring: fall back to the file
                log.warning("keyring unusable (%s); using the credential file", type(exc).__name__)
                self._keyring = None
        write_atomic(self.path, creds.to_json().encode(), secret=True, backup=False)  # 0600, atomic

    def forget(self) -> bool:
        """Delete the cached credentials; True if something was removed."""
        removed = False
        if self._keyring is not None:
            try:
                if self._keyring.get_password(KEYRING_SERVICE, self.profile_key):
                    self._keyring.delete_password(KEYRING_SERVICE, self.profile_key)
                    removed = True
            except Exception as exc:  # noqa: BLE001 - a keyring that cannot forget is reported, not fatal
                log.warning("could not remove the keyring entry (%s)", type(exc).__name__)
        if os.path.lexists(self.path):  # a link planted there is removed, never followed
            self.path.unlink()
            removed = True
        return removed
