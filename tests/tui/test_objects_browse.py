"""Pilot tests of browsing: filters, sorting, the detail pane, read-only mode, failures."""

from __future__ import annotations

import json

import pytest
from textual.widgets import Input, Select

from tests.support.sandbox import start_sandbox
from tests.tui.conftest import settle
from tests.tui.helpers import wait_until
from tests.tui.objects_helpers import StallingProxy, notices, open_objects, reload, status_text


async def _populate(client) -> dict[str, str]:
    """Three objects with distinct names, tags and types."""
    sk, pk = await client.create_key_pair("rsa", size=2048, name="web-tls", tags=["prod"])
    aes = await client.create_symmetric_key("AES", 256, name="backup-key", tags=["ops"])
    ed, ed_pk = await client.create_key_pair("ed25519", name="git-signing", tags=["dev"])
    return {"sk": sk, "pk": pk, "aes": aes, "ed": ed, "ed_pk": ed_pk}


async def test_free_text_filter_substring_regex_and_negation(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        await _populate(pilot.app.services.client)
        await reload(pilot, screen)
        assert screen.table.total == 5

        async def filter_rows(text: str) -> set[str]:
            await pilot.press("slash")
            screen.query_one("#filter-text", Input).value = text
            await pilot.pause()
            return {r.name or r.object_type for r in screen.table.shown_rows}

        assert await filter_rows("backup") == {"backup-key"}
        assert await filter_rows("/^git-/") == {"git-signing"}
        assert await filter_rows("!prod") == {"backup-key", "git-signing", "PublicKey"}
        assert await filter_rows("privatekey !ed25519") == {"web-tls"}
        assert "of 5 objects" in status_text(screen)
        await filter_rows("/[unclosed/")
        assert "bad regular expression" in str(screen.query_one("#filter-error").render())
        assert await filter_rows("") == {"web-tls", "backup-key", "git-signing", "PublicKey"}


async def test_server_filters_type_tags_and_destroyed_state(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        client = pilot.app.services.client
        ids = await _populate(client)
        await client.revoke(ids["aes"], "Superseded")
        await client.destroy(ids["aes"])
        await reload(pilot, screen)
        assert ids["aes"] not in {r.uid for r in screen.table.shown_rows}  # destroyed: hidden by default
        await pilot.press("f")
        bar = screen.filter_bar
        bar.query_one("#filter-state", Select).value = "Destroyed"
        await settle(pilot)
        assert [r.uid for r in screen.table.shown_rows] == [ids["aes"]]
        bar.query_one("#filter-state", Select).clear()
        bar.query_one("#filter-type", Select).value = "PrivateKey"
        await settle(pilot)
        assert {r.uid for r in screen.table.shown_rows} == {ids["sk"], ids["ed"]}
        bar.query_one("#filter-tags", Input).value = "prod"
        bar.query_one("#filter-tags", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert [r.uid for r in screen.table.shown_rows] == [ids["sk"]]
        assert "tags=prod" in status_text(screen)
        bar.query_one("#filter-length", Input).value = "big"
        bar.query_one("#filter-length", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "number of bits" in str(bar.query_one("#filter-error").render())


async def test_linked_to_filter_finds_the_other_half(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        ids = await _populate(pilot.app.services.client)
        await reload(pilot, screen)
        await pilot.press("f")
        await screen.filter_bar.set_linked_to(ids["sk"])
        screen.filter_bar.query_one("#filter-linked", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert [r.uid for r in screen.table.shown_rows] == [ids["pk"]]


async def test_sort_by_column_and_reverse(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        await _populate(pilot.app.services.client)
        await reload(pilot, screen)
        screen.table.sort_by("name")
        names = [r.name for r in screen.table.shown_rows if r.name]
        assert names == sorted(names)
        await pilot.press("O")
        names = [r.name for r in screen.table.shown_rows if r.name]
        assert names == sorted(names, reverse=True)


async def test_detail_pane_readable_attributes_links_and_raw_ttlv(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        ids = await _populate(pilot.app.services.client)
        await reload(pilot, screen)
        screen.table.select_uid(ids["sk"])
        await pilot.press("enter")
        await pilot.pause()
        text = str(screen.query_one("#detail-body").render())
        assert "PublicKeyLink" in text and ids["pk"] in text
        assert "Sign" in text and "Decrypt" in text  # usage mask as names, not a number alone
        assert "2048 bits" in text and "prod" in text
        assert "UTC" in text  # dates in UTC (and local time where it differs)
        await pilot.press("l")  # follow the link to the public key
        await pilot.pause()
        assert screen.table.current.uid == ids["pk"]
        await pilot.press("t")
        await settle(pilot)
        raw = screen.detail.raw
        assert raw is not None and json.loads(raw)["tag"] == "GetAttributesResponse"
        assert ids["pk"] in raw
        await pilot.press("t")
        assert screen.detail.raw is None
        await pilot.press("escape")
        assert not screen.has_class("-detail")


async def test_read_only_refuses_every_change_with_a_reason(console_factory, sandbox_conf):
    app = console_factory(conf=sandbox_conf, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        await app.services.client.create_key_pair("rsa", size=2048)
        await reload(pilot, screen)
        before = [(r.uid, r.state) for r in screen.table.shown_rows]
        shown = {b.binding.action for b in screen.active_bindings.values() if b.binding.show}
        assert not shown & {"create", "revoke", "destroy"}  # the footer offers no write key
        assert {"reload", "focus_text_filter"} <= shown
        for key in ("n", "a", "v", "d", "e"):
            await pilot.press(key)
            await pilot.pause()
            assert type(app.screen).__name__ == "ObjectsScreen", key  # no form opened
        refusals = [n for n in notices(app) if n.startswith("Read-only mode")]
        assert len(refusals) == 5
        assert any("destroy" in n for n in refusals) and any("create" in n for n in refusals)
        await reload(pilot, screen)
        assert [(r.uid, r.state) for r in screen.table.shown_rows] == before
        await pilot.press("c")  # reading is fine
        assert app.clipboard == screen.table.current.uid


async def test_server_gone_during_load_is_reported_and_retry_works(sandbox_console, sandbox):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        await pilot.app.services.client.create_symmetric_key("AES", 256)
        await reload(pilot, screen)
        assert screen.table.total == 1
        sandbox.kill9()
        await pilot.press("r")
        await settle(pilot, timeout=120)
        assert not screen.load_running
        assert "Load failed" in status_text(screen)
        assert type(pilot.app.screen).__name__ == "ObjectsScreen"  # no crash, still usable
        await pilot.press("slash")
        assert pilot.app.focused.id == "filter-text"


async def test_actions_on_an_object_owned_by_someone_else(console_factory, sandbox, tmp_path):
    """Admin owns a key and lets bob read it; bob's console lists it but cannot revoke or destroy it."""
    bob_server = start_sandbox(tmp_path / "bob", db=sandbox.db, config_toml='default_username = "bob"\n')
    try:
        conf = tmp_path / "bob.toml"
        conf.write_text(f'[http_config]\nserver_url = "{bob_server.url}"\n')
        app = console_factory(conf=conf)
        async with app.run_test(size=(120, 40)) as pilot:
            from kms_tui.client import ConnectionSettings, KmsClient

            admin = KmsClient(ConnectionSettings.from_http_config({"server_url": sandbox.url}))
            async with admin:
                uid = await admin.create_symmetric_key("AES", 256, name="admins-key")
                await admin.grant(uid, "bob", ["get"])
            screen = await open_objects(pilot)
            row = screen.table.get_row(uid)
            assert row is not None and row.owner == "admin"
            screen.table.select_uid(uid)
            await pilot.press("v")
            await pilot.press("ctrl+s")
            await settle(pilot)
            modal = pilot.app.screen
            assert type(modal).__name__ == "ErrorModal"
            message = str(modal.query_one("#error-message").render())
            assert "not found" in message.lower() or "denied" in message.lower()
            await pilot.press("escape")
            await pilot.pause()
            await reload(pilot, screen)
            assert screen.table.get_row(uid).state == "Active"  # nothing changed
    finally:
        bob_server.stop()


async def test_partial_listing_is_said_in_the_status_line(sandbox_console):
    from kms_tui.tui.objects.loading import Loaded
    from kms_tui.tui.objects.rows import row_from_attributes
    from kms_tui.tui.objects.screen import RowsLoaded

    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        problem = "SymmetricKey/Active: more than 1000 objects, list truncated"
        rows = [row_from_attributes(f"k{i}", {"ObjectType": "SymmetricKey", "State": "Active"}) for i in range(3)]
        screen.post_message(RowsLoaded(screen.generation, Loaded(rows, True, True, [problem, "another"])))
        await pilot.pause()
        status = status_text(screen)
        assert "PARTIAL" in status and problem in status and "+1 more" in status
        assert screen.query_one("#objects-status").has_class("-partial")


def test_arriving_rows_wait_for_a_pause_in_the_keys_but_not_forever():
    from kms_tui.tui.objects.arrivals import flush_delay

    def delay(now, last_key, since):
        return flush_delay(now, last_key, since, quiet=0.3, cap=1.0)

    assert delay(10.0, last_key=5.0, since=9.9) == 0  # no key lately: in at once
    assert delay(10.0, last_key=9.9, since=9.9) == pytest.approx(0.2)  # a key 0.1 s ago: 0.2 s more
    assert delay(10.0, last_key=9.99, since=9.2) == pytest.approx(0.2)  # keys go on: the cap decides
    assert delay(10.0, last_key=9.99, since=9.0) == 0  # waited a second already: in now


async def test_rows_arriving_while_the_user_moves_wait_and_the_status_says_so(sandbox_console):
    """Mid-load, rows that arrive while the cursor keys are pressed are counted in the status
    line and added when the keys pause (or the load ends), not under the user's cursor."""
    from kms_tui.tui.objects.loading import Loaded
    from kms_tui.tui.objects.rows import row_from_attributes
    from kms_tui.tui.objects.screen import RowsLoaded

    def rows(prefix, n):
        return [
            row_from_attributes(f"{prefix}{i}", {"ObjectType": "SymmetricKey", "State": "Active"}) for i in range(n)
        ]

    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        # a user who never pauses
        screen.arrivals.quiet_after_key_s, screen.arrivals.flush_at_least_every_s = 60.0, 120.0
        screen.load_running = True  # as mid-load
        screen.post_message(RowsLoaded(screen.generation, Loaded(rows("first", 5), False)))
        await wait_until(pilot, lambda: screen.table.total == 5, what="the first rows shown at once")
        await pilot.press("down", "down")
        assert screen.table.current.uid == screen.table.shown_rows[2].uid
        cursor_uid = screen.table.current.uid
        screen.post_message(RowsLoaded(screen.generation, Loaded(rows("later", 7), False)))
        await wait_until(
            pilot,
            lambda: "7 more arrived, shown when you pause" in status_text(screen),
            what="the waiting rows counted in the status line",
        )
        assert screen.table.total == 5 and screen.table.current.uid == cursor_uid
        screen.post_message(RowsLoaded(screen.generation, Loaded(rows("last", 1), True)))
        await wait_until(pilot, lambda: screen.table.total == 13, what="every row in when the load ends")
        assert "more arrived" not in status_text(screen) and screen.table.current.uid == cursor_uid


async def test_reload_refreshes_in_place_and_keeps_the_cursor_on_its_object(sandbox_console):
    """r keeps the list on screen while it reloads; afterwards objects made elsewhere are in,
    objects removed elsewhere are out, and the cursor is still on the object it was on."""
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        client = pilot.app.services.client
        ids = [await client.create_symmetric_key("AES", 256, name=f"key-{n}") for n in range(12)]
        await reload(pilot, screen)
        assert screen.table.total == 12
        screen.table.select_uid(ids[1])
        doomed = ids[2] if screen.table.current.uid != ids[2] else ids[3]
        await client.revoke(doomed, "CessationOfOperation")
        await client.destroy(doomed, remove=True)  # gone from the server, by someone else
        newcomer = await client.create_symmetric_key("AES", 128, name="made-elsewhere")
        screen.action_reload()
        assert screen.load_running and screen.table.total == 12  # still shown while it reloads
        assert screen.table.current.uid == ids[1]
        await settle(pilot)
        assert not screen.load_running
        uids = set(screen.table.row_ids())
        assert newcomer in uids and doomed not in uids and len(uids) == 12
        assert screen.table.current.uid == ids[1]
        assert status_text(screen).startswith("12 objects")
        cursor_y = screen.table.cursor - int(screen.table.scroll_y) + 1
        assert "Active" in screen.table.render_line(cursor_y).text
        await client.revoke(ids[1], "CessationOfOperation")  # changed elsewhere, nothing removed
        await reload(pilot, screen)
        assert screen.table.current.uid == ids[1] and screen.table.current.state == "Deactivated"
        assert "Deactivated" in screen.table.render_line(cursor_y).text  # its line is drawn anew


async def test_stopping_a_load_keeps_what_arrived_and_says_so(sandbox_console):
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        await pilot.app.services.client.create_symmetric_key("AES", 256)
        screen.start_load()
        await pilot.press("x")
        await settle(pilot)
        assert not screen.load_running
        assert "loading stopped by you" in status_text(screen)
        await reload(pilot, screen)  # r loads again, completely
        assert screen.table.total == 1 and "PARTIAL" not in status_text(screen)


async def test_server_killed_mid_load_keeps_the_rows_that_arrived(console_factory, sandbox, tmp_path):
    """The first screenful is in, the full listing's answer is held by a proxy (so the load is
    certainly still running, whatever the machine's speed), then the server dies."""
    from kms_tui.client import requests as kmip
    from kms_tui.tui.objects.loading import FIRST_PAGE

    async with StallingProxy(sandbox.url) as proxy:
        conf = tmp_path / "proxied.toml"
        conf.write_text(f'[http_config]\nserver_url = "{proxy.url}"\n')
        async with console_factory(conf=conf).run_test(size=(120, 40)) as pilot:
            screen = await open_objects(pilot)
            creates = [kmip.create_symmetric_key() for _ in range(FIRST_PAGE + 14)]
            results = await pilot.app.services.client.batch(creates)
            assert all(r.ok for r in results)
            proxy.armed = True
            screen.start_load()  # as "r" does, without waiting for the app to go idle
            await wait_until(
                pilot,
                lambda: proxy.stalled.is_set() and screen.table.total == FIRST_PAGE,
                what="the first screenful shown, the full listing asked for",
            )
            assert screen.load_running
            sandbox.kill9()
            await proxy.close()
            await settle(pilot, timeout=120)
            assert not screen.load_running
            status = status_text(screen)
            assert f"Load failed after {FIRST_PAGE} objects" in status and "r retries" in status
            assert screen.table.total == FIRST_PAGE  # what arrived is still shown
            assert type(pilot.app.screen).__name__ == "ObjectsScreen"


async def test_a_filter_that_hides_every_row_says_so_and_esc_brings_them_back(sandbox_console):
    async with sandbox_console.run_test(size=(80, 24)) as pilot:
        screen = await open_objects(pilot)
        await pilot.app.services.client.create_symmetric_key("AES", 256, name="only-key")
        await reload(pilot, screen)
        assert status_text(screen).startswith("1 object ·")  # never "1 objects"
        await pilot.press("slash", *"xyz")
        await pilot.pause()
        assert screen.table.shown_rows == []
        said = screen.table.empty_text
        assert said == "No row matches 'xyz': 1 object hidden (esc clears)"
        assert "No objects yet" not in said
        await pilot.press("escape")  # clears the filter: the row is back
        await pilot.pause()
        assert [r.name for r in screen.table.shown_rows] == ["only-key"]


async def test_a_large_list_is_decoded_by_the_helper_process_which_ends_with_the_console(sandbox_console):
    """Over one 128 kB chunk of /access/owned, the console's listing is decoded by its helper
    process (another core): every object is listed, and quitting leaves no process behind."""
    import psutil

    from kms_tui.client import requests as kmip

    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        client = pilot.app.services.client
        created = [kmip.create_symmetric_key(tags=["many"], name=f"k{n:03d}") for n in range(400)]
        assert all(r.ok for r in await client.batch(created))
        await reload(pilot, screen)
        assert screen.table.total == 400 and status_text(screen).startswith("400 objects")
        helper = psutil.Process(client.listing_decoder.pid)
        assert "kms_tui.client.decoder_worker" in helper.cmdline()
    assert not helper.is_running() or helper.status() == psutil.STATUS_ZOMBIE
