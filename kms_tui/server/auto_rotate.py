"""The auto-rotation scheduler, as Cosmian 5.26 runs it (``crate/server/src/cron.rs:
spawn_auto_rotation_cron``, ``core/operations/auto_rotate.rs: run_auto_rotation, rotate_one_key,
rearm_rotation_policy``, ``server_database/src/stores/sql/locate_query.rs:
find_due_for_rotation_query, is_due_for_rotation``).

Every ``auto_rotation_check_interval_secs`` (first tick at start): the Active objects with
RotateAutomatic true and RotateInterval > 0 whose next rotation (RotateDate + interval, else
InitialDate + RotateOffset + interval) is due are re-keyed on behalf of their owner — ReKey for a
symmetric key, ReKeyKeyPair for a private key, ReCertify for a certificate once the sandbox has that
operation; public keys rotate with their private key, other types are skipped — and the replacement
is re-armed with RotateAutomatic true and the old interval. A failure on one key is logged and never
blocks the others. After each pass, ``dispatch_renewal_warnings`` logs (info) each Active key whose
next rotation falls within 30, 7 or 1 day(s), once per key and threshold while the server runs. The
sandbox runs it as an asyncio task on the server's loop, holding the store gate shared like a
request; its lines go to the server's log (stderr) at info level whatever the log level of the rest
of the sandbox.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from aiohttp import web

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server import state
from kms_tui.server.context import OpContext
from kms_tui.server.errors import KmipFailure
from kms_tui.server.operations import OPERATIONS, rekey

log = logging.getLogger("kms_tui.server.auto_rotate")
# auto_rotate.rs: WARNING_THRESHOLDS_DAYS, ascending: the first that holds is the most urgent.
WARNING_THRESHOLDS_DAYS = (1, 7, 30)
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


def days_until_next_rotation(attrs: TTLV, now: datetime) -> int | None:
    """``days_until_next_rotation``: whole days until the next rotation (``whole_days()``
    truncates toward zero: 23 hours late is 0), None without a schedule."""
    when = next_rotation(attrs)
    if when is None:
        return None
    seconds = (when - now).total_seconds()
    return int(seconds / 86400)


def _algorithm(attrs: TTLV) -> str:
    value = attrs.get_value("CryptographicAlgorithm")
    return str(value) if value is not None else "unknown"


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
    log.info("[auto-rotate] Key %s (owner=%s, algo=%s) rotated successfully", uid, ctx.user, _algorithm(obj.attributes))
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
        if not due:
            log.debug("[auto-rotate] No keys due for rotation at %s", now)
            return made
        log.info("[auto-rotate] Found %d key(s) due for rotation", len(due))
        for uid, owner in due:
            ctx = OpContext(store=store, user=owner, config=app[state.CONFIG], executor=app[state.EXECUTOR])
            try:
                new = await rotate_one(ctx, uid)
            except KmipFailure as exc:
                log.warning("[auto-rotate] Failed to rotate key %s (owner=%s): %s", uid, owner, exc.display)
                continue
            if new is not None:
                made.append(new)
    return made


async def dispatch_renewal_warnings(app: web.Application, warned: dict[str, int]) -> list[tuple[str, int, int]]:
    """``dispatch_renewal_warnings``: an info line for each Active key (RotateAutomatic, interval
    > 0, not ``hsm::``) whose next rotation is 0 to 30 whole days away, at the most urgent
    threshold it meets, unless ``warned`` (kept across passes) already holds that threshold for
    it. The ``(uid, days, threshold)`` warned about in this pass."""
    now = datetime.now(UTC)  # now_utc(): sub-second, so a key due in 5 days from now is 4 whole days
    horizon = now + timedelta(days=max(WARNING_THRESHOLDS_DAYS))
    issued: list[tuple[str, int, int]] = []
    async with app[state.GATE].shared():
        store = app[state.STORE]
        for uid, owner in store.rotation_candidates():
            if uid.startswith("hsm::"):
                continue
            obj = store.get(uid)
            if obj is None:
                continue
            when = next_rotation(obj.attributes)
            if when is None or when > horizon:  # find_due_for_rotation(horizon)
                continue
            days = days_until_next_rotation(obj.attributes, now)
            if days is None or days < 0:  # past due: run_auto_rotation's business
                continue
            threshold = next((t for t in WARNING_THRESHOLDS_DAYS if days <= t), None)
            if threshold is None or warned.get(uid) == threshold:
                continue
            log.info(
                "[auto-rotate] Key %s (owner=%s) rotation due in %d day(s) (warning threshold: %d days)",
                uid,
                owner,
                days,
                threshold,
            )
            warned[uid] = threshold
            issued.append((uid, days, threshold))
    return issued


async def scheduler(app: web.Application, interval: float) -> None:
    """``spawn_auto_rotation_cron``: a pass now, then every ``interval`` seconds, until cancelled;
    each tick rotates what is due, then warns about what comes due within 30 days."""
    warned: dict[str, int] = {}
    while True:
        try:
            await run_auto_rotation(app)
            await dispatch_renewal_warnings(app, warned)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("[auto-rotate] pass failed", exc_info=True)
        await asyncio.sleep(interval)


def install(app: web.Application, interval: float) -> None:
    """Start the scheduler with the app and stop it on cleanup (``interval`` > 0)."""
    if interval <= 0:
        return
    log.setLevel(logging.INFO)  # Cosmian logs these at info; the sandbox's default level is warning

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
