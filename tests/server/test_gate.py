"""The store gate (kms_tui/server/gate.py): readers share it without waiting; a batch that needs
it alone waits for the readers inside, and readers that come after it wait for it (a stream of
Gets cannot starve an Undo batch, and no Get reads its open transaction)."""

from __future__ import annotations

import asyncio

from kms_tui.server.gate import StoreGate


async def test_a_waiting_writer_goes_before_later_readers_and_after_earlier_ones():
    gate, order = StoreGate(), []
    first_in, release_first = asyncio.Event(), asyncio.Event()

    async def reader(name: str, hold: asyncio.Event | None = None) -> None:
        async with gate.shared():
            order.append(f"{name} in")
            if hold is not None:
                first_in.set()
                await hold.wait()
            order.append(f"{name} out")

    async def writer() -> None:
        async with gate.exclusive():
            order.append("writer in")
            await asyncio.sleep(0.01)
            order.append("writer out")

    early = asyncio.create_task(reader("early", release_first))
    await first_in.wait()
    both = asyncio.create_task(reader("both"))  # no writer waits yet: shares at once
    await asyncio.sleep(0.01)
    batch = asyncio.create_task(writer())
    await asyncio.sleep(0.01)
    late = asyncio.create_task(reader("late"))  # a writer waits: this one waits behind it
    await asyncio.sleep(0.01)
    assert order == ["early in", "both in", "both out"]
    release_first.set()
    await asyncio.gather(early, both, batch, late)
    assert order == ["early in", "both in", "both out", "early out", "writer in", "writer out", "late in", "late out"]


async def test_readers_do_not_wait_for_each_other():
    gate = StoreGate()
    inside = 0
    most = 0

    async def reader() -> None:
        nonlocal inside, most
        async with gate.shared():
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(reader() for _ in range(20)))
    assert most == 20
