"""Credential sources and their lifecycle: OAuth2 sign-in (PKCE, device, paste, client
credentials), the credential cache, the refresh worker (`Session`) and whoami data."""

from kms_tui.auth.errors import AuthError, LoginCancelled, LoginFailed, LoginTimeout, PortBusy, SessionExpired
from kms_tui.auth.session import Session, SessionState
from kms_tui.auth.whoami import WhoAmI, whoami

__all__ = [
    "AuthError",
    "LoginCancelled",
    "LoginFailed",
    "LoginTimeout",
    "PortBusy",
    "Session",
    "SessionExpired",
    "SessionState",
    "WhoAmI",
    "whoami",
]
