"""What auth needs from a profile: its name, its ckms.toml, its [http_config] and OAuth extras."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kms_tui.auth.oauth import OAuthConfig
from kms_tui.config.secrets import has_reference

ACCESS_TOKEN = "http_config.access_token"


@dataclass
class ProfileRef:
    """A duck-typed view of `kms_tui.config.ResolvedConnection` (or anything with these fields)."""

    name: str
    path: Path | None
    http_config: dict[str, Any]
    extras: dict[str, Any] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)  # dotted key -> its secret:// text in the file

    @classmethod
    def of(cls, profile: Any) -> ProfileRef:
        """Adapt a ResolvedConnection (settings.oauth holds the extras) or a ProfileRef."""
        if isinstance(profile, ProfileRef):
            return profile
        extras: dict[str, Any] = {}
        oauth = getattr(getattr(profile, "settings", None), "oauth", None)
        if oauth is not None:
            extras = oauth.model_dump() if hasattr(oauth, "model_dump") else dict(oauth)
        path = getattr(profile, "path", None)
        return cls(
            name=getattr(profile, "name", "") or "",
            path=Path(path) if path else None,
            http_config=dict(getattr(profile, "http_config", {}) or {}),
            extras=extras,
            references=dict(getattr(profile, "references", {}) or {}),
        )

    @property
    def cache_key(self) -> str:
        """The credential-cache entry: the profile name, or a digest of its file."""
        if self.name:
            return self.name
        digest = hashlib.sha256(str(self.path or "").encode()).hexdigest()[:12]
        return f"conf-{digest}"

    @property
    def signs_in_with_oauth(self) -> bool:
        """Whether the profile names an OAuth2/OIDC token endpoint (the only sign-in that caches)."""
        return bool(self.http_config.get("oauth2_conf") or self.extras.get("token_url"))

    def oauth_config(self) -> OAuthConfig:
        """The OAuth configuration (raises OAuthConfigError when the profile has none)."""
        extras = {
            "device_authorization_endpoint": self.extras.get("device_authorization_url"),
            "audience": self.extras.get("audience"),
            "extra_params": self.extras.get("extra_params"),
        }
        return OAuthConfig.from_profile(self.http_config, extras)

    @property
    def flow(self) -> str:
        return str(self.extras.get("flow") or "pkce")

    @property
    def redirect_port(self) -> int | None:
        """Settings' redirect port, unless $OAUTH2_REDIRECT_URL_PORT says otherwise (as ckms)."""
        if os.environ.get("OAUTH2_REDIRECT_URL_PORT"):
            return None
        port = self.extras.get("redirect_port")
        return int(port) if port else None

    def store_bearer(self, token: str | None) -> str | None:
        """Write (or with None remove) `access_token` in the ckms.toml, as ckms login/logout do.

        Unlike ckms, a `secret://` reference there is kept as it is (the token then lives in the
        credential cache only). Returns the bearer the profile gives from now on.
        """
        from kms_tui.config.document import ProfileDocument  # tomlkit and pydantic: only to write

        document = ProfileDocument.load(self.path) if self.path is not None else None
        if ACCESS_TOKEN in self.references or (document is not None and has_reference(document.get(ACCESS_TOKEN))):
            return self.http_config.get("access_token") or None  # what the reference resolved to
        if token is None:
            self.http_config.pop("access_token", None)
        else:
            self.http_config["access_token"] = token
        if document is not None:
            if token is None:
                document.delete(ACCESS_TOKEN)
            else:
                document.set(ACCESS_TOKEN, token)
            document.delete("http_config.vault_token")  # exclusive with access_token in ckms
            document.save()
        return token
