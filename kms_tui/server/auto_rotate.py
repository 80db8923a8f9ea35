"""The auto-rotation scheduler, as Cosmian 5.26 runs it (``crate/server/src/cron.rs:
spawn_auto_rotation_cron``, ``core/operations/auto_rotate.rs: run_auto_rotation, rotate_one_key,
rearm_rotation_policy``, ``server_database/src/stores/sql/locate_query.rs:
find_due_for_rotation_query, is_due_for_rotation``).

Every ``auto_rotation_check_interval_secs`` (first tick at start): the Active objects with
RotateAutomatic true and RotateInterval > 0 whose next rotation (RotateDate + interval, else
InitialDate + RotateOffset + interval) is due are re-keyed on behalf of their owner — ReKey for a
symmetric key, ReKeyKeyPair for a private key, ReCertify for a certificate once the sandbox has
that operation; public keys rotate with their private key,
other types are skipped — and the replacement is re-armed with RotateAutomatic true and the old
interval. A failure on one key is logged and never blocks the others. The sandbox runs it as an
asyncio task on the server's loop, holding the store gate shared like a request.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from aiohttp import web

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server import state
from kms_tui.server.context import OpContext
from kms_tui.server.errors import KmsError
from kms_tui.server.operations import OPERATIONS, rekey

log = logging.getLogger("kms_tui.server")
AUTO_ROTATION = web.AppKey("auto_rotation", asyncio.Task)  # the scheduler task while the app runs


def next_rotation(attrs: TTLV) -> datetime | None:
    """``is_due_for_rotation``'s schedule: when the object is next due, or None (no interval or
    no anchor date)."""
    interval = attrs.get_value("RotateInterval")
    if not isinstance(interval, int) or interval <= 0:
        return None
    last: datetime | None = attrs.get_value("RotateDate")
    if last is not None:
        return last + timedelta(seconds=interval)
    initial: datetime | None = attrs.get_value("InitialDate")
    if initial is None:
        return None
    offset = attrs.get_value("RotateOffset") or 0
    return initial + timedelta(seconds=offset + interval)


async def rotate_one(ctx: OpContext, uid: str) -> str | None:
    """``rotate_one_key``: re-key one due object; the replacement's id (None when skipped)."""
    obj = ctx.store.get(uid)
    if obj is None or uid.startswith("hsm::"):
        return None
    interval = obj.attributes.get_value("RotateInterval")
    if obj.object_type == "SymmetricKey":
        new = await rekey.rekey_symmetric(ctx, uid)
    elif obj.object_type == "PrivateKey":
        new = (await rekey.rekey_key_pair(ctx, uid))[0]
    elif obj.object_type == "Certificate" and "ReCertify" in OPERATIONS:  # when the sandbox has ReCertify
        response = await OPERATIONS["ReCertify"](ctx, TTLV.struct("ReCertify", [TTLV.text("UniqueIdentifier", uid)]))
        new = str(response.get_value("UniqueIdentifier"))
    else:  # public keys rotate with their private key; other types are not rotated
        log.debug("[auto-rotate] Skipping %s: object type %s", uid, obj.object_type)
        return None
    log.info("[auto-rotate] Key %s (owner=%s) rotated successfully", uid, ctx.user)
    replacement = ctx.store.get(new)
    if replacement is not None and isinstance(interval, int) and interval > 0:  # rearm_rotation_policy
        A.put(replacement.attributes, TTLV.boolean("RotateAutomatic", True))
        A.put(replacement.attributes, TTLV.long("RotateInterval", interval))
        A.sort_attributes(replacement.attributes)
        ctx.store.update(replacement)
    return new


async def run_auto_rotation(app: web.Application) -> list[str]:
    """``run_auto_rotation``: one pass; the ids of the replacements made."""
    now = A.now()
    made: list[str] = []
    async with app[state.GATE].shared():
        store = app[state.STORE]
        due = []
        for uid, owner in store.rotation_candidates():
            obj = store.get(uid)
            when = next_rotation(obj.attributes) if obj is not None else None
            if when is not None and now >= when:
                due.append((uid, owner))
        for uid, owner in due:
            ctx = OpContext(store=store, user=owner, config=app[state.CONFIG], executor=app[state.EXECUTOR])
            try:
                new = await rotate_one(ctx, uid)
            except KmsError as exc:
                log.warning("[auto-rotate] Failed to rotate key %s (owner=%s): %s", uid, owner, exc.display)
                continue
            if new is not None:
                made.append(new)
    return made


async def scheduler(app: web.Application, interval: float) -> None:
    """``spawn_auto_rotation_cron``: a pass now, then every ``interval`` seconds, until cancelled."""
    while True:
        try:
            await run_auto_rotation(app)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("[auto-rotate] pass failed", exc_info=True)
        await asyncio.sleep(interval)


def install(app: web.Application, interval: float) -> None:
    """Start the scheduler with the app and stop it on cleanup (``interval`` > 0)."""
    if interval <= 0:
        return

    async def start(app: web.Application) -> None:
        app[AUTO_ROTATION] = asyncio.get_running_loop().create_task(scheduler(app, interval))

    async def stop(app: web.Application) -> None:
        task = app.get(AUTO_ROTATION)
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    app.on_startup.append(start)
    app.on_cleanup.insert(0, stop)
