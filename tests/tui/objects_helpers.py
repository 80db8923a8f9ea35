"""Helpers shared by the object-browser tests: open the screen, reload, submit a form, read the toasts."""

from __future__ import annotations

import asyncio
from contextlib import suppress

from tests.tui.conftest import settle


async def open_objects(pilot):
    """Wait for the profile, switch to the objects screen, wait for the list to load."""
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    screen = pilot.app.screen
    assert type(screen).__name__ == "ObjectsScreen", screen
    return screen


async def reload(pilot, screen):
    """Press r and wait until the new list is in."""
    await pilot.press("r")
    await settle(pilot)
    assert not screen.load_running


async def submit_form(pilot):
    """ctrl+s in a modal form, then let the resulting worker finish."""
    await pilot.press("ctrl+s")
    await settle(pilot)


def notices(app) -> list[str]:
    """Every toast message shown so far."""
    return [n.message for n in app._notifications]


def status_text(screen) -> str:
    return str(screen.query_one("#objects-status").render())


class StallingProxy:
    """A loopback TCP proxy in front of a server that, once ``armed``, never relays the answer
    to a request containing ``marker`` (the request itself goes through). ``stalled`` is set
    when that happens, so a test knows a load is under way without guessing at timings."""

    def __init__(self, upstream_url: str, marker: bytes = b"GET /access/owned") -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(upstream_url)
        self.upstream = (parts.hostname, parts.port)
        self.marker, self.armed = marker, False
        self.stalled = asyncio.Event()
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def __aenter__(self) -> StallingProxy:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop listening and cut every connection (clients see the server vanish)."""
        if self.server is not None:
            self.server.close()
        for writer in self.writers:
            writer.transport.abort()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        self.writers += [writer, up_writer]
        held = False

        async def requests() -> None:
            nonlocal held
            while data := await reader.read(65536):
                if self.armed and self.marker in data:
                    held = True  # before the request goes on: its answer cannot slip through
                    self.stalled.set()
                up_writer.write(data)
                await up_writer.drain()

        async def answers() -> None:
            while data := await up_reader.read(65536):
                if not held:
                    writer.write(data)
                    await writer.drain()

        with suppress(OSError, asyncio.IncompleteReadError):
            await asyncio.gather(requests(), answers())
        writer.transport.abort()
        up_writer.transport.abort()


async def press_on_a_new_key(app, key: str, check) -> None:
    """Open the objects screen of ``app``, create an AES key, press ``key`` on it, ``check(app)``."""
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_objects(pilot)
        await pilot.app.services.client.create_symmetric_key()
        await reload(pilot, screen)
        await pilot.press(key)
        await pilot.pause()
        check(pilot.app)
