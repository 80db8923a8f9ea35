"""Add and remove the highlighted object's tags from the objects screen (a mixin).

``T`` opens :class:`~kms_tui.tui.modals.tags.TagsModal`; the change runs in a ``destructive``
worker through :func:`kms_tui.client.attributes.change_tags` (Cosmian's tag API, read back), and
the row is refreshed in place from the server (:class:`RowsChanged`), as after a revoke.
"""

from __future__ import annotations

from typing import Any

from textual import work

from kms_tui.client.attributes import change_tags
from kms_tui.safetext import visible
from kms_tui.tui.modals.tags import TagsModal, TagsRequest
from kms_tui.tui.objects import actions
from kms_tui.tui.objects.lifecycle import RowsChanged


class TagActions:
    """Mixed into ``ObjectsScreen`` (next to ``LifecycleActions``, whose ``_writable_row`` it uses)."""

    client: Any

    def action_edit_tags(self) -> None:
        row = self._writable_row("change tags")  # type: ignore[attr-defined]
        if row is not None:
            self.app.push_screen(TagsModal(row), self._tags_chosen)  # type: ignore[attr-defined]

    def _tags_chosen(self, request: TagsRequest | None) -> None:
        if request is not None:
            self.run_tags(request)

    @work(exit_on_error=False, group="destructive")
    async def run_tags(self, request: TagsRequest) -> None:
        after = await change_tags(self.client, request.uid, add=request.add, remove=request.remove)
        rows, gone = await actions.fetch_rows(self.client, [request.uid])
        shown = ", ".join(visible(t) for t in after) or "none"
        self.post_message(RowsChanged(f"Tags of {visible(request.uid)}: {shown}", rows, gone))  # type: ignore[attr-defined]
