"""The compare screen (key 8, "Go to Compare servers" in the palette): the console on one sandbox,
a second sandbox as another profile; choosing it lists the objects on one side only, the one
re-created under a new id, and the common ids whose state or tags differ."""

from __future__ import annotations

import pytest

from tests.server.kmip import Kmip, aes, first, revoke, s, tag_attr, uid
from tests.support.sandbox import start_sandbox
from tests.tui.conftest import settle
from tests.tui.helpers import table_rows, text_of, wait_until


def _key(kms: Kmip, key_id: str, tags: tuple[str, ...] = ()) -> str:
    body = aes(tags=tags)
    body["value"][1]["value"].append(uid(key_id))
    return first(kms.ok(body), "UniqueIdentifier")


@pytest.mark.asyncio
async def test_compare_lists_the_differences_with_another_profile(sandbox, sandbox_console, tmp_path):
    from kms_tui.config.store import ProfileStore

    other = start_sandbox(tmp_path / "other")
    try:
        here, there = Kmip(sandbox.url), Kmip(other.url)
        for kms in (here, there):
            _key(kms, "shared", ("app",))
            _key(kms, "drifted", ("app",))
        here.ok(revoke("drifted", "Superseded"))
        there.ok(s("AddAttribute", uid("shared"), s("NewAttribute", tag_attr("extra"))))
        _key(here, "only-here")
        _key(there, "only-there")
        here.close()
        there.close()
        ProfileStore().create("replica", other.url)
        async with sandbox_console.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("8")
            await settle(pilot)
            screen = pilot.app.screen
            assert type(screen).__name__ == "CompareScreen"
            await wait_until(
                pilot,
                lambda: "replica" in [v for _l, v in screen.query_one("#compare-profile")._options],
                what="the profiles",
            )
            screen.query_one("#compare-profile").value = "replica"
            await wait_until(pilot, lambda: screen.rows, what="the comparison")
            await settle(pilot)
            rows = table_rows(screen.query_one("#compare-table"))
            assert ["only here", "only-here", "", "SymmetricKey", "Active"] in rows
            assert ["only there", "", "only-there", "SymmetricKey", "Active"] in rows
            assert ["changed", "drifted", "drifted", "state", "Deactivated → Active"] in rows
            assert ["changed", "shared", "shared", "tags", "app → app,extra"] in rows
            assert "1 only here, 1 only there, 0 re-created, 2 changed" in text_of(pilot.app, "#compare-status")
    finally:
        other.stop()


@pytest.mark.asyncio
async def test_an_unreachable_profile_is_said_on_the_status_line(sandbox_console):
    import socket

    from kms_tui.config.store import ProfileStore

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ProfileStore().create("down", f"http://127.0.0.1:{port}")
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("8")
        await settle(pilot)
        screen = pilot.app.screen
        await wait_until(
            pilot, lambda: "down" in [v for _l, v in screen.query_one("#compare-profile")._options], what="the profiles"
        )
        screen.query_one("#compare-profile").value = "down"
        await wait_until(
            pilot, lambda: "The comparison failed" in text_of(pilot.app, "#compare-status"), what="the failure"
        )
        assert not screen.rows
