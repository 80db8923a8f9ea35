"""The sign-in window shows what the identity provider and the browser flow say: escaped, never raw
(an OSC sequence in an IdP's error text must not retitle the terminal or write the clipboard)."""

from __future__ import annotations

from textual.widgets import Static

from kms_tui.tui.modals.sign_in import SignInModal, SignInProgress


class _NoFlow(SignInModal):
    """The real window without starting a sign-in (the text is posted by the test)."""

    def on_mount(self) -> None:
        return None


async def test_idp_text_in_the_sign_in_log_is_escaped(console_factory):
    app = console_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        modal = _NoFlow()
        await app.push_screen(modal)
        modal.post_message(SignInProgress("IdP says: denied\x1b]0;pwned\x07\x1b]52;c;SGVsbG8=\x07 [bold]x"))
        await pilot.pause()
        shown = str(modal.query_one("#sign-in-log", Static).content)
    assert "\x1b" not in shown and "\x07" not in shown
    assert "\\x1b]0;pwned\\x07" in shown and "[bold]x" in shown
