"""The run of a bulk action: a progress bar, each object that did not go through with why, s to
stop between objects; when it ends, the tally and each object's outcome, and enter/escape closes
(dismissing with the report). :class:`BulkRunModal` runs a revoke or destroy plan
(:func:`kms_tui.client.bulk.run_plan`); :class:`EachRunModal` one action on each object — tags,
a grant, an export (:func:`kms_tui.client.bulk.run_each`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import ProgressBar, Static

from kms_tui.safetext import visible
from kms_tui.words import count

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient


@dataclass
class Progressed(Message):
    outcome: Any
    index: int
    total: int


@dataclass
class Finished(Message):
    report: Any


class ProgressModal(ModalScreen[Any]):
    """Runs :meth:`execute` as soon as it is shown; subclasses say what it runs."""

    DEFAULT_CLASSES = "kms-modal"
    BINDINGS = [
        Binding(
            "s", "stop", "Stop", tooltip="Stop after the object being sent; the rest are not sent.", id="bulk-run.stop"
        ),
        Binding("escape,enter", "close", "Close", tooltip="Close when the run has ended.", id="bulk-run.close"),
    ]
    DEFAULT_CSS = """
    ProgressModal .modal-body { height: 80%; padding: 0 1; }
    ProgressModal #bulk-run-log { height: 1fr; border: round $primary; }
    ProgressModal ProgressBar { width: 1fr; }
    """

    def __init__(self, title: str, total: int) -> None:
        super().__init__()
        self.title_text = title
        self.total = total
        self.stop_requested = False
        self.report: Any = None
        self.problems: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body"):
            yield Static(self.title_text, classes="modal-title", markup=False)
            yield ProgressBar(total=max(self.total, 1), show_eta=False, id="bulk-run-bar")
            yield Static("Starting…", id="bulk-run-status", markup=False)
            with VerticalScroll(id="bulk-run-log"):
                yield Static("", id="bulk-run-problems", markup=False)
            yield Static("s stops between objects", id="bulk-run-hint", classes="hint")

    def on_mount(self) -> None:
        self.run_plan()

    @work(exclusive=True, exit_on_error=False, group="destructive")
    async def run_plan(self) -> None:
        def progressed(outcome: Any, index: int, total: int) -> None:
            self.post_message(Progressed(outcome, index, total))

        report = await self.execute(progressed, lambda: self.stop_requested)
        self.post_message(Finished(report))

    async def execute(self, progressed: Callable[[Any, int, int], None], should_stop: Callable[[], bool]) -> Any:
        raise NotImplementedError

    @on(Progressed)
    def _progressed(self, message: Progressed) -> None:
        self.query_one("#bulk-run-bar", ProgressBar).update(progress=message.index)
        o = message.outcome
        self.query_one("#bulk-run-status", Static).update(
            f"{message.index} of {message.total} sent · last: {visible(o.uid)} {o.status.replace('_', ' ')}"
        )
        if o.status not in ("done", "not_sent", "skipped"):
            self.problems.append(f"{visible(o.uid)}: {o.status}: {visible(o.detail)}")
            self.query_one("#bulk-run-problems", Static).update("\n".join(self.problems))

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        self.report = message.report
        self.query_one("#bulk-run-status", Static).update(f"Finished: {self.report.summary()}")
        lines = [
            f"{visible(o.uid)}: {o.status.replace('_', ' ')}"
            + (f" ({visible(o.detail)})" if o.detail else "")
            + (f" → {o.state}" if o.state else "")
            for o in self.report.outcomes
        ]
        self.query_one("#bulk-run-problems", Static).update("\n".join(lines))
        self.query_one("#bulk-run-hint", Static).update("enter or escape closes")

    def action_stop(self) -> None:
        if self.report is None and not self.stop_requested:
            self.stop_requested = True
            self.query_one("#bulk-run-hint", Static).update("Stopping after the object being sent…")

    def action_close(self) -> None:
        if self.report is not None:
            self.dismiss(self.report)
        else:
            self.action_stop()  # escape while running: stop first, close when it has ended


class BulkRunModal(ProgressModal):
    """Runs a revoke or destroy ``plan`` through ``client``."""

    def __init__(self, client: KmsClient, plan: Any) -> None:
        super().__init__(f"Bulk {plan.verb()} of {count(plan.count, 'object')}", len(plan.sends))
        self.client = client
        self.plan = plan

    async def execute(self, progressed: Callable[[Any, int, int], None], should_stop: Callable[[], bool]) -> Any:
        from kms_tui.client.bulk import run_plan

        return await run_plan(self.client, self.plan, on_outcome=progressed, should_stop=should_stop)


class EachRunModal(ProgressModal):
    """Runs ``act(uid)`` (an :class:`~kms_tui.client.bulk.Outcome` back) on each of ``uids``."""

    def __init__(self, title: str, uids: list[str], act: Callable[[str], Any]) -> None:
        super().__init__(title, len(uids))
        self.uids = uids
        self.act = act

    async def execute(self, progressed: Callable[[Any, int, int], None], should_stop: Callable[[], bool]) -> Any:
        from kms_tui.client.bulk import run_each

        return await run_each(self.uids, self.act, on_outcome=progressed, should_stop=should_stop)
