"""The one HTTP answer for a :class:`KmipFailure`, shared by the KMIP and REST endpoints."""

from __future__ import annotations

from aiohttp import web

from kms_tui.server.errors import KmipFailure


def error_response(exc: KmipFailure) -> web.Response:
    """Cosmian's ``error_response`` (routes/mod.rs): the status, and the plain body as ``text/html``
    (a 5xx body says only "Internal server error")."""
    return web.Response(status=exc.status, text=exc.body, content_type="text/html", charset="utf-8")
