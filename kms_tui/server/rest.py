"""The REST (non-TTLV) endpoints: version, health, server info, whoami and access rights."""

from __future__ import annotations

import os
import ssl
import time

from aiohttp import web

from kms_tui.server import access_request
from kms_tui.server.errors import KmipFailure, ServerError, Unauthorized, UnsupportedPlaceholder
from kms_tui.server.plain_json import owned_entries
from kms_tui.server.responses import error_response
from kms_tui.server.state import CONFIG, GATE, STORE, USER

VERSION = f"5.26.0 ({ssl.OPENSSL_VERSION}-non-FIPS)"  # Cosmian's shape, with this machine's OpenSSL
# Replaces VERSION when set: the console's snapshot tests pin it so that their screenshots do
# not depend on the OpenSSL of the machine that runs them.
ENV_VERSION = "KMS_TUI_SANDBOX_VERSION"
routes = web.RouteTableDef()


def _text(status: int, body: str) -> web.Response:
    return web.Response(status=status, text=body, content_type="text/plain")


def server_version() -> str:
    """The version string of ``/version`` and ``/server-info``."""
    return os.environ.get(ENV_VERSION) or VERSION


@routes.get("/version")
async def version(request: web.Request) -> web.Response:
    """``GET /version``: a JSON string, like Cosmian's."""
    return web.json_response(server_version())


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    """``GET /health``: UP with the database status, 503 when DOWN."""
    start = time.monotonic()
    db = {"name": "sqlite", "status": "UP"}
    try:
        request.app[STORE].ping()
    except Exception as exc:  # noqa: BLE001 - any database failure means DOWN
        db = {"name": "sqlite", "status": "DOWN", "message": type(exc).__name__}
    status = db["status"]
    body = {"status": status, "latency_ms": int((time.monotonic() - start) * 1000), "dependencies": {"database": db}}
    return web.json_response(body, status=200 if status == "UP" else 503)


@routes.get("/server-info")
async def server_info(request: web.Request) -> web.Response:
    """``GET /server-info`` (authenticated)."""
    cfg = request.app[CONFIG]
    return web.json_response(
        {"version": server_version(), "fips_mode": False, "hsm_instances": [], "default_username": cfg.default_username}
    )


@routes.get("/me")
async def me(request: web.Request) -> web.Response:
    """``GET /me``: the authenticated user."""
    return web.json_response({"user": request[USER]})


@routes.get("/access/owned")
async def owned(request: web.Request) -> web.StreamResponse:
    """``GET /access/owned``: objects the user owns, with their attributes, streamed from the
    stored plain JSON (rows are read first, so a database failure is still a 500; the store gate
    is held only for that read, see :mod:`kms_tui.server.gate`)."""
    async with request.app[GATE].shared():
        rows = request.app[STORE].owned(request[USER])
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    await response.prepare(request)
    try:
        for chunk in owned_entries(rows):
            await response.write(chunk)
        await response.write_eof()
    except ConnectionResetError:  # the client went away mid-answer: nothing left to tell it
        pass
    return response


@routes.get("/access/obtained")
async def obtained(request: web.Request) -> web.Response:
    """``GET /access/obtained``: every grant row of the user (Cosmian's LEFT JOIN: the ``create``
    right shows as object ``*`` with owner ``""`` and state ``Active``)."""
    rows = request.app[STORE].obtained(request[USER])
    return web.json_response([{"object_id": i, "owner_id": o, "state": s, "operations": ops} for i, o, s, ops in rows])


def _not_owned(uid: str, user: str) -> Unauthorized:
    return Unauthorized(f"Object with uid `{uid}` is not owned by owner `{user}`")


@routes.get("/access/list/{object_id}")
async def access_list(request: web.Request) -> web.Response:
    """``GET /access/list/{id}``: the grants on an object (owner only), operations in Cosmian's
    ``KmipOperation`` order (a ``BTreeSet``)."""
    uid, user, store = request.match_info["object_id"], request[USER], request.app[STORE]
    if not store.is_owned_by(uid, user):
        return error_response(_not_owned(uid, user))
    return web.json_response([{"user_id": u, "operations": ops} for u, ops in store.grants_on(uid)])


async def _change_access(request: web.Request, grant: bool) -> web.Response:
    """Cosmian's ``grant_access`` / ``revoke_access`` (crate/server/src/core/kms/permissions.rs),
    step by step: ``create`` is taken out and handled first (only when ``privileged_users`` is
    configured; without it the ``create`` right is everyone's and the request's ``create`` is
    dropped); the other operations need an id (else 422 place holder), ownership (else 401),
    and a beneficiary other than the owner (else 401)."""
    try:
        parsed = access_request.parse(await request.read(), request.headers.get("Content-Type"))
    except access_request.BodyError as exc:
        return _text(400, str(exc))
    store, cfg, user = request.app[STORE], request.app[CONFIG], request[USER]
    target, ops = parsed.user_id, list(parsed.operation_types)
    try:
        if "create" in ops:
            ops = [o for o in ops if o != "create"]
            privileged = cfg.privileged_users
            if privileged is not None:
                if user not in privileged:
                    raise Unauthorized("Only privileged users can grant/revoke create access right to a user.")
                if target in privileged:
                    raise Unauthorized(
                        f"User `{target}` is a privileged user - create access right can't be granted or revoked."
                    )
                if grant:
                    store.grant_create(target)
                else:
                    store.revoke_create(target)
        if ops:
            uid = parsed.unique_identifier
            if uid is None:
                raise UnsupportedPlaceholder()
            if not isinstance(uid, str):  # a number: Cosmian's `.context("unique_identifier is not a string")`
                raise ServerError("unique_identifier is not a string")
            if not store.is_owned_by(uid, user):
                raise _not_owned(uid, user)
            if target == user:
                raise Unauthorized(
                    "You can't grant yourself, you have already all rights on your own objects"
                    if grant
                    else "You cannot revoke yourself; you should keep all rights to your objects."
                )
            if grant:
                store.grant(uid, target, ops)
            else:
                store.revoke_grant(uid, target, ops)
    except KmipFailure as exc:
        return error_response(exc)
    verb = "added" if grant else "deleted"
    return web.json_response({"success": f"Access for {target} successfully {verb}"})


@routes.post("/access/grant")
async def grant(request: web.Request) -> web.Response:
    """``POST /access/grant``."""
    return await _change_access(request, True)


@routes.post("/access/revoke")
async def revoke(request: web.Request) -> web.Response:
    """``POST /access/revoke``."""
    return await _change_access(request, False)


@routes.get("/access/create")
async def access_create(request: web.Request) -> web.Response:
    """``GET /access/create``, as Cosmian's ``get_create_access`` (crate/server/src/routes/
    access.rs): true without ``privileged_users``, for a privileged user, or with the ``create``
    right; unlike the Create operation itself it does not count ``default_username``."""
    cfg, user = request.app[CONFIG], request[USER]
    allowed = cfg.privileged_users is None or user in cfg.privileged_users or request.app[STORE].has_create_right(user)
    return web.json_response({"has_create_permission": allowed})


@routes.get("/access/privileged")
async def access_privileged(request: web.Request) -> web.Response:
    """``GET /access/privileged``: whether the user is a privileged user."""
    cfg, user = request.app[CONFIG], request[USER]
    privileged = cfg.privileged_users or []
    return web.json_response({"has_privileged_access": bool(privileged) and user in privileged})
