"""The console at 80×24 and 60×20 (issue 11): help scrolls to its last line on every screen with
every description whole, the destroy dialog's buttons stay on screen, checkboxes read [x]/[ ]."""

from __future__ import annotations

import pytest
from textual.containers import VerticalScroll
from textual.widgets import Button

from kms_tui.tui.modals.destroy import DestroyModal
from kms_tui.tui.objects.rows import ObjectRow
from kms_tui.tui.screens.help import HelpScreen
from tests.tui.conftest import settle
from tests.tui.helpers import wait_until
from tests.tui.rendered import screen_text

FIT_SIZES = [(80, 24), (60, 20)]
MODES = {"1": "whoami", "2": "objects", "3": "audit", "4": "profiles", "5": "config", "6": "access"}


def _flat(text: str) -> str:
    """The screen's words in one line (wrapped lines joined, borders dropped)."""
    return " ".join("".join(ch for ch in text if not 0x2500 <= ord(ch) <= 0x259F).split())


@pytest.mark.parametrize("size", FIT_SIZES, ids=[f"{w}x{h}" for w, h in FIT_SIZES])
async def test_help_scrolls_to_its_last_line_on_every_screen(sandbox_console, size):
    app = sandbox_console
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for key, mode in MODES.items():
            await pilot.press(key)
            await wait_until(pilot, lambda mode=mode: app.current_mode == mode, what=mode)
            await pilot.pause()
            # ? is typed into the config editor's text: F1 works everywhere
            await pilot.press("f1" if mode == "config" else "question_mark")
            await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what=f"help on {mode}")
            await pilot.pause()
            help_screen = app.screen
            scroll = help_screen.query_one("#help-scroll", VerticalScroll)
            seen = [_flat(screen_text(app))]
            for _line in range(400):  # a line at a time to the end: each row is whole on some screen
                if scroll.scroll_y >= scroll.max_scroll_y:
                    break
                await pilot.press("down")
                await pilot.pause()
                seen.append(_flat(screen_text(app)))
            assert scroll.scroll_y == scroll.max_scroll_y
            assert "Remap any key in settings.toml" in _flat(screen_text(app)), f"last line of help on {mode}"
            for _keys, _action, tooltip, binding_id in help_screen.rows:
                # every description whole: wrapped, never cut
                assert any(_flat(tooltip) in screen for screen in seen), (mode, binding_id, tooltip)
                assert any(f"[{binding_id}]" in screen for screen in seen), (mode, binding_id)
            await pilot.press("escape")
            await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen), what="help closed")
            if mode == "config":
                await pilot.press("escape")  # leaves the text: the number keys switch screens again


def _pair_row() -> ObjectRow:
    uid = "dda84093-0335-46e4-9d7b-5c1e6a2bf90e"
    return ObjectRow(
        uid=uid,
        object_type="PrivateKey",
        algorithm="RSA",
        length=2048,
        state="Active",
        name="web-tls",
        links={"PublicKeyLink": uid + "_pk"},
    )


async def test_destroy_dialog_buttons_are_on_screen_at_60x20(sandbox_console):
    app = sandbox_console
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        app.push_screen(DestroyModal(_pair_row()))
        await pilot.pause()
        await pilot.pause()
        shown = screen_text(app)
        assert "Cancel" in shown and "Revoke, then destroy" in shown
        for button in app.screen.query(Button):
            region = button.region
            assert 0 <= region.y and region.bottom <= 20, button.id
        # the field that has the focus (type the id's start) is scrolled into view as well
        assert "first 6 characters of the id" in shown
        # checkboxes read [x] ticked and [ ] not, in plain text
        assert "[x] also destroy" in shown and "[ ] delete the row for good" in shown
        await pilot.press(*"dda840")
        await pilot.press("tab")
        assert app.screen.focused is not None


# -- ids and states you can tell apart ------------------------------------------------------------


def test_ids_are_shortened_in_the_middle_keeping_start_and_end():
    from kms_tui.tui.objects.columns import fit_middle

    uid = "dda84093-0335-46e4-9d7b-5c1e6a2bf90e"
    assert fit_middle(uid + "_pk", 16) == "dda84093…f90e_pk"
    assert fit_middle(uid, 16) != fit_middle(uid + "_pk", 16)
    assert fit_middle("short", 8) == "short   "


def _rows_for_table():
    uid = "dda84093-0335-46e4-9d7b-5c1e6a2bf90e"
    return [
        ObjectRow(
            uid=uid,
            object_type="PrivateKey",
            algorithm="RSA",
            length=2048,
            state="Active",
            links={"PublicKeyLink": uid + "_pk"},
        ),
        ObjectRow(
            uid=uid + "_pk",
            object_type="PublicKey",
            algorithm="RSA",
            length=2048,
            state="Active",
            links={"PrivateKeyLink": uid},
        ),
        ObjectRow(
            uid="0a9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c",
            object_type="SymmetricKey",
            algorithm="AES",
            length=256,
            state="Destroyed_Compromised",
        ),
    ]


@pytest.mark.parametrize("size", FIT_SIZES, ids=[f"{w}x{h}" for w, h in FIT_SIZES])
async def test_objects_table_tells_a_key_from_its_public_key_and_shows_short_states(sandbox_console, size):
    app = sandbox_console
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        screen.table.add_rows(_rows_for_table())
        screen.table.select_uid("dda84093-0335-46e4-9d7b-5c1e6a2bf90e_pk")
        await pilot.pause()
        lines = screen_text(app).splitlines()
        pair = [line for line in lines if line.startswith("dda84093")]
        assert len(pair) == 2 and pair[0].split()[0] != pair[1].split()[0]
        assert any(line.split()[0].endswith("…f90e_pk") or "_pk" in line.split()[0] for line in pair)
        assert any("Destr+Compr" in line for line in lines)  # fits its column, not "Destroyed_…"
        await pilot.press("enter")  # the detail pane: the full id and the full state name
        await pilot.pause()
        detail = _flat(str(screen.detail.query_one("#detail-body").render()))
        assert "dda84093-0335-46e4-9d7b-5c1e6a2bf90e_pk" in detail
        screen.table.select_uid("0a9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c")
        await pilot.pause()
        assert "Destroyed_Compromised" in str(screen.detail.query_one("#detail-body").render())
        await pilot.press("c")  # c copies the whole id
        await pilot.pause()
        assert app.clipboard == "0a9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c"


async def test_host_and_port_in_whoami_problems_are_never_cut(console_factory, tmp_path, unused_tcp_port):
    conf = tmp_path / "down.toml"
    conf.write_text(f'[http_config]\nserver_url = "http://127.0.0.1:{unused_tcp_port}"\n')
    conf.chmod(0o600)
    app = console_factory(conf=conf)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_until(pilot, lambda: app.whoami_data is not None, what="whoami")
        await pilot.pause()
        text = screen_text(app)
        assert "connection refused by" in text
        for line in text.splitlines():
            if "127.0.0.1:" in line:
                assert f"127.0.0.1:{unused_tcp_port}" in line, line
