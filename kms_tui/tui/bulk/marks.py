"""Marks on the objects screen and the actions that apply to every marked row.

The screen owns one :class:`BulkMarks` and hands it its keys: space (:meth:`toggle`), ``*``
(:meth:`mark_shown`); before its own revoke, destroy, tags and export it asks :meth:`take`, which
runs the bulk form when rows are marked (and returns True) or leaves the single-row form to it.

Revoke and destroy: the listing and grants are read (:func:`kms_tui.client.bulk.gather`), the
preview asks for the count, the run modal sends each object's request once; the rows are then
read again. Tags: one tag change per object. Grant: the grant dialog once, then one grant per
object. Export: the PEM of each public key or certificate
(a private key's public key) into a folder, never over an existing file; revoked keys are left
out (e on the row exports one anyway, after a warning). Tags, grant and export run in the same
progress modal as revoke and destroy (:class:`~kms_tui.tui.bulk.run.EachRunModal`): s stops
between objects, each object's outcome is listed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from kms_tui.safetext import visible
from kms_tui.words import count

if TYPE_CHECKING:
    from kms_tui.tui.objects.screen import ObjectsScreen

REVOKED = ("Compromised", "Deactivated", "Destroyed", "Destroyed_Compromised")


class BulkMarks:
    def __init__(self, screen: ObjectsScreen) -> None:
        self.screen = screen
        self.marked: dict[str, None] = {}  # ids, in the order they were marked

    # -- marking ---------------------------------------------------------------------------
    @property
    def count(self) -> int:
        return len(self.marked)

    def sync(self) -> None:
        """Show the marks as they are now (the table's gutter, the status line's count)."""
        self.screen.table.set_marks(frozenset(self.marked))
        self.screen.refresh_counts()

    _changed = sync

    def toggle(self) -> None:
        """Mark or unmark the row under the cursor, then move to the next row."""
        row = self.screen.table.current
        if row is None:
            return
        if row.uid in self.marked:
            del self.marked[row.uid]
        else:
            self.marked[row.uid] = None
        self._changed()
        self.screen.table.action_cursor(1)

    def mark_shown(self) -> None:
        """Mark every row the filter shows; if they all are marked already, unmark them."""
        shown = [r.uid for r in self.screen.table.shown_rows]
        if shown and all(u in self.marked for u in shown):
            for uid in shown:
                self.marked.pop(uid, None)
        else:
            self.marked.update(dict.fromkeys(shown))
        self._changed()

    def forget(self, uids: Any) -> None:
        """Rows gone from the server are no longer marked."""
        if any(u in self.marked for u in uids):
            for uid in uids:
                self.marked.pop(uid, None)
            self._changed()

    def clear(self) -> None:
        if self.marked:
            self.marked.clear()
            self._changed()

    def status(self) -> str:
        """For the status line: `` · 3 marked (v d T g e act on them)``."""
        return f" · {self.count:,} marked (v d T g e act on them)" if self.marked else ""

    def _loaded(self) -> list[str]:
        table = self.screen.table
        return [u for u in self.marked if table.get_row(u) is not None]

    # -- acting ----------------------------------------------------------------------------
    def take(self, action: str) -> bool:
        """Run ``action`` (revoke, destroy, tags, grant, export) on the marked rows; False when none is
        marked (the screen then acts on the row under the cursor)."""
        if not self.marked:
            return False
        ids = self._loaded()
        what = {"tags": "change tags", "export": "export to files", "grant": "grant access"}.get(action, action)
        if self.screen.app.refuse_if_read_only(what):
            return True
        if self.screen.client is None:
            self.screen.notify("Not connected: Ctrl+O connects first.", severity="warning")
            return True
        if not ids:
            self.screen.notify("The marked rows are not loaded any more; mark rows again.", severity="warning")
            return True
        runner = {
            "revoke": self._lifecycle,
            "destroy": self._lifecycle,
            "tags": self._tags,
            "export": self._export,
            "grant": self._grant,
        }
        self.screen.run_worker(runner[action](action, ids), group="bulk", exclusive=True, exit_on_error=False)
        return True

    async def _lifecycle(self, action: str, ids: list[str]) -> None:
        from kms_tui.client import bulk
        from kms_tui.tui.bulk.preview import BulkPreviewModal
        from kms_tui.tui.bulk.run import BulkRunModal

        app, client = self.screen.app, self.screen.client
        self.screen.notify(f"Reading what the {action} of {count(len(ids), 'object')} would touch…")
        inputs = await bulk.gather(client, ids=ids)
        plan = await app.push_screen_wait(BulkPreviewModal(inputs, action))
        if plan is None:
            return
        report = await app.push_screen_wait(BulkRunModal(client, plan))
        done = [o.uid for o in report.outcomes if o.status == bulk.DONE]
        await self._refresh(
            list(dict.fromkeys([*ids, *plan.changing()])), f"Bulk {plan.verb()}: {report.summary()}", unmark=done
        )

    async def _refresh(self, uids: list[str], notice: str, *, unmark: list[str]) -> None:
        from kms_tui.tui.objects import actions
        from kms_tui.tui.objects.lifecycle import RowsChanged

        for uid in unmark:
            self.marked.pop(uid, None)
        rows, gone = await actions.fetch_rows(self.screen.client, uids)
        self.screen.post_message(RowsChanged(notice, rows, gone))

    async def _each(self, title: str, ids: list[str], act: Any) -> Any:
        """Run ``act`` on each object in the progress modal (s stops between objects; each
        outcome listed); the report once the user closes it."""
        from kms_tui.tui.bulk.run import EachRunModal

        return await self.screen.app.push_screen_wait(EachRunModal(title, ids, act))

    async def _tags(self, _action: str, ids: list[str]) -> None:
        from kms_tui.client import bulk
        from kms_tui.client.attributes import change_tags
        from kms_tui.tui.modals.prompt import PromptModal

        answer = await self.screen.app.push_screen_wait(
            PromptModal(
                f"Tags for the {len(ids):,} marked objects: words to add, -word to remove",
                placeholder="e.g. pci -old",
                check=_tag_problem,
            )
        )
        if not answer:
            return
        words = answer.split()
        add = [w for w in words if not w.startswith("-")]
        remove = [w[1:] for w in words if w.startswith("-")]

        async def act(uid: str) -> Any:
            now = await change_tags(self.screen.client, uid, add=add, remove=remove)
            return bulk.Outcome(
                uid, bulk.DONE, "tags now: " + (", ".join(visible(t) for t in now) or "none"), sent=True
            )

        report = await self._each(f"Tags {answer} on {count(len(ids), 'object')}", ids, act)
        await self._refresh(ids, f"Bulk tags {visible(answer)}: {report.summary()}", unmark=[])

    async def _grant(self, _action: str, ids: list[str]) -> None:
        from kms_tui.client import bulk
        from kms_tui.tui.modals.grant import GrantModal
        from kms_tui.tui.objects.lifecycle import RowsChanged

        request = await self.screen.app.push_screen_wait(GrantModal(f"the {len(ids):,} marked objects"))
        if request is None:
            return
        what = f"{', '.join(request.operations)} to {visible(request.user)}"

        async def act(uid: str) -> Any:
            await self.screen.client.grant(uid, request.user, list(request.operations))
            return bulk.Outcome(uid, bulk.DONE, f"granted {what}", sent=True)

        report = await self._each(f"Grant {what} on {count(len(ids), 'object')}", ids, act)
        self.screen.post_message(RowsChanged(f"Bulk grant of {what}: {report.summary()}"))

    async def _export(self, _action: str, ids: list[str]) -> None:
        from kms_tui.client import bulk
        from kms_tui.tui.modals.export import export_target, safe_file_name
        from kms_tui.tui.modals.prompt import PromptModal
        from kms_tui.tui.objects import actions
        from kms_tui.tui.objects.lifecycle import RowsChanged

        folder_text = await self.screen.app.push_screen_wait(
            PromptModal(
                f"Folder for the PEM files of the {len(ids):,} marked objects",
                value=str(self.screen.export_dir),
                check=_folder_problem,
            )
        )
        if not folder_text:
            return
        folder = Path(folder_text).expanduser()
        table = self.screen.table
        plans: dict[str, tuple[str, str]] = {}  # marked id -> (what is written, or "" and why not)
        written: set[str] = set()
        for uid in ids:
            row = table.get_row(uid)
            target = export_target(row) if row is not None else None
            if row is None or target is None:
                plans[uid] = ("", "no public part (a symmetric key or secret)")
            elif row.state in REVOKED:
                plans[uid] = ("", f"{row.state}: left out (e on the row exports it after a warning)")
            else:
                plans[uid] = (target[0], "")

        async def act(uid: str) -> Any:
            target, why_not = plans[uid]
            if not target:
                return bulk.Outcome(uid, bulk.SKIPPED, why_not)
            path = folder / safe_file_name(target)
            if target in written:
                return bulk.Outcome(uid, bulk.SKIPPED, f"{path.name} written already (same public key)")
            if path.exists():
                return bulk.Outcome(uid, bulk.SKIPPED, f"{path.name} exists: not overwritten")
            actions.save_pem(path, await actions.export_pem(self.screen.client, target))
            written.add(target)
            return bulk.Outcome(uid, bulk.DONE, f"wrote {path.name}", sent=True)

        report = await self._each(f"Export PEM of {count(len(ids), 'object')} to {visible(folder)}", ids, act)
        self.screen.post_message(RowsChanged(f"Bulk export to {visible(folder)}: {report.summary()}"))


def _tag_problem(text: str) -> str | None:
    words = text.split()
    if not words:
        return "Type at least one tag."
    for w in words:
        tag = w[1:] if w.startswith("-") else w
        if not tag or tag.startswith("_"):
            return f"{w!r}: a tag is not empty and does not start with '_'."
    return None


def _folder_problem(text: str) -> str | None:
    path = Path(text).expanduser()
    return None if path.is_dir() else f"{text} is not a folder."
