"""Marks and bulk actions on the objects screen, on a real sandbox: space marks a row and the
status line counts marks, * marks every row the filter shows (again: unmarks them); with rows
marked, v opens the preview (partners, wrapped objects, grants, counts), which goes ahead only
when the count is typed; the run reports each object and the server holds what it says. Tags and
export apply to every marked row. The preview at 80x24 is a snapshot (fixed ids)."""

from __future__ import annotations

import httpx
import pytest
from textual.widgets import Input

from tests.server.kmip import Kmip, aes, first, key_pair, s, uid
from tests.tui.conftest import settle
from tests.tui.helpers import text_of, wait_until


def _key(kms: Kmip, key_id: str, *, tags: tuple[str, ...] = (), mask: int = 12, wrap_with: str = "") -> str:
    body = aes(tags=tags)
    attrs = body["value"][1]["value"]
    for attr in attrs:
        if attr["tag"] == "CryptographicUsageMask":
            attr["value"] = mask
    attrs.append(uid(key_id))
    if wrap_with:
        from tests.server.kmip import t

        attrs.append(
            s(
                "Attribute",
                t("VendorIdentification", "TextString", "cosmian"),
                t("AttributeName", "TextString", "wrapping_key_id"),
                t("AttributeValue", "TextString", wrap_with),
            )
        )
    return first(kms.ok(body), "UniqueIdentifier")


def populate(url: str) -> None:
    """Fixed ids: a wrapping key and an app key tagged `batch`, a key pair (`pair-sk`/`pair-sk_pk`),
    a key wrapped by the wrapping key, a grant to bob on the app key, and a key left alone."""
    kms = Kmip(url)
    _key(kms, "kek-1", tags=("batch",), mask=12 | 0x10)
    _key(kms, "app-key", tags=("batch",))
    _key(kms, "wrapped-1", wrap_with="kek-1")
    _key(kms, "bystander", tags=("other",))
    body = key_pair("ECDSA", curve="P256", tags=("batch",))
    body["value"].append(s("PrivateKeyAttributes", uid("pair-sk")))
    kms.ok(body)
    r = httpx.post(
        url + "/access/grant",
        json={"unique_identifier": "app-key", "user_id": "bob", "operation_types": ["get", "encrypt"]},
    )
    assert r.status_code == 200, r.text
    kms.close()


MARKED = ("kek-1", "app-key", "pair-sk")


async def _objects(pilot):
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    screen = pilot.app.screen
    await wait_until(pilot, lambda: not screen.load_running and screen.table.total >= 6, what="the listing")
    return screen


async def _mark(pilot, screen, uids) -> None:
    for u in uids:
        assert screen.table.select_uid(u)
        await pilot.pause()
        await pilot.press("space")
    await pilot.pause()


async def _preview(pilot, screen):
    await _mark(pilot, screen, MARKED)
    await pilot.press("v")
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "BulkPreviewModal", what="the preview")
    await pilot.pause()
    return pilot.app.screen


@pytest.mark.asyncio
async def test_marks_preview_count_and_run(sandbox, sandbox_console):
    populate(sandbox.url)
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await _objects(pilot)
        await _mark(pilot, screen, ["app-key", "kek-1"])
        assert "2 marked (v d T g e act on them)" in text_of(pilot.app, "#objects-status")
        assert screen.table.marked == {"app-key", "kek-1"}
        from tests.tui.rendered import screen_text

        await pilot.pause()
        marked_lines = [line for line in screen_text(pilot.app).splitlines() if line.startswith("●")]
        assert sorted(line.split()[0].lstrip("●") for line in marked_lines) == ["app-key", "kek-1"]
        await _mark(pilot, screen, ["app-key"])  # space again unmarks
        assert screen.table.marked == {"kek-1"}
        await pilot.press("asterisk")  # every row shown
        assert screen.table.marked == {r.uid for r in screen.table.shown_rows}
        await pilot.press("asterisk")  # all marked already: unmark them
        assert not screen.table.marked and "marked" not in text_of(pilot.app, "#objects-status")

        modal = await _preview(pilot, screen)
        plan = modal.plan
        assert plan.count == 4 and len(plan.sends) == 3  # the pair's public key comes with the cascade
        assert [p.uid for p in plan.partners] == ["pair-sk_pk"]
        assert [w.uid for w in plan.wrapped] == ["wrapped-1"]
        assert [(g.uid, g.user) for g in plan.grants] == [("app-key", "bob")]
        text = text_of(pilot.app, "#bulk-preview-text")
        assert "Linked partners revoked with them (cascade) (1):" in text and "bystander" not in text
        assert "Type 4 to revoke them:" in text_of(pilot.app, "#bulk-ask")
        modal.query_one("#bulk-count", Input).value = "3"  # the wrong count does nothing
        await pilot.press("enter")
        await pilot.pause()
        assert "Type 4, the number of objects that change" in text_of(pilot.app, "#bulk-problem")
        kms = Kmip(sandbox.url)
        assert kms.state("app-key") == "Active"
        modal.query_one("#bulk-count", Input).value = "4"
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "BulkRunModal", what="the run")
        run = pilot.app.screen
        await wait_until(pilot, lambda: run.report is not None, what="the run's end")
        assert run.report.tally()["done"] == 4
        assert "Finished: 4 done" in text_of(pilot.app, "#bulk-run-status")
        await pilot.press("enter")
        await settle(pilot)
        assert all(kms.state(u) == "Deactivated" for u in ("kek-1", "app-key", "pair-sk", "pair-sk_pk"))
        assert kms.state("bystander") == "Active" and kms.state("wrapped-1") == "Active"
        await wait_until(pilot, lambda: screen.table.get_row("app-key").state == "Deactivated", what="the rows")
        assert not screen.table.marked  # done objects are unmarked
        kms.close()


