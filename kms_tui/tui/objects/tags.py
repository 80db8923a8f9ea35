"""Add and remove the highlighted object's tags from the objects screen (:class:`TagEditor`, owned by it).

``T`` opens :class:`~kms_tui.tui.modals.tags.TagsModal`; the change runs in a ``destructive``
worker through :func:`kms_tui.client.attributes.change_tags` (Cosmian's tag API, read back), and
the row is refreshed in place from the server (:class:`RowsChanged`), as after a revoke.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from kms_tui.client.attributes import change_tags
from kms_tui.safetext import visible
from kms_tui.tui.modals.tags import TagsModal, TagsRequest
from kms_tui.tui.objects import actions
from kms_tui.tui.objects.lifecycle import RowsChanged

if TYPE_CHECKING:
    from kms_tui.tui.objects.screen import ObjectsScreen


class TagEditor:
    """Owned by the objects screen (``screen.tags``): ``T`` on one object (marked rows go to
    :mod:`kms_tui.tui.bulk`)."""

    def __init__(self, screen: ObjectsScreen) -> None:
        self.screen = screen

    def edit(self) -> None:
        row = self.screen.writable_row("change tags")
        if row is not None:
            self.screen.app.push_screen(TagsModal(row), self._chosen)

    def _chosen(self, request: TagsRequest | None) -> None:
        if request is not None:
            self.screen.run_for(partial(self._change, request), "destructive")

    async def _change(self, request: TagsRequest) -> None:
        client = self.screen.client
        after = await change_tags(client, request.uid, add=request.add, remove=request.remove)
        rows, gone = await actions.fetch_rows(client, [request.uid])
        shown = ", ".join(visible(t) for t in after) or "none"
        self.screen.post_message(RowsChanged(f"Tags of {visible(request.uid)}: {shown}", rows, gone))
