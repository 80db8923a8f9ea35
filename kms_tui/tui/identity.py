"""What the header shows about the active profile and sign-in, as one immutable value."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

# (predicate on [http_config], label): the first match names the sign-in method
_METHOD_LABELS = (
    (lambda c: c.get("oauth2_conf") and (c.get("tls_client_pem_cert_path") or c.get("tls_client_pkcs12_path")),
     "OAuth2 + client cert"),
    (lambda c: c.get("oauth2_conf"), "OAuth2/OIDC"),
    (lambda c: c.get("access_token") and c.get("tls_client_pkcs12_path"), "PKCS#12 + token"),
    (lambda c: c.get("access_token") and c.get("tls_client_pem_cert_path"), "PEM + token"),
    (lambda c: c.get("tls_client_pkcs12_path"), "PKCS#12"),
    (lambda c: c.get("tls_client_pem_cert_path"), "client cert (PEM)"),
    (lambda c: c.get("access_token"), "bearer token"),
)


def sign_in_label(http_config: dict) -> str:
    """A short name of the profile's sign-in method, for the header and the profiles list."""
    for matches, label in _METHOD_LABELS:
        if matches(http_config):
            return label
    return "no sign-in"


@dataclass(frozen=True)
class Identity:
    profile: str = "no profile"
    user: str = ""
    method: str = ""
    expires_at: datetime | None = None
    insecure_tls: bool = False
    session_expired: bool = False
    read_only: bool = False

    def with_whoami(self, whoami: Any) -> "Identity":
        """Fold in the user and token expiry of a ``WhoAmI``."""
        user = first_attr(whoami, "effective_user", "user", "username") or self.user
        expires = first_attr(whoami, "token_expires_at", "expires_at")
        return replace(self, user=str(user), expires_at=expires if isinstance(expires, datetime) else None)

    def with_session(self, state: Any) -> "Identity":
        """Fold in the session's signed-in/expired state."""
        expired = bool(first_attr(state, "expired", "is_expired"))
        expires = first_attr(state, "expires_at", "token_expires_at")
        return replace(self, session_expired=expired,
                       expires_at=expires if isinstance(expires, datetime) else self.expires_at)


def first_attr(obj: Any, *names: str) -> Any:
    """The first non-empty attribute (or mapping key) among ``names``."""
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if callable(value):
            continue
        if value not in (None, ""):
            return value
    return None
