"""What the header shows about the active profile and sign-in, as one immutable value."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from kms_tui.safetext import visible

# (predicate on [http_config], label): the first match names the sign-in method
_METHOD_LABELS = (
    (
        lambda c: c.get("oauth2_conf") and (c.get("tls_client_pem_cert_path") or c.get("tls_client_pkcs12_path")),
        "OAuth2 + client cert",
    ),
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
    production: bool = False  # the profile is marked production: a red banner
    write_mode: bool = False  # …and the user switched it to write mode for this session
    # what the last live check of the server found: "" (not checked yet), "checking",
    # "connected", "not signed in" (it answered but refused us), "unreachable" or "sandbox
    # stopped"; ``connection_detail`` says why (escaped)
    connection: str = ""
    connection_detail: str = ""

    @property
    def connected(self) -> bool:
        return self.connection == "connected"

    def with_connection(self, state: str, detail: str = "") -> Identity:
        return replace(self, connection=state, connection_detail=detail)

    def with_whoami(self, whoami: Any) -> Identity:
        """Fold in the user and token expiry of a ``WhoAmI``."""
        user = first_attr(whoami, "effective_user", "user", "username") or self.user
        expires = as_datetime(first_attr(whoami, "token_expires_at", "expires_at"))
        return replace(self, user=visible(user), expires_at=expires or self.expires_at)

    def with_session(self, state: Any) -> Identity:
        """Fold in the session's signed-in/expired state."""
        expired = first_attr(state, "status") == "expired"
        return replace(self, session_expired=expired, expires_at=as_datetime(first_attr(state, "expires_at")))


def first_attr(obj: Any, *names: str) -> Any:
    """The first non-empty attribute (or mapping key) among ``names``."""
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if callable(value):
            continue
        if value not in (None, ""):
            return value
    return None


def as_datetime(value: Any) -> datetime | None:
    """An aware datetime from a datetime or an epoch (the session keeps epochs)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return None
