"""Sign-in errors: what happened (`message`), what to do (`fix`), and the headless exit code.

They are `kms_tui.client.errors.NotAuthenticated` errors, so callers treat both alike.
No message ever contains a token or a secret.
"""

from __future__ import annotations

from kms_tui import exitcodes
from kms_tui.client.errors import NotAuthenticated


class AuthError(NotAuthenticated):
    """A sign-in or token problem the user can act on."""

    exit_code = exitcodes.NOT_AUTHENTICATED

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message, fix, reason=type(self).__name__)


class LoginFailed(AuthError):
    """The IdP refused or the callback was unusable (error=, wrong state, bad verifier...)."""


class LoginTimeout(AuthError):
    """Nobody completed the sign-in in the browser in time."""


class LoginCancelled(AuthError):
    """The user cancelled the sign-in."""


class PortBusy(AuthError):
    """The loopback redirect port is already taken by another program."""

    exit_code = exitcodes.USAGE


class OAuthConfigError(AuthError):
    """The profile has no usable OAuth configuration."""

    exit_code = exitcodes.USAGE


class IdpUnreachable(AuthError):
    """The identity provider could not be reached."""

    exit_code = exitcodes.UNREACHABLE


class SessionExpired(AuthError):
    """The tokens can no longer be refreshed: the user must sign in again."""


def sign_in_again_hint(profile: str) -> str:
    """The sentence telling the user how to get a fresh session."""
    suffix = f" --profile {profile}" if profile else ""
    return f"Sign in again: run `kms-tui login{suffix}` (or press L in the console)."
