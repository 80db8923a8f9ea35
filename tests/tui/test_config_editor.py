"""The config editor: live validation with lines, diff before saving, atomic save with backup."""

from __future__ import annotations

from textual.widgets import TextArea

from kms_tui.config import ProfileStore
from kms_tui.tui.modals.diff import DiffModal
from tests.tui.helpers import text_of, wait_until


async def open_editor(pilot) -> TextArea:
    await wait_until(pilot, lambda: pilot.app.whoami_data is not None, what="whoami")
    await pilot.press("5")
    await pilot.pause()
    return pilot.app.screen.query_one("#config-text", TextArea)


def seed(sandbox) -> ProfileStore:
    store = ProfileStore()
    store.create("alpha", sandbox.url)
    store.set_active("alpha")
    return store


async def test_every_problem_is_shown_with_its_line_as_you_type(console_factory, sandbox):
    seed(sandbox)
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await open_editor(pilot)
        assert "✓ valid" in text_of(app, "#config-problems")
        editor.insert('tls_client_pkcs12_path = "/x.p12"\nbogus_key = 1\n', (4, 0))
        await wait_until(pilot, lambda: "bogus_key" in text_of(app, "#config-problems"), what="validation")
        problems = text_of(app, "#config-problems")
        assert "line 5" in problems and "password" in problems  # PKCS#12 without its password
        assert "line 6" in problems
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, DiffModal)  # refused while there are errors
    assert "bogus_key" not in ProfileStore().load("alpha").text


async def test_a_syntax_error_is_located(console_factory, sandbox):
    seed(sandbox)
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await open_editor(pilot)
        editor.insert("[http_config\n", (0, 0))
        await wait_until(pilot, lambda: "line 1" in text_of(app, "#config-problems"), what="syntax error")


async def test_save_shows_the_diff_then_writes_atomically_with_a_backup(console_factory, sandbox):
    store = seed(sandbox)
    before = store.load("alpha").text
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await open_editor(pilot)
        editor.insert("# edited in the console\n", (0, 0))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DiffModal)
        assert "+# edited in the console" in app.screen.diff
        await pilot.press("y")
        await wait_until(pilot, lambda: store.load("alpha").text.startswith("# edited"), what="save")
    path = store.path_of("alpha")
    backups = [p for p in path.parent.iterdir() if p.name.startswith(path.name) and p != path]
    assert backups and backups[0].read_text() == before


async def test_read_only_refuses_config_writes(console_factory, sandbox):
    store = seed(sandbox)
    app = console_factory(read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await open_editor(pilot)
        assert editor.read_only
        app.screen.action_save()
        await pilot.pause()
        assert not isinstance(app.screen, DiffModal)
        assert "config-save" not in {
            b.binding.id
            for b in app.screen.active_bindings.values()
            if b.enabled and app.screen.check_action(b.binding.action, ())
        }
    assert "edited" not in store.load("alpha").text


async def test_a_save_made_elsewhere_meanwhile_is_not_overwritten(console_factory, sandbox):
    """Another process (kms-tui profile …, ckms, an editor) saves the file while the editor has it
    open: the editor's save is refused with what to do, and the other save stays on disk."""
    store = seed(sandbox)
    app = console_factory()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        editor = await open_editor(pilot)
        editor.insert("# edited in the console\n", (0, 0))
        elsewhere = store.load("alpha").text + "\n# saved by another process\n"
        store.path_of("alpha").write_text(elsewhere)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DiffModal)
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: (
                any("changed on disk" in str(n.message) for n in app._notifications)
                or "changed on disk" in str(getattr(app.screen, "message", ""))
            ),
            what="the refusal",
        )
    assert store.path_of("alpha").read_text() == elsewhere
