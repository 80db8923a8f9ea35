"""The objects screen's R (re-key), H (rotation history) and K (test this key) against a real
sandbox, and snapshots of the rotation history and the test result at 80×24 (recorded data:
fixed ids, dates and timings, so every run draws the same screen)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from textual.widgets import OptionList

from kms_tui.client.key_check import KeyCheck
from kms_tui.client.rotation import Generation
from kms_tui.tui.rotation.history import RotationHistoryModal
from kms_tui.tui.rotation.key_test import KeyTestModal
from tests.tui.conftest import settle
from tests.tui.helpers import wait_until
from tests.tui.objects_helpers import notices, open_objects, reload


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def test_r_re_keys_after_confirmation_and_selects_the_new_key(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        client = pilot.app.services.client
        old = await client.create_symmetric_key(name="orders-key")
        await reload(pilot, screen)
        assert screen.table.select_uid(old)
        await pilot.press("R")
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "ConfirmationModal"
        assert "Re-key the symmetric key" in _text(pilot.app.screen, "#confirm-question")
        await pilot.press("n")  # cancel: nothing sent
        await settle(pilot)
        assert (await client.get_attributes(old))["State"] == "Active"
        await pilot.press("R")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        new = screen.table.current.uid
        assert new != old and screen.table.current.state == "Active"
        assert screen.table.current.name == "orders-key"  # the name moved to the new key
        old_attrs = await client.get_attributes(old)
        assert old_attrs["State"] == "Deactivated"
        assert {"type": "ReplacementObjectLink", "id": new} in old_attrs["links"]
        assert any("Re-keyed" in n for n in notices(pilot.app))
        assert screen.table.select_uid(old)  # re-keying the old key again: told it has a successor
        await pilot.press("R")
        await pilot.pause()
        assert f"already replaced by {new}" in _text(pilot.app.screen, "#confirm-question")
        await pilot.press("escape")
        await pilot.pause()
        assert screen.table.select_uid(new)

        # H: the chain, oldest first; ← walks to the older key, enter goes to it in the list
        await pilot.press("H")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, RotationHistoryModal)
        assert [g.uid for g in modal.chain] == [old, new]
        assert "replaces: " + old in _text(modal, "#rotation-generation")
        await pilot.press("left")
        assert modal.query_one(OptionList).highlighted == 0
        assert "replaced by: " + new in _text(modal, "#rotation-generation")
        await pilot.press("enter")
        await pilot.pause()
        assert screen.table.current.uid == old


async def test_r_in_read_only_mode_is_refused(console_factory, sandbox_conf):
    app = console_factory(conf=sandbox_conf, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        uid = await pilot.app.services.client.create_symmetric_key()
        await reload(pilot, screen)
        screen.table.select_uid(uid)
        await pilot.press("R")
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "ObjectsScreen"
        assert (await pilot.app.services.client.get_attributes(uid))["State"] == "Active"


@pytest.mark.parametrize("kind", ["aes", "rsa", "ed25519", "hmac"])
async def test_k_runs_a_suited_round_trip_and_audits_it_without_the_data(sandbox_console, kind):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        client = pilot.app.services.client
        if kind == "aes":
            uid, expected = await client.create_symmetric_key(), "encrypt → decrypt"
        elif kind == "hmac":
            uid, expected = await client.create_symmetric_key("HMACSHA256", 256), "MAC → verify"
        else:
            uid, expected = (await client.create_key_pair(kind))[1], "sign → verify"  # the public key
        await reload(pilot, screen)
        assert screen.table.select_uid(uid)
        await pilot.press("K")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, KeyTestModal)
        assert modal.check is not None and modal.check.passed, modal.check
        assert _text(modal, "#key-test-verdict") == "PASS ✓"
        assert expected in _text(modal, "#key-test-detail")
        audit = pilot.app.services.audit

        def audited():
            return [e for e in audit.entries(50) if e["operation"] == "TestKey"]

        await wait_until(pilot, audited, what="the TestKey audit row")
        row = audited()[0]
        assert row["outcome"] == "ok" and row["object_ids"] == [uid]
        details = row["details"] if isinstance(row["details"], dict) else json.loads(row["details"])
        assert details["result"] == "pass" and details["round_trip"] == expected
        # the random data is never stored: no row holds more than ids, names and timings
        assert all(len(str(v)) < 80 for v in details.values())
        await pilot.press("escape")


async def test_k_on_a_deactivated_key_fails_with_the_servers_reason(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        client = pilot.app.services.client
        uid = await client.create_symmetric_key()
        await client.revoke(uid, reason="Unspecified")
        await reload(pilot, screen)
        screen.table.select_uid(uid)
        await pilot.press("K")
        await settle(pilot)
        modal = pilot.app.screen
        assert _text(modal, "#key-test-verdict") == "FAIL ✗"
        assert "Deactivated" in _text(modal, "#key-test-detail")


# -- snapshots (recorded data) ----------------------------------------------------------------------

OLD, MID, NEW = "orders-key", "orders-key@1", "orders-key@2"


def _at(day: int) -> datetime:
    return datetime(2026, 1, day, 8, 0, tzinfo=UTC)


def _recorded_chain() -> list[Generation]:
    policy = {"RotateAutomatic": True, "RotateInterval": 7776000, "RotateDate": "2026-01-14T08:00:00Z"}
    return [
        Generation(OLD, "Deactivated", 0, None, _at(1), None, MID),
        Generation(MID, "Deactivated", 1, _at(7), _at(7), OLD, NEW),
        Generation(NEW, "Active", 2, _at(14), _at(14), MID, None, attributes=policy),
    ]


async def _recorded(value):
    return value


def _open(modal_factory):
    async def run_before(pilot):
        await open_objects(pilot)  # an empty list behind the modal (the sandbox's URL is not on it)
        await pilot.app.push_screen(modal_factory())
        await settle(pilot)

    return run_before


def test_rotation_history_snapshot(snap_compare, sandbox_console):
    def modal():
        return RotationHistoryModal(NEW, lambda: _recorded(_recorded_chain()))

    assert snap_compare(sandbox_console, run_before=_open(modal), terminal_size=(80, 24))


def test_key_test_result_snapshot(snap_compare, sandbox_console):
    check = KeyCheck(NEW, "encrypt → decrypt", "AES-256", True, [("Encrypt", NEW, 1.8), ("Decrypt", NEW, 1.4)])

    def modal():
        return KeyTestModal(NEW, lambda: _recorded(check))

    assert snap_compare(sandbox_console, run_before=_open(modal), terminal_size=(80, 24))


async def test_k_and_r_on_secret_data_say_only_keys(sandbox_console):
    from kms_tui.kmip.ttlv import TTLV

    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        created = await pilot.app.services.client.send(
            TTLV.struct(
                "Create",
                [
                    TTLV.enum("ObjectType", "SecretData"),
                    TTLV.struct("Attributes", [TTLV.enum("ObjectType", "SecretData")]),
                ],
            )
        )
        uid = created.get_value("UniqueIdentifier")
        await reload(pilot, screen)
        assert screen.table.select_uid(uid)
        for key, done in (("K", "tested"), ("R", "re-keyed")):
            await pilot.press(key)
            await pilot.pause()
            assert type(pilot.app.screen).__name__ == "ObjectsScreen"
            assert any(f"Only keys can be {done}" in n for n in notices(pilot.app)), notices(pilot.app)
