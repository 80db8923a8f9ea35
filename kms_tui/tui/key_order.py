"""Keys reach the console one at a time, in the order they were typed, even at paste speed.

Why this exists (traced in Textual 8.2.8, see the tests in tests/tui/test_key_order*.py):
the app hands each key from the terminal to the widget focused *at that moment* and goes on
with the next key at once, while the key's bindings (Tab, backspace, arrows, a screen's ``n``
or ``/``) only run once it has bubbled back up to the app through every widget's queue. So
at paste speed ``/XYZW`` sent ``XYZW`` to the table before ``/`` focused the filter, Tab ran
after the letters typed behind it, and backspace deleted after them. A screen pushed by a key
also had nothing focused until it was built, so the first keys went to the screen and vanished.

``OrderedKeys`` (mixed into the app) holds the keys and gives the next one only when:

* the previous one has been handled: a ``KeyHandled`` probe posted to the same widget right
  behind it has bubbled back to the app, twice (the second lap also waits for what the first
  one's handling posted, such as a button's ``Pressed`` that closes a modal), or the screen
  changed under it;
* the screen on top is built (mounted), and the focus its ``on_mount`` asked for is set
  (``Widget.focus`` is queued on the app: the first key waits one more turn of that queue).

A probe lost with a widget that went away is given up after ``PROBE_PATIENCE`` seconds, so a
key is never held for good.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import ScreenStackError
from textual.message import Message
from textual.message_pump import MessagePump

PROBE_PATIENCE = 0.5  # seconds: a probe not back by then went down with its widget
LAPS = 2


class KeyHandled(Message):
    """Posted behind a key to the widget that got it; back at the app, that key is handled."""

    def __init__(self, token: int, lap: int) -> None:
        super().__init__()
        self.token = token
        self.lap = lap


if TYPE_CHECKING:  # mixed into the console's App: typed as one, a plain object at run time
    from textual.app import App

    _AppBase = App[Any]
else:
    _AppBase = object


class OrderedKeys(_AppBase):
    """Mixin for the ``App``: keys (and pastes) from the terminal are fed one at a time."""

    def _init_key_order(self) -> None:
        self._key_backlog: deque[events.Event] = deque()
        self._key_awaited = 0  # the probe token the next key waits for (0: none)
        self._key_tokens = 0
        self._key_stale = -1  # the token the watchdog saw last time (a lost probe repeats)
        self._key_mount_wait: Any = None  # the screen whose mounting the backlog waits for
        self._key_mount_task: asyncio.Task | None = None
        self._key_ready_screen: Any = None  # the last screen seen built, with its first focus set
        self._key_turn_for: Any = None  # the built screen whose first focus is being waited for
        self._key_watchdog: Any = None

    # --- entry ------------------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            self._key_backlog.append(event)
            await self._feed_keys()
            return
        await super().on_event(event)

    def _key_order_mounted(self) -> None:
        """Call from the app's ``on_mount``: screen changes release a waiting key."""
        self.screen_change_signal.subscribe(self, self._screen_changed)
        self._key_watchdog = self.set_interval(PROBE_PATIENCE, self._check_probe, pause=True)

    # --- feeding ----------------------------------------------------------------------------
    async def _feed_keys(self) -> None:
        while self._key_backlog and not self._key_awaited:
            screen = self._top_screen()
            if screen is None or not screen.is_mounted:
                self._wait_for_mount(screen)
                return
            if screen is not self._key_ready_screen:
                # Widget.focus() in on_mount is itself queued on the app: one more turn of the
                # app's queue and the focus it asked for is set before the next key is handed over
                if self._key_turn_for is not screen:
                    self._key_turn_for = screen
                    self.call_later(self._key_turn_done, screen)
                return
            event = self._key_backlog.popleft()
            target: MessagePump = self.focused or screen
            await super().on_event(event)  # priority bindings, else forwarded
            if event.is_forwarded:
                self._send_probe(target, 1)

    async def _key_turn_done(self, screen: Any) -> None:
        if self._key_turn_for is screen:
            self._key_turn_for = None
            self._key_ready_screen = screen
        await self._feed_keys()

    def _top_screen(self) -> Any:
        try:
            return self.screen
        except ScreenStackError:
            return None

    def _wait_for_mount(self, screen: Any) -> None:
        if screen is None or screen is self._key_mount_wait:
            return
        self._key_mount_wait = screen

        async def mounted() -> None:
            await screen._mounted_event.wait()
            if self._key_mount_wait is screen:
                self._key_mount_wait = None
            self.call_later(self._feed_keys)

        self._key_mount_task = asyncio.get_running_loop().create_task(mounted())

    def _send_probe(self, target: MessagePump, lap: int) -> bool:
        """Post a probe behind the key; False when ``target`` is closing (nothing to wait for)."""
        self._key_tokens += 1
        self._key_awaited = self._key_tokens
        if not target.post_message(KeyHandled(self._key_tokens, lap)):
            self._key_awaited = 0
            return False
        if self._key_watchdog is not None:
            self._key_watchdog.resume()
        return True

    def _release(self) -> None:
        self._key_awaited = 0
        if not self._key_backlog and self._key_watchdog is not None:
            self._key_watchdog.pause()
        self.call_later(self._feed_keys)

    # --- coming back ------------------------------------------------------------------------
    async def on_key_handled(self, message: KeyHandled) -> None:
        message.stop()
        if message.token != self._key_awaited:
            return  # released meanwhile (screen change, watchdog)
        if message.lap < LAPS:
            target = self.focused or self._top_screen()
            if target is not None and self._send_probe(target, message.lap + 1):
                return
        self._key_awaited = 0
        await self._feed_keys()

    def _screen_changed(self, _screen: Any) -> None:
        if self._key_awaited:
            self._release()

    def _check_probe(self) -> None:
        if not self._key_awaited:
            self._key_watchdog.pause()
            return
        if self._key_awaited == self._key_stale:
            self._release()  # the probe went down with its widget
        self._key_stale = self._key_awaited
