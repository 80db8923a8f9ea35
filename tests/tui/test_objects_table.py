"""The object table as a load fills it in slices: order, cursor, replaced rows, lazy cells."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult

from kms_tui.tui.objects.rows import ObjectRow, compile_text_filter, row_from_attributes
from kms_tui.tui.objects.table import ObjectTable

T0 = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


class TableApp(App):
    def compose(self) -> ComposeResult:
        yield ObjectTable()


def _row(n: int, owner: str = "") -> ObjectRow:
    # created out of order, some at the same second (ties keep load order)
    created = T0 + timedelta(seconds=(n * 7919) % 500)
    return ObjectRow(
        uid=f"id-{n:05d}",
        object_type="SymmetricKey",
        name=f"k{n}",
        created=created,
        owner=owner,
        tags=("ops",),
        system_tags=("_kk",),
    )


async def test_slices_merge_into_the_sorted_view_and_the_cursor_stays_on_its_object():
    async with TableApp().run_test(size=(100, 20)) as pilot:
        table = pilot.app.query_one(ObjectTable)
        rows = [_row(n) for n in range(3000)]
        table.add_rows(rows[:36])
        table.action_cursor(5)  # the user moves: the cursor stays on that object from now on
        watched = table.current
        for start in range(36, 3000, 100):
            table.add_rows(rows[start : start + 100])
        assert table.total == 3000
        expected = sorted(rows, key=lambda r: r.created, reverse=True)  # stable: ties in load order
        assert [r.uid for r in table.shown_rows] == [r.uid for r in expected]
        assert table.current is watched
        await pilot.pause()


async def test_a_listing_row_replaces_the_first_page_row_in_place():
    async with TableApp().run_test(size=(100, 20)) as pilot:
        table = pilot.app.query_one(ObjectTable)
        table.add_rows([_row(n) for n in range(50)])
        order = [r.uid for r in table.shown_rows]
        table.add_rows([_row(3, owner="admin"), _row(99)])
        assert table.get_row("id-00003").owner == "admin"
        assert [r.uid for r in table.shown_rows if r.uid != "id-00099"] == order
        table.sort_by("name")
        assert [r.name for r in table.shown_rows] == sorted(r.name for r in table.shown_rows)


def test_cells_filter_text_is_made_on_demand_and_rows_share_their_strings():
    row = _row(7)
    assert row._haystack is None
    assert compile_text_filter("k7 !zzz")(row) and not compile_text_filter("/^rsa/")(row)
    assert compile_text_filter("_kk")(row)  # system tags are searched too
    other = row_from_attributes("x", {"ObjectType": "Symmetric" + "Key", "tags": ["ops", "_kk"]})
    assert other.object_type is row.object_type and other.tags is row.tags and other.system_tags is row.system_tags
    assert other.links is _row(8).links  # no links: one shared empty mapping


async def test_rows_appended_off_screen_keep_the_window_and_extend_the_scrollbar():
    async with TableApp().run_test(size=(100, 20)) as pilot:
        table = pilot.app.query_one(ObjectTable)
        rows = sorted((_row(n) for n in range(2000)), key=lambda r: r.created, reverse=True)
        table.add_rows(rows[:100])  # the newest: the later slices sort below the window
        await pilot.pause()
        window = [r.uid for r in table._on_screen()]
        for start in range(100, 2000, 100):
            table.add_rows(rows[start : start + 100])
        await pilot.pause()
        assert [r.uid for r in table._on_screen()] == window
        assert table.vertical_scrollbar.window_virtual_size == 2001  # the thumb knows every row
        await pilot.press("end")  # scrolls to the last row: the scrollable height followed
        await pilot.pause()
        assert table.current is table.shown_rows[-1] and table._on_screen()[-1] is table.current
        await pilot.press("home")
        newest = ObjectRow(uid="id-newest", object_type="SymmetricKey", created=T0 + timedelta(days=1))
        table.add_rows([newest])  # sorts into the window: redrawn
        await pilot.pause()
        assert table._on_screen()[0] is newest and "id-newest" in pilot.app.export_screenshot().replace("&#45;", "-")


async def test_end_shows_the_last_row_on_the_bottom_line_and_home_the_first_on_top():
    async with TableApp().run_test(size=(100, 20)) as pilot:
        table = pilot.app.query_one(ObjectTable)
        table.focus()
        table.add_rows([_row(n) for n in range(300)])
        await pilot.pause()
        await pilot.press("end")
        await pilot.pause()
        last = table.shown_rows[-1]
        assert table.current is last
        assert table.scroll_y == table.max_scroll_y
        bottom = table.size.height - 1
        assert last.uid in table.render_line(bottom).text  # the last row on the last line
        await pilot.press("home")
        await pilot.pause()
        assert table.scroll_y == 0 and table.shown_rows[0].uid in table.render_line(1).text


async def test_rows_arriving_while_the_scrollbar_shows_can_all_be_scrolled_to():
    """The scrollable height grows without a screen layout (Textual's private API, behind
    set_virtual_size_quietly): on a Textual without it, or where it stops growing the scroll range,
    the last rows of a load could not be reached."""
    import textual

    from kms_tui.tui.objects.table import TEXTUAL_CHECKED

    assert textual.__version__ == TEXTUAL_CHECKED, "re-check set_virtual_size_quietly, then update TEXTUAL_CHECKED"
    async with TableApp().run_test(size=(100, 20)) as pilot:
        table = pilot.app.query_one(ObjectTable)
        table.sort_by("name", reverse=False)
        table.add_rows([_row(n) for n in range(100)])
        await pilot.pause()
        assert table.show_vertical_scrollbar
        table.add_rows([_row(n) for n in range(100, 400)])  # the quiet path: scrollbar before and after
        await pilot.pause()
        table.focus()
        await pilot.press("end")
        await pilot.pause()
        assert table.current is table.shown_rows[-1]
        assert table.max_scroll_y >= 400 + 1 - table.size.height  # every row can be scrolled into view
        lines = [table.render_line(y).text for y in range(table.size.height)]
        assert any(table.current.name in line for line in lines)


async def test_small_slices_into_a_large_view_keep_the_order_a_full_sort_gives():
    """A slice much smaller than the view is merged by bisection, not by sorting the view: the
    rows read in the same order as one sort of everything (ties: loaded first, shown first), by
    date either way and by a text column, and the undated rows last."""
    rows = [_row(n) for n in range(2400)]
    for n in range(0, 2400, 97):
        rows[n] = ObjectRow(uid=f"id-{n:05d}", object_type="SymmetricKey", name=f"k{n % 5}", created=None)
    for column, reverse in (("created", True), ("created", False), ("name", False)):
        async with TableApp().run_test(size=(100, 20)) as pilot:
            table = pilot.app.query_one(ObjectTable)
            table.sort_by(column, reverse=reverse)
            table.add_rows(rows[:2000])
            for start in range(2000, 2400, 40):  # 40 rows into 2,000: the bisection path
                table.add_rows(rows[start : start + 40])
            expected = sorted(rows, key=table._key, reverse=reverse)  # stable: ties in load order
            assert [r.uid for r in table.shown_rows] == [r.uid for r in expected]
            if column == "created":
                undated = {r.uid for r in rows if r.created is None}
                ends = table.shown_rows[-len(undated) :] if not reverse else table.shown_rows[: len(undated)]
                assert {r.uid for r in ends} == undated


async def test_a_staged_batch_reads_as_one_add_and_changes_nothing_on_screen_before_its_commit():
    """A large batch is merged into a copy of the view a slice at a time (keys pass between
    slices): until ``commit`` the table shows what it showed; after it, the same rows in the same
    order as one ``add_rows`` of the batch, the cursor on its object, a duplicate id the last."""
    rows = [_row(n) for n in range(6000)]
    async with TableApp().run_test(size=(100, 20)) as pilot:
        table = pilot.app.query_one(ObjectTable)
        table.add_rows(rows[:1000])
        table.action_cursor(7)
        watched = table.current
        newer = _row(1500, owner="admin")  # the same id twice in the batch: the last one stays
        staged = table.stage_rows([*rows[1000:], newer])
        before = [r.uid for r in table.shown_rows]
        steps = 0
        while not staged.step(700):
            steps += 1
            assert [r.uid for r in table.shown_rows] == before and table.total == 1000
        staged.commit()
        assert steps > 5
        reference = TableApp()
        async with reference.run_test(size=(100, 20)):
            plain = reference.query_one(ObjectTable)
            plain.add_rows(rows[:1000])
            plain.add_rows([*rows[1000:], newer])
            assert [r.uid for r in table.shown_rows] == [r.uid for r in plain.shown_rows]
        assert table.total == 6000 and table.current is watched
        assert table.get_row("id-01500").owner == "admin"


async def test_a_staged_batch_much_smaller_than_the_view_is_placed_by_bisection_in_the_same_order():
    """A batch under 1/16 of the view is merged a slice per step (each row's place found by
    bisection, the view copied once): the same order as one sort of everything, ties and
    undated rows included, in both directions and on a text column with many equal values."""
    rows = [_row(n) for n in range(4200)]
    for n in range(0, 4200, 89):
        rows[n] = ObjectRow(uid=f"id-{n:05d}", object_type="SymmetricKey", name=f"k{n % 5}", created=None)
    for column, reverse in (("created", True), ("created", False), ("name", False), ("name", True)):
        async with TableApp().run_test(size=(100, 20)) as pilot:
            table = pilot.app.query_one(ObjectTable)
            table.sort_by(column, reverse=reverse)
            table.add_rows(rows[:4000])
            staged = table.stage_rows(rows[4000:])  # 200 rows: 200 x 16 < 4,000
            steps = 0
            while not staged.step(40):
                steps += 1
            staged.commit()
            assert steps >= 2 * 200 // 40  # staged, then placed, each over several steps
            expected = sorted(rows, key=table._key, reverse=reverse)
            assert [r.uid for r in table.shown_rows] == [r.uid for r in expected], (column, reverse)


async def test_a_staged_batch_is_added_the_plain_way_if_the_table_changed_meanwhile():
    """A sort (or any other change) between two steps: the staged copy is stale, so the commit
    adds the rows as add_rows would, in the new order; nothing is lost or shown twice."""
    rows = [_row(n) for n in range(4000)]
    async with TableApp().run_test(size=(100, 20)) as pilot:
        table = pilot.app.query_one(ObjectTable)
        table.add_rows(rows[:500])
        staged = table.stage_rows(rows[500:])
        staged.step(1000)
        table.sort_by("name")
        while not staged.step(1000):
            pass
        staged.commit()
        assert table.total == 4000
        assert [r.uid for r in table.shown_rows] == [r.uid for r in sorted(rows, key=table._key)]
        await pilot.pause()


async def test_before_the_user_moves_the_cursor_stays_on_the_first_line_as_rows_arrive():
    """The first screenful (the oldest objects, as Locate lists them) goes down the newest-first
    list as the rest arrives: the cursor stays on the top line instead of following its object
    to the end of the list; once the user moves, it follows its object."""
    rows = [_row(n) for n in range(3000)]
    async with TableApp().run_test(size=(100, 20)) as pilot:
        table = pilot.app.query_one(ObjectTable)
        for _ in range(5):  # keys pressed before any row exists move nothing: nothing is placed
            table.action_cursor(1)
        table.action_jump(-1)
        table.add_rows(rows[:36])
        table.add_rows(rows[36:100])  # merged
        staged = table.stage_rows(rows[100:2500])  # staged
        while not staged.step(500):
            pass
        staged.commit()
        assert table.cursor == 0 and table.current is table.shown_rows[0] and table.scroll_y == 0
        table.action_cursor(3)
        watched = table.current
        table.add_rows(rows[2500:])
        assert table.current is watched
        table.clear()
        table.add_rows(rows[:36])
        table.add_rows(rows[36:])
        assert table.cursor == 0
        await pilot.pause()
