"""The result of "test this key": pass or fail, the round trip, the algorithm and each step's
time. The round trip runs on the server when the modal opens (:mod:`kms_tui.client.key_check`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from kms_tui.client.key_check import KeyCheck
from kms_tui.safetext import visible

Runner = Callable[[], Awaitable[KeyCheck]]


@dataclass
class CheckDone(Message):
    check: KeyCheck | None
    problem: str = ""


def result_text(check: KeyCheck) -> str:
    lines = [f"Round trip: {check.round_trip or '-'}", f"Algorithm:  {visible(check.algorithm)}"]
    for operation, uid, ms in check.steps:
        lines.append(f"  {operation:<16} {ms:8.1f} ms  {visible(uid)}")
    lines.append(f"  {'total':<16} {check.total_ms:8.1f} ms")
    if check.problem:
        lines.append(f"Why: {visible(check.problem)}")
    lines.append("Recorded in the audit trail (operation, key, result, timing; never the data).")
    return "\n".join(lines)


class KeyTestModal(ModalScreen[None]):
    """Runs ``run`` once mounted and shows its :class:`KeyCheck`."""

    DEFAULT_CLASSES = "kms-modal"
    BINDINGS = [
        Binding("escape,enter,q", "close", "Close", tooltip="Close the test result.", id="key-test.close"),
    ]
    DEFAULT_CSS = """
    KeyTestModal #key-test-verdict { text-style: bold; margin-bottom: 1; }
    KeyTestModal #key-test-verdict.-pass { color: $success; }
    KeyTestModal #key-test-verdict.-fail { color: $error; }
    """

    def __init__(self, uid: str, run: Runner) -> None:
        super().__init__()
        self.uid = uid
        self.run = run
        self.check: KeyCheck | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body"):
            yield Static(f"Test key {visible(self.uid)}", classes="modal-title", markup=False)
            yield Static("Running the round trip on the server…", id="key-test-verdict", markup=False)
            yield Static("", id="key-test-detail", markup=False)

    def on_mount(self) -> None:
        self.execute()

    @work(exclusive=True, exit_on_error=False, group="key-test")
    async def execute(self) -> None:
        try:
            check = await self.run()
        except Exception as exc:  # noqa: BLE001 - shown in the modal
            fix = getattr(exc, "fix", "")
            message = getattr(exc, "message", None) or type(exc).__name__
            self.post_message(CheckDone(None, f"{message}" + (f"\n→ {fix}" if fix else "")))
            return
        self.post_message(CheckDone(check))

    @on(CheckDone)
    def _done(self, message: CheckDone) -> None:
        verdict = self.query_one("#key-test-verdict", Static)
        detail = self.query_one("#key-test-detail", Static)
        if message.check is None:
            verdict.update("Not tested")
            verdict.add_class("-fail")
            detail.update(visible(message.problem, keep_newlines=True))
            return
        self.check = message.check
        verdict.update("PASS ✓" if message.check.passed else "FAIL ✗")
        verdict.add_class("-pass" if message.check.passed else "-fail")
        detail.update(result_text(message.check))

    def action_close(self) -> None:
        self.dismiss(None)