@pytest.mark.asyncio
async def test_marked_rows_get_tags_and_export(sandbox, sandbox_console, tmp_path):
    populate(sandbox.url)
    async with sandbox_console.run_test(size=(120, 40)) as pilot:
        screen = await _objects(pilot)
        await _mark(pilot, screen, ["app-key", "bystander"])
        await pilot.press("T")
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "PromptModal", what="the tags prompt")
        pilot.app.screen.query_one(Input).value = "pci -other"
        await pilot.press("enter")
        report = await _each_run(pilot)  # the same progress modal as revoke/destroy: each outcome
        assert [(o.uid, o.status) for o in report.outcomes] == [("app-key", "done"), ("bystander", "done")]
        assert "bystander: done (tags now: pci)" in text_of(pilot.app, "#bulk-run-problems")
        await pilot.press("enter")
        await settle(pilot)
        await wait_until(pilot, lambda: "pci" in screen.table.get_row("bystander").tags, what="the tags")
        assert "other" not in screen.table.get_row("bystander").tags and "pci" in screen.table.get_row("app-key").tags
        # grant: the dialog once, a grant on each marked object
        await pilot.press("g")
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "GrantModal", what="the grant dialog")
        modal = pilot.app.screen
        modal.query_one("#grant-user", Input).value = "carol"
        modal.query_one("#grant-operations").select("encrypt")
        await pilot.press("ctrl+s")
        report = await _each_run(pilot)
        assert [(o.uid, o.status) for o in report.outcomes] == [("app-key", "done"), ("bystander", "done")]
        await pilot.press("enter")
        await settle(pilot)
        for key in ("app-key", "bystander"):
            listed = httpx.get(sandbox.url + f"/access/list/{key}").json()
            assert ["encrypt"] in [e["operations"] for e in listed if e["user_id"] == "carol"], listed
        # export: the pair's private key exports its public key; a symmetric key has none
        await pilot.press("asterisk")
        await pilot.press("asterisk")
        await _mark(pilot, screen, ["pair-sk", "app-key"])
        await pilot.press("e")
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "PromptModal", what="the folder prompt")
        pilot.app.screen.query_one(Input).value = str(tmp_path)
        await pilot.press("enter")
        report = await _each_run(pilot)
        assert [(o.uid, o.status, o.detail) for o in report.outcomes] == [
            ("pair-sk", "done", "wrote pair-sk_pk.pem"),
            ("app-key", "skipped", "no public part (a symmetric key or secret)"),
        ]
        await pilot.press("enter")
        await settle(pilot)
        await wait_until(pilot, lambda: (tmp_path / "pair-sk_pk.pem").exists(), what="the PEM file")
        assert (tmp_path / "pair-sk_pk.pem").read_text().startswith("-----BEGIN PUBLIC KEY-----")
        assert not (tmp_path / "app-key.pem").exists()


async def _on_every_row(pilot, count: int, key: str, modal: str) -> None:
    """The objects screen with ``count`` rows, all marked (``*``), then ``key`` up to ``modal``."""
    screen = await _objects(pilot)
    await wait_until(pilot, lambda: screen.table.total == count, what=f"{count} rows")
    await pilot.press("asterisk")
    await pilot.press(key)
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == modal, what=modal)


async def _stop_mid_run(pilot, modal: str, at: int):
    """Once the run modal has sent ``at`` objects, s; the report when the run has stopped."""
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == modal, what="the run")
    run = pilot.app.screen
    await wait_until(pilot, lambda: run.query_one("#bulk-run-bar").progress >= at, what="some progress")
    await pilot.press("s")
    await wait_until(pilot, lambda: run.report is not None, what="the stop")
    return run.report


async def _each_run(pilot):
    """The report of the progress modal a bulk tags/grant/export opens, once its run has ended."""
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "EachRunModal", what="the run")
    run = pilot.app.screen
    await wait_until(pilot, lambda: run.report is not None, what="the end of the run")
    await pilot.pause()
    return run.report


