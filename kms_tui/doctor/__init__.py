"""The connection doctor: walks DNS, TCP, proxy, TLS, client certificate, server, token and rights
and stops at the first broken link with its fix (``kms-tui doctor`` and the console's check)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kms_tui.doctor.report import FAIL, LINKS, OK, SKIP, WARN, Check, Report
from kms_tui.doctor.walk import Doctor

if TYPE_CHECKING:
    from kms_tui.config.resolve import ResolvedConnection


async def diagnose_profile(resolved: ResolvedConnection, **kwargs: Any) -> Report:
    """Walk the path of a resolved profile: its sign-in session gives the token; its OAuth
    settings the issuer and audience a token must carry."""
    from kms_tui.auth.errors import AuthError
    from kms_tui.auth.profile import ProfileRef
    from kms_tui.auth.session import Session

    issuer = audience = None
    try:
        oauth = ProfileRef.of(resolved).oauth_config()
        issuer, audience = oauth.issuer, oauth.audience
    except AuthError:
        pass
    try:
        session = Session(resolved)
    except Exception:  # noqa: BLE001 - no session: the static access_token is used
        session = None
    doctor = Doctor(
        dict(resolved.http_config),
        profile=resolved.name,
        credentials=session,
        issuer=issuer,
        audience=audience,
        **kwargs,
    )
    return await doctor.run()


__all__ = ["Check", "Doctor", "FAIL", "LINKS", "OK", "Report", "SKIP", "WARN", "diagnose_profile"]
