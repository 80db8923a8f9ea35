"""Token sets from an IdP, unverified JWT claims, and when to refresh."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

EARLY_MARGIN = 60.0  # refresh at least this many seconds before exp
LIFETIME_FRACTION = 0.8  # ...or at 80 % of the lifetime, whichever is earlier
FLOOR_FRACTION = 0.25  # but never in the first quarter: stops refresh storms for short-lived tokens


def jwt_claims_unverified(token: str | None) -> dict[str, Any] | None:
    """The payload of a JWT, decoded without checking its signature (None when not a JWT)."""
    if not token or token.count(".") != 2:
        return None
    payload = token.split(".")[1]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def jwt_issued_at(token: str | None) -> float | None:
    """The `iat` of a JWT as a Unix time, or None."""
    iat = (jwt_claims_unverified(token) or {}).get("iat")
    return float(iat) if isinstance(iat, (int, float)) else None


def jwt_expiry(token: str | None) -> float | None:
    """The `exp` of a JWT as a Unix time, or None."""
    claims = jwt_claims_unverified(token) or {}
    exp = claims.get("exp")
    return float(exp) if isinstance(exp, (int, float)) else None


def refresh_due(issued_at: float, expires_at: float) -> float:
    """When to refresh: at 80 % of the lifetime or 60 s before expiry, whichever is earlier.

    Tokens living under ~80 s would be "due" at once; the first quarter of the lifetime is
    therefore never used, so a 10 s token refreshes after 2.5 s instead of in a tight loop.
    """
    lifetime = max(0.0, expires_at - issued_at)
    due = min(issued_at + LIFETIME_FRACTION * lifetime, expires_at - EARLY_MARGIN)
    return max(due, issued_at + FLOOR_FRACTION * lifetime)


@dataclass
class TokenSet:
    """What a token endpoint returned, with absolute times. Never printed: repr hides values."""

    access_token: str
    id_token: str | None = None
    refresh_token: str | None = None
    token_type: str = "Bearer"
    scope: str | None = None
    issued_at: float = field(default_factory=time.time)
    expires_at: float | None = None

    @classmethod
    def from_response(
        cls, body: dict[str, Any], *, now: float | None = None, previous: TokenSet | None = None
    ) -> TokenSet:
        """Build from a token response; a refresh response may omit the refresh token."""
        now = time.time() if now is None else now
        expires_in = body.get("expires_in")
        tokens = cls(
            access_token=str(body["access_token"]),
            id_token=body.get("id_token"),
            refresh_token=body.get("refresh_token") or (previous.refresh_token if previous else None),
            token_type=str(body.get("token_type") or "Bearer"),
            scope=body.get("scope"),
            issued_at=now,
        )
        if isinstance(expires_in, (int, float)) or (isinstance(expires_in, str) and expires_in.isdigit()):
            tokens.expires_at = now + float(expires_in)
        else:
            tokens.expires_at = jwt_expiry(tokens.bearer)
        return tokens

    @property
    def bearer(self) -> str:
        """The token sent to the KMS, as ckms stores it: the id_token if any, else the access token."""
        return self.id_token or self.access_token

    @property
    def bearer_expires_at(self) -> float | None:
        """Expiry of the bearer: its own `exp` when it is a JWT, else the response's expires_in."""
        return jwt_expiry(self.bearer) or self.expires_at

    def next_refresh(self) -> float | None:
        """Unix time at which the worker should refresh, or None when the token never expires."""
        exp = self.bearer_expires_at
        return None if exp is None else refresh_due(self.issued_at, exp)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenSet:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    def __repr__(self) -> str:  # never show a token
        return f"TokenSet(expires_at={self.expires_at!r}, has_refresh={self.refresh_token is not None})"