@pytest.mark.asyncio
async def test_read_only_refuses_bulk_actions(sandbox, sandbox_conf, console_factory):
    populate(sandbox.url)
    app = console_factory(conf=sandbox_conf, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _objects(pilot)
        await _mark(pilot, screen, ["app-key", "kek-1"])
        await pilot.press("d")
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "ObjectsScreen"


async def _preview_shot(pilot):
    screen = await _objects(pilot)
    await _preview(pilot, screen)
    pilot.app.clear_notifications()  # the "reading…" toast: its timing is not the screen's
    await pilot.pause()


def test_bulk_preview_snapshot_80x24(snap_compare, sandbox, sandbox_console):
    populate(sandbox.url)
    assert snap_compare(sandbox_console, run_before=_preview_shot, terminal_size=(80, 24))


@pytest.fixture
def slow_console(sandbox, console_factory, tmp_path):
    """The console on the sandbox through a proxy that answers each request 10 ms late (a long
    run stays long enough to be stopped on any machine)."""
    from tests.client.support.fault_proxy import FaultProxy

    proxy = FaultProxy(sandbox.url).start()
    proxy.mode, proxy.delay = "delay", 0.01
    conf = tmp_path / "slow-ckms.toml"
    conf.write_text(f'[http_config]\nserver_url = "{proxy.url}"\n')
    conf.chmod(0o600)
    yield console_factory(conf=conf)
    proxy.stop()


@pytest.mark.asyncio
async def test_a_long_run_stops_between_objects_and_reports_each(sandbox, slow_console):
    """600 marked keys: s stops the run; each object is done or not sent, as the server holds."""
    ids = await _many_keys(sandbox.url, 600, "many")
    async with slow_console.run_test(size=(120, 40)) as pilot:
        await _on_every_row(pilot, 600, "v", "BulkPreviewModal")
        pilot.app.screen.query_one("#bulk-count", Input).value = "600"
        await pilot.press("enter")
        report = await _stop_mid_run(pilot, "BulkRunModal", 20)
        assert report.stopped == "stopped by you"
        tally = report.tally()
        assert tally["not_sent"] > 0 and tally["done"] >= 20 and tally["done"] + tally["not_sent"] == 600
        kms = Kmip(sandbox.url)
        states = {o.uid: o.status for o in report.outcomes}
        for key in ids[::25]:  # a sample of each outcome is what the server holds
            assert kms.state(key) == ("Deactivated" if states[key] == "done" else "Active")
        kms.close()
        assert "not sent; stopped by you" in text_of(pilot.app, "#bulk-run-status")


async def _many_keys(url: str, count: int, tag: str) -> list[str]:
    import asyncio

    from kms_tui.client import ConnectionSettings, KmsClient
    from kms_tui.client import requests as rq

    async def make() -> list[str]:
        async with KmsClient(ConnectionSettings(server_url=url)) as client:
            made = await client.batch([rq.create_symmetric_key("AES", 128, tags=(tag,)) for _ in range(count)])
        return [str(r.unwrap().get_value("UniqueIdentifier")) for r in made]

    return await asyncio.get_running_loop().run_in_executor(None, lambda: asyncio.run(make()))


@pytest.mark.asyncio
async def test_bulk_tags_show_progress_stop_between_objects_and_report_each(sandbox, slow_console):
    """300 marked keys get a tag one by one: the progress bar moves, s stops between objects, each
    object is done (the server has the tag) or not sent (it has not)."""
    ids = await _many_keys(sandbox.url, 300, "lot")
    async with slow_console.run_test(size=(120, 40)) as pilot:
        await _on_every_row(pilot, 300, "T", "PromptModal")
        pilot.app.screen.query_one(Input).value = "audited"
        await pilot.press("enter")
        report = await _stop_mid_run(pilot, "EachRunModal", 10)
        tally = report.tally()
        assert report.stopped == "stopped by you"
        assert tally["done"] >= 10 and tally["not_sent"] > 0 and tally["done"] + tally["not_sent"] == 300
        assert "not sent; stopped by you" in text_of(pilot.app, "#bulk-run-status")
        owned = {
            e["object_id"]: str(e["attributes"].get("Attribute"))
            for e in httpx.get(sandbox.url + "/access/owned", timeout=30).json()
        }  # tags as the server holds them
        status = {o.uid: o.status for o in report.outcomes}
        assert all(("audited" in owned[key]) == (status[key] == "done") for key in ids)


async def _tags_run_shot(pilot):
    screen = await _objects(pilot)
    await _mark(pilot, screen, ["app-key", "bystander", "kek-1"])
    await pilot.press("T")
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "PromptModal", what="the tags prompt")
    pilot.app.screen.query_one(Input).value = "pci"
    await pilot.press("enter")
    await _each_run(pilot)
    pilot.app.clear_notifications()
    await pilot.pause()


def test_bulk_tags_run_snapshot_80x24(snap_compare, sandbox, sandbox_console):
    populate(sandbox.url)
    assert snap_compare(sandbox_console, run_before=_tags_run_shot, terminal_size=(80, 24))
