"""The rotation history of a key: the chain of generations (ReplacedObjectLink back,
ReplacementObjectLink forward), oldest first, walked with ↑/↓; the highlighted generation's
policy and next rotation date; enter goes to that key in the object list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kms_tui.client.rotation import Generation, RotationPolicy, policy_of, span_text
from kms_tui.safetext import visible

Loader = Callable[[], Awaitable[list[Generation]]]


def _when(value) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value is not None else "-"


def policy_line(policy: RotationPolicy) -> str:
    """``every 90d · next 2026-04-15 09:30 UTC`` (or why there is no next rotation)."""
    if policy.active:
        offset = f" (offset {span_text(policy.offset)})" if policy.offset else ""
        return f"Policy: every {span_text(policy.interval)}{offset} · next rotation {_when(policy.next_rotation)}"
    if policy.interval:
        return f"Policy: every {span_text(policy.interval)}, but RotateAutomatic is off: not scheduled"
    return "Policy: no automatic rotation (kms-tui rotation set ID --interval 90d)"


def generation_label(gen: Generation, current: str) -> str:
    marker = "▶" if gen.uid == current else " "
    number = "?" if gen.generation is None else str(gen.generation)
    state = gen.state or "unreadable"
    return f"{marker} gen {number:>2}  {state:<11} {visible(gen.uid)}"


@dataclass
class ChainLoaded(Message):
    chain: list[Generation] | None
    problem: str = ""


class RotationHistoryModal(ModalScreen[str | None]):
    """Dismissed with the id of the generation chosen (enter), or None."""

    DEFAULT_CLASSES = "kms-modal"
    BINDINGS = [
        Binding("escape,q", "close", "Close", tooltip="Close the rotation history.", id="rotation-history.close"),
        Binding(
            "left",
            "walk(-1)",
            "Older",
            tooltip="The key this one replaced (ReplacedObjectLink).",
            id="rotation-history.older",
        ),
        Binding(
            "right",
            "walk(1)",
            "Newer",
            tooltip="The key that replaced this one (ReplacementObjectLink).",
            id="rotation-history.newer",
        ),
    ]
    DEFAULT_CSS = """
    RotationHistoryModal #rotation-chain { height: auto; max-height: 8; margin-bottom: 1; }
    RotationHistoryModal #rotation-generation { height: auto; }
    RotationHistoryModal #rotation-hint { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, uid: str, load: Loader) -> None:
        super().__init__()
        self.uid = uid
        self.load = load
        self.chain: list[Generation] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body"):
            yield Static(f"Rotation history of {visible(self.uid)}", classes="modal-title", markup=False)
            yield OptionList(id="rotation-chain")
            yield Static("Loading the chain…", id="rotation-generation", markup=False)
            yield Static("↑↓ ←→ walk the chain · enter go to the key · esc close", id="rotation-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.fetch()

    @work(exclusive=True, exit_on_error=False, group="rotation-history")
    async def fetch(self) -> None:
        try:
            chain = await self.load()
        except Exception as exc:  # noqa: BLE001 - shown in the modal
            message = getattr(exc, "message", None) or type(exc).__name__
            self.post_message(ChainLoaded(None, message))
            return
        self.post_message(ChainLoaded(chain))

    @on(ChainLoaded)
    def _loaded(self, message: ChainLoaded) -> None:
        options = self.query_one(OptionList)
        if message.chain is None:
            self.query_one("#rotation-generation", Static).update(
                f"Could not read the chain: {visible(message.problem)}"
            )
            return
        self.chain = message.chain
        options.add_options([Option(generation_label(g, self.uid), id=f"gen-{i}") for i, g in enumerate(self.chain)])
        here = next((i for i, g in enumerate(self.chain) if g.uid == self.uid), 0)
        options.highlighted = here
        self._show(here)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index is not None:
            self._show(event.option_index)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if 0 <= event.option_index < len(self.chain):
            self.dismiss(self.chain[event.option_index].uid)

    def _show(self, index: int) -> None:
        if not 0 <= index < len(self.chain):
            return
        gen = self.chain[index]
        if gen.error:
            text = f"{visible(gen.uid)}: {visible(gen.error)}"
        else:
            older = visible(gen.replaced) if gen.replaced else "none (first generation)"
            newer = visible(gen.replacement) if gen.replacement else "none (latest)"
            text = "\n".join(
                [
                    f"{visible(gen.uid)} · {gen.state} · made {_when(gen.rotate_date or gen.initial_date)}",
                    f"replaces: {older}",
                    f"replaced by: {newer}",
                    policy_line(policy_of(gen.uid, gen.attributes)),
                ]
            )
        self.query_one("#rotation-generation", Static).update(text)

    def action_walk(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None and self.chain:
            options.highlighted = max(0, min(len(self.chain) - 1, options.highlighted + step))

    def action_close(self) -> None:
        self.dismiss(None)
