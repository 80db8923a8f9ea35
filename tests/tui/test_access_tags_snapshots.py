"""Snapshots at 80×24 of issue 16's screens that had none: the access screen (`6`: what alice
owns, what bob granted her and what that grant really allows on Cosmian 5.26) on a real mTLS
sandbox with two users, and the tag editor (`T`) on a row with user and server tags."""

from __future__ import annotations

import asyncio

from kms_tui.client.transfer import import_files
from tests.tui.access_helpers import client, make_users
from tests.tui.conftest import settle
from tests.tui.helpers import wait_until
from tests.tui.scenes import SK, _objects_with_rows


async def _own(conf: dict, uid: str, key: bytes, name_tag: str) -> None:
    async with client(conf) as c:
        plan = import_files.read_file(key, "aes", None)
        await import_files.send(c, plan, import_files.ImportOptions(uid=uid, tags=(name_tag,)))


async def _setup_rights(users: dict) -> None:
    await _own(users["alice"], "alice-payments-kek", bytes(range(32)), "payments")
    await _own(users["alice"], "alice-backup-key", bytes(range(32, 64)), "ops")
    await _own(users["bob"], "bob-signing-key", bytes(range(64, 96)), "bob")
    async with client(users["bob"]) as bob:
        await bob.grant("bob-signing-key", "alice", ["encrypt", "get"])


def test_access_screen_snapshot(snap_compare, console_factory, start_tls_sandbox, pki, tmp_path):
    users = make_users(start_tls_sandbox, pki, tmp_path)
    asyncio.run(_setup_rights(users))

    async def run_before(pilot) -> None:
        await wait_until(pilot, lambda: pilot.app.whoami_data is not None, what="whoami")
        await pilot.press("6")
        await settle(pilot)
        await wait_until(pilot, lambda: len(pilot.app.screen.obtained) == 1, what="the grant from bob")
        await pilot.pause()

    assert snap_compare(console_factory(conf=users["alice_conf"]), run_before=run_before, terminal_size=(80, 24))


def test_tag_editor_snapshot(snap_compare, sandbox_console):
    async def run_before(pilot) -> None:
        screen = await _objects_with_rows(pilot)
        screen.table.select_uid(SK)
        await pilot.press("T")
        await settle(pilot)
        await pilot.press("end", *", rotated-2026")
        await pilot.pause()

    assert snap_compare(sandbox_console, run_before=run_before, terminal_size=(80, 24))
