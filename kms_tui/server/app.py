"""The sandbox's aiohttp application: KMIP endpoints, REST endpoints, authentication."""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from kms_tui.kmip.ttlv import TTLV, TTLVError, decode, encode
from kms_tui.server import auto_rotate
from kms_tui.server.auth import Authenticator
from kms_tui.server.config import ServerConfig
from kms_tui.server.context import OpContext
from kms_tui.server.dispatch import invalid_message, needs_exclusive_store, run_message, run_operation
from kms_tui.server.errors import InvalidRequest, KmipFailure, ServerError, codec
from kms_tui.server.gate import StoreGate
from kms_tui.server.get_cache import GetCache
from kms_tui.server.responses import error_response
from kms_tui.server.rest import routes as rest_routes
from kms_tui.server.state import AUTH, CONFIG, EXECUTOR, GATE, GET_CACHE, STORE, USER
from kms_tui.server.store import Store

log = logging.getLogger("kms_tui.server")
MAX_BODY = 64 * 1024 * 1024  # Cosmian's payload limit (PayloadConfig and JsonConfig, 64 MiB)
PUBLIC_PATHS = frozenset({"/version", "/health"})
# Their handlers take the store gate themselves: the KMIP endpoints (shared or exclusive), and
# /access/owned only while it reads its rows (not while a slow client downloads the answer).
SELF_GATED_PATHS = frozenset({"/kmip/2_1", "/kmip", "/access/owned"})
# How long a request body may take to arrive (a drip, or a chunk size no body will ever fill,
# must not hold a connection and a handler forever); then 408 and the connection is closed.
ENV_BODY_TIMEOUT = "KMS_TUI_SANDBOX_BODY_TIMEOUT"
BODY_TIMEOUT = 60.0
# Idle keep-alive connections (and a request head that never ends) are closed after this long:
# Cosmian's actix keep-alive is 120 s (start_kms_server.rs). The runner is given these options.
ENV_KEEPALIVE = "KMS_TUI_SANDBOX_KEEPALIVE"
KEEPALIVE_TIMEOUT = 120.0
# An access-rights request body is one small JSON object (Cosmian's `Access`); a body with more
# JSON containers than this is refused before it is parsed (a 60 MiB array of {} would cost GBs
# as Python objects, where serde rejects it at its first byte).
MAX_ACCESS_JSON_CONTAINERS = 1000


def _env_seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def handler_options() -> dict[str, Any]:
    """Options for ``web.AppRunner`` (the per-connection handler): the keep-alive timeout."""
    return {"keepalive_timeout": _env_seconds(ENV_KEEPALIVE, KEEPALIVE_TIMEOUT)}


