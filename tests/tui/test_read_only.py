"""--read-only hides and refuses writes everywhere: profiles, config, the palette."""

from __future__ import annotations

from kms_tui.config import ProfileStore
from kms_tui.tui.commands import palette_entries
from kms_tui.tui.screens.signin_form import SignInFormScreen
from tests.tui.helpers import text_of, wait_until


async def test_read_only_hides_profile_writes_and_refuses_them(console_factory, sandbox):
    store = ProfileStore()
    store.create("alpha", sandbox.url)
    store.set_active("alpha")
    app = console_factory(read_only=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_until(pilot, lambda: app.whoami_data is not None, what="whoami")
        assert "READ-ONLY" in text_of(app, "#header-badges")
        await pilot.press("4")
        await pilot.pause()
        shown = {
            b.binding.id for b in app.screen.active_bindings.values() if app.screen.check_action(b.binding.action, ())
        }
        assert "profiles-sign-in" in shown
        assert not shown & {"profiles-add", "profiles-delete", "profiles-rename", "profiles-edit"}
        await pilot.press("a", "D")  # the keys do nothing
        await pilot.pause()
        assert not isinstance(app.screen, SignInFormScreen)
        app.screen.action_delete()  # even when called directly: refused with a toast
        await pilot.pause()
        assert store.exists("alpha")
        assert any("Read-only" in n.message for n in app._notifications)
        titles = [title for title, _help, _cb in palette_entries(app)]
        assert "Profiles: Use" in titles and "Profiles: Delete" not in titles
