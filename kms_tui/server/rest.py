"""The REST (non-TTLV) endpoints: version, health, server info, whoami and access rights."""

from __future__ import annotations

import json
import os
import ssl
import time

from aiohttp import web

from kms_tui.server.errors import KmsError, Unauthorized
from kms_tui.server.plain_json import owned_entries

VERSION = f"5.26.0 ({ssl.OPENSSL_VERSION}-non-FIPS)"  # Cosmian's shape, with this machine's OpenSSL
# Replaces VERSION when set: the console's snapshot tests pin it so that their screenshots do
# not depend on the OpenSSL of the machine that runs them.
ENV_VERSION = "KMS_TUI_SANDBOX_VERSION"
OPERATION_TYPES = frozenset({
    "create", "certify", "decrypt", "derivekey", "destroy", "encrypt", "export", "get", "getattributes",
    "hash", "import", "locate", "mac", "revoke", "rekey", "sign", "signatureverify", "validate",
    "setattribute", "modifyattribute", "addattribute", "deleteattribute", "activate",
})
routes = web.RouteTableDef()


def _text(status: int, body: str) -> web.Response:
    return web.Response(status=status, text=body, content_type="text/plain")


def _error(exc: KmsError) -> web.Response:
    return web.Response(status=exc.status, text=exc.body, content_type="text/html", charset="utf-8")


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
        request.app["store"].ping()
    except Exception as exc:  # noqa: BLE001 - any database failure means DOWN
        db = {"name": "sqlite", "status": "DOWN", "message": type(exc).__name__}
    status = db["status"]
    body = {"status": status, "latency_ms": int((time.monotonic() - start) * 1000), "dependencies": {"database": db}}
    return web.json_response(body, status=200 if status == "UP" else 503)


@routes.get("/server-info")
async def server_info(request: web.Request) -> web.Response:
    """``GET /server-info`` (authenticated)."""
    cfg = request.app["config"]
    return web.json_response(
        {"version": server_version(), "fips_mode": False, "hsm_instances": [], "default_username": cfg.default_username}
    )


@routes.get("/me")
async def me(request: web.Request) -> web.Response:
    """``GET /me``: the authenticated user."""
    return web.json_response({"user": request["user"]})


@routes.get("/access/owned")
async def owned(request: web.Request) -> web.StreamResponse:
    """``GET /access/owned``: objects the user owns, with their attributes, streamed from the
    stored plain JSON (rows are read first, so a database failure is still a 500; the store gate
    is held only for that read, see :mod:`kms_tui.server.gate`)."""
    async with request.app["gate"].shared():
        rows = request.app["store"].owned(request["user"])
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
    """``GET /access/obtained``: objects others granted to the user."""
    rows = request.app["store"].obtained(request["user"])
    return web.json_response(
        [{"object_id": i, "owner_id": o, "state": s, "operations": ops} for i, o, s, ops in rows]
    )


def _check_owner(request: web.Request, uid: str) -> None:
    obj = request.app["store"].get(uid)
    user = request["user"]
    if obj is None or obj.owner != user:
        raise Unauthorized(f"Object with uid `{uid}` is not owned by owner `{user}`")


@routes.get("/access/list/{object_id}")
async def access_list(request: web.Request) -> web.Response:
    """``GET /access/list/{id}``: the grants on an object (owner only)."""
    uid = request.match_info["object_id"]
    try:
        _check_owner(request, uid)
    except KmsError as exc:
        return _error(exc)
    grants = request.app["store"].grants_on(uid)
    return web.json_response([{"user_id": u, "operations": ops} for u, ops in grants])


async def _access_body(request: web.Request) -> tuple[str, str, list[str]]:
    try:
        body = json.loads(await request.text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise web.HTTPBadRequest(text=f"Json deserialize error: {exc}") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="Json deserialize error: expected a JSON object")
    uid, user, ops = body.get("unique_identifier", "*"), body.get("user_id"), body.get("operation_types")
    if not isinstance(user, str) or not isinstance(uid, str):
        raise web.HTTPBadRequest(text="Json deserialize error: missing field `user_id` (a string)")
    if not isinstance(ops, list) or not all(isinstance(o, str) for o in ops):
        raise web.HTTPBadRequest(text="Json deserialize error: missing field `operation_types` (a list)")
    unknown = [o for o in ops if o not in OPERATION_TYPES]
    if unknown:
        known = ", ".join(sorted(OPERATION_TYPES))
        raise web.HTTPBadRequest(text=f"Json deserialize error: unknown variant `{unknown[0]}`, expected one of {known}")
    return uid, user, ops


async def _change_access(request: web.Request, grant: bool) -> web.Response:
    uid, target, ops = await _access_body(request)
    store, cfg, user = request.app["store"], request.app["config"], request["user"]
    try:
        if "create" in ops or uid == "*":
            privileged = cfg.privileged_users or []
            if user not in privileged and user != cfg.default_username:
                raise Unauthorized("Only privileged users can grant or revoke the create access right")
            uid = "*"
        else:
            _check_owner(request, uid)
        if target == user:
            raise Unauthorized("You can't grant yourself access rights: you already own the object")
    except KmsError as exc:
        return _error(exc)
    if grant:
        store.grant(uid, target, ops)
        return web.json_response({"success": f"Access for {target} successfully added"})
    store.revoke_grant(uid, target, ops)
    return web.json_response({"success": f"Access for {target} successfully deleted"})


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
    """``GET /access/create``: whether the user may create objects."""
    cfg, user = request.app["config"], request["user"]
    allowed = (
        cfg.privileged_users is None or user in cfg.privileged_users or user == cfg.default_username
        or "create" in request.app["store"].permissions("*", user)
    )
    return web.json_response({"has_create_permission": allowed})


@routes.get("/access/privileged")
async def access_privileged(request: web.Request) -> web.Response:
    """``GET /access/privileged``: whether the user is a privileged user."""
    cfg, user = request.app["config"], request["user"]
    return web.json_response({"has_privileged_access": bool(cfg.privileged_users) and user in cfg.privileged_users})
