"""The sandbox's aiohttp application: KMIP endpoints, REST endpoints, authentication."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from kms_tui.kmip.ttlv import TTLV, TTLVError, decode, encode
from kms_tui.server.auth import Authenticator
from kms_tui.server.config import ServerConfig
from kms_tui.server.context import OpContext
from kms_tui.server.dispatch import invalid_message, run_message, run_operation
from kms_tui.server.errors import InvalidRequest, KmsError, codec
from kms_tui.server.rest import routes as rest_routes
from kms_tui.server.store import Store

log = logging.getLogger("kms_tui.server")
MAX_BODY = 64 * 1024 * 1024  # Cosmian's payload limit
PUBLIC_PATHS = frozenset({"/version", "/health"})


def _ttlv_response(node: TTLV) -> web.Response:
    try:
        text = encode(node)
    except (TTLVError, TypeError, ValueError):
        # Only reachable if malformed input slipped into the store: say so, do not crash.
        log.exception("cannot encode a %s", node.tag)
        return _error_response(codec(f"the stored data cannot be encoded as a {node.tag}"))
    return web.Response(text=text, content_type="application/json")


def _error_response(exc: KmsError) -> web.Response:
    return web.Response(status=exc.status, text=exc.body, content_type="text/html", charset="utf-8")


@web.middleware
async def guard(request: web.Request, handler):
    """Authenticate (except public routes) and turn any unexpected failure into a 500."""
    try:
        if request.path not in PUBLIC_PATHS:
            auth: Authenticator = request.app["auth"]
            ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
            user = await auth.authenticate(request.headers, ssl_object)
            if user is None:
                if request.app["config"].auth_configured:
                    return web.Response(status=401, text="No authentication provided.", content_type="text/plain")
                user = request.app["config"].default_username
            request["user"] = user
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:  # Cosmian (actix PayloadError::Overflow) says exactly this
        return web.Response(status=413, text="payload reached size limit", content_type="text/plain")
    except web.HTTPException:
        raise
    except Exception:  # noqa: BLE001 - never let a request crash the server
        log.exception("internal error on %s %s", request.method, request.path)
        return web.Response(status=500, text="Internal server error", content_type="text/html", charset="utf-8")


def _context(request: web.Request) -> OpContext:
    app = request.app
    return OpContext(store=app["store"], user=request["user"], config=app["config"], executor=app["executor"])


async def _body(request: web.Request) -> TTLV:
    raw = await request.read()
    try:
        return decode(raw)
    except TTLVError as exc:
        raise InvalidRequest(str(exc)) from None


async def kmip_2_1(request: web.Request) -> web.Response:
    """``POST /kmip/2_1``: a bare operation or a RequestMessage, JSON TTLV."""
    try:
        node = await _body(request)
        ctx = _context(request)
        if node.tag == "RequestMessage":
            return _ttlv_response(await run_message(ctx, node))
        return _ttlv_response(await run_operation(ctx, node.tag, node))
    except KmsError as exc:
        return _error_response(exc)


async def kmip(request: web.Request) -> web.Response:
    """``POST /kmip``: JSON RequestMessage only; every failure is an Invalid_Message response."""
    ctype = request.content_type
    if ctype == "application/octet-stream":
        return _ttlv_response(invalid_message("binary TTLV is not supported by the sandbox KMS"))
    if ctype != "application/json":
        return _error_response(InvalidRequest(f"unsupported content type {ctype}: use application/json"))
    try:
        node = await _body(request)
    except KmsError as exc:
        return _ttlv_response(invalid_message(exc.message))
    if node.tag != "RequestMessage":
        return _ttlv_response(invalid_message(f"expected a RequestMessage, got {node.tag or 'nothing'}"))
    return _ttlv_response(await run_message(_context(request), node))


def build_app(config: ServerConfig, store: Store) -> web.Application:
    """The application; the caller owns ``store`` (closed on cleanup)."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[guard])
    app["config"] = config
    app["store"] = store
    app["auth"] = Authenticator(config, store)
    # Key generation threads leave one core to the event loop, so requests keep flowing.
    workers = max(1, (os.cpu_count() or 2) - 1)
    app["executor"] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kms-cpu")
    app.router.add_post("/kmip/2_1", kmip_2_1)
    app.router.add_post("/kmip", kmip)
    app.add_routes(rest_routes)

    async def cleanup(app: web.Application) -> None:
        await app["auth"].close()
        app["executor"].shutdown(wait=False, cancel_futures=True)
        store.close()

    app.on_cleanup.append(cleanup)
    return app