def _ttlv_response(node: TTLV) -> web.Response:
    try:
        text = encode(node)
    except (TTLVError, TypeError, ValueError):
        # Only reachable if malformed input slipped into the store: say so, do not crash.
        log.exception("cannot encode a %s", node.tag)
        return error_response(codec(f"the stored data cannot be encoded as a {node.tag}"))
    return web.Response(text=text, content_type="application/json")


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Authenticate (except public routes), read the body within its deadline, hold the store
    gate for the handler, and turn any unexpected failure into a 500."""
    try:
        gate: StoreGate = request.app[GATE]
        if request.path not in PUBLIC_PATHS:
            auth: Authenticator = request.app[AUTH]
            ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
            async with gate.shared():  # an API token is a key in the store
                user = await auth.authenticate(request.headers, ssl_object)
            if user is None:
                if request.app[CONFIG].auth_configured:
                    return web.Response(status=401, text="No authentication provided.", content_type="text/plain")
                user = request.app[CONFIG].default_username
            request[USER] = user
        if request.body_exists:
            timed_out = await _read_body(request)
            if timed_out is not None:
                return timed_out
            if request.path.startswith("/access/") and _too_many_containers(await request.read()):
                return web.Response(
                    status=400,
                    content_type="text/plain",
                    text="Json deserialize error: too many JSON objects or arrays for an access request",
                )
        if request.path in SELF_GATED_PATHS or request.path in PUBLIC_PATHS:
            return await handler(request)
        async with gate.shared():
            return await handler(request)
    except web.HTTPRequestEntityTooLarge:  # Cosmian (actix PayloadError::Overflow) says exactly this
        return web.Response(status=413, text="payload reached size limit", content_type="text/plain")
    except web.HTTPException:
        raise
    except Exception:
        log.exception("internal error on %s %s", request.method, request.path)
        return error_response(ServerError("an unexpected exception"))


async def _read_body(request: web.Request) -> web.Response | None:
    """Read the whole body (aiohttp keeps it for the handler) within the body deadline; a 408
    that closes the connection if it did not arrive in time."""
    if request.content.is_eof():  # all of it came with the headers (most requests): no timer
        await request.read()
        return None
    try:
        await asyncio.wait_for(request.read(), _env_seconds(ENV_BODY_TIMEOUT, BODY_TIMEOUT))
    except TimeoutError:
        log.warning("%s %s: the request body did not arrive in time; closing", request.method, request.path)
        response = web.Response(status=408, text="request body not received in time", content_type="text/plain")
        response.force_close()
        return response
    return None


def _too_many_containers(body: bytes) -> bool:
    return body.count(b"{") + body.count(b"[") > MAX_ACCESS_JSON_CONTAINERS


def _context(request: web.Request) -> OpContext:
    app = request.app
    return OpContext(store=app[STORE], user=request[USER], config=app[CONFIG], executor=app[EXECUTOR])


# Bodies larger than this are decoded in a worker thread: a 60 MiB body takes seconds to decode,
# which on the event loop would stall every other client (the loop still gets the GIL between).
DECODE_IN_THREAD_BYTES = 1024 * 1024


async def _body(request: web.Request) -> TTLV:
    raw = await request.read()
    try:
        if len(raw) > DECODE_IN_THREAD_BYTES:
            return await asyncio.get_running_loop().run_in_executor(request.app[EXECUTOR], decode, raw)
        return decode(raw)
    except TTLVError as exc:
        raise InvalidRequest(str(exc)) from None


async def kmip_2_1(request: web.Request) -> web.Response:
    """``POST /kmip/2_1``: a bare operation or a RequestMessage, JSON TTLV."""
    gate: StoreGate = request.app[GATE]
    answers = request.app[GET_CACHE]
    raw, user = await request.read(), request[USER]
    kept = answers.lookup(user, raw)  # the same Get again, nothing written since
    if kept is not None:
        return web.Response(body=kept, content_type="application/json", charset="utf-8")
    try:
        node = await _body(request)
        ctx = _context(request)
        if node.tag == "RequestMessage":
            async with gate.exclusive() if needs_exclusive_store(node) else gate.shared():
                return _ttlv_response(await run_message(ctx, node))
        async with gate.shared():
            version = answers.version() if node.tag == "Get" else None
            answer = await run_operation(ctx, node.tag, node)
            response = _ttlv_response(answer)
            if version is not None and response.status == 200 and isinstance(response.body, bytes):
                answers.keep(user, raw, node, answer, response.body, version)
            return response
    except KmipFailure as exc:
        return error_response(exc)


async def kmip(request: web.Request) -> web.Response:
    """``POST /kmip``: JSON RequestMessage only; every failure is an Invalid_Message response."""
    ctype = request.content_type
    if ctype == "application/octet-stream":
        return _ttlv_response(invalid_message("binary TTLV is not supported by the sandbox KMS"))
    if ctype != "application/json":
        return error_response(InvalidRequest(f"unsupported content type {ctype}: use application/json"))
    try:
        node = await _body(request)
    except KmipFailure as exc:
        return _ttlv_response(invalid_message(exc.message))
    if node.tag != "RequestMessage":
        return _ttlv_response(invalid_message(f"expected a RequestMessage, got {node.tag or 'nothing'}"))
    gate: StoreGate = request.app[GATE]
    async with gate.exclusive() if needs_exclusive_store(node) else gate.shared():
        return _ttlv_response(await run_message(_context(request), node))


def build_app(config: ServerConfig, store: Store) -> web.Application:
    """The application; the caller owns ``store`` (closed on cleanup)."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[guard])
    app[CONFIG] = config
    app[STORE] = store
    app[AUTH] = Authenticator(config, store)
    app[GATE] = StoreGate()
    app[GET_CACHE] = GetCache(store)
    # Key generation threads leave one core to the event loop, so requests keep flowing.
    workers = max(1, (os.cpu_count() or 2) - 1)
    app[EXECUTOR] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kms-cpu")
    app.router.add_post("/kmip/2_1", kmip_2_1)
    app.router.add_post("/kmip", kmip)
    app.add_routes(rest_routes)

    async def cleanup(app: web.Application) -> None:
        await app[AUTH].close()
        app[EXECUTOR].shutdown(wait=False, cancel_futures=True)
        store.close()

    app.on_cleanup.append(cleanup)
    auto_rotate.install(app, config.auto_rotation_check_interval_secs)
    return app
