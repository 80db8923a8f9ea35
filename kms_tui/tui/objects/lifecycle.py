"""Create, activate, revoke and destroy for the objects screen (:class:`Lifecycle`, owned by the
screen; import and export: :mod:`kms_tui.tui.objects.transfer`).

Each action checks read-only mode first (refusing with the reason), opens its form, and runs
the request in a ``destructive``-group worker of the screen: a failure becomes the app's error modal with the
client's message and fix. Workers post :class:`RowsChanged`; the screen updates the table.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.message import Message

from kms_tui.safetext import visible
from kms_tui.tui.modals.create_key import CreateKeyModal, CreateKeyRequest
from kms_tui.tui.modals.destroy import DestroyModal, DestroyRequest
from kms_tui.tui.modals.revoke import RevokeModal, RevokeRequest
from kms_tui.tui.objects import actions, guards
from kms_tui.tui.objects.rows import ObjectRow

if TYPE_CHECKING:
    from kms_tui.tui.objects.screen import ObjectsScreen


@dataclass
class RowsChanged(Message):
    """An action finished: refresh/drop rows, maybe select one, tell the user."""

    notice: str
    rows: list[ObjectRow] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    select: str | None = None


class Lifecycle:
    """Owned by the objects screen (``screen.lifecycle``): ``n`` create, ``a`` activate, ``v``
    revoke and ``d`` destroy of the highlighted object. The screen refuses actions the object's
    state does not allow (:mod:`kms_tui.tui.objects.guards`) before they get here."""

    def __init__(self, screen: ObjectsScreen) -> None:
        self.screen = screen

    def _run(self, work: Callable[..., Coroutine[Any, Any, None]], *args: Any) -> None:
        self.screen.run_for(partial(work, *args), "destructive")

    def create(self) -> None:
        screen = self.screen
        if screen.app.refuse_if_read_only("create"):
            return
        if screen.client is None:
            screen.notify("Not connected: Ctrl+O connects first.", severity="warning")
            return
        screen.app.push_screen(CreateKeyModal(), self._create_chosen)

    def _create_chosen(self, request: CreateKeyRequest | None) -> None:
        if request is not None:
            self._run(self._create, request)

    async def _create(self, request: CreateKeyRequest) -> None:
        client = self.screen.client
        ids = await actions.create_key(
            client,
            request.kind,
            name=request.name,
            tags=request.tags,
            activate=request.activate,
            value=request.value,
            length=request.length,
        )
        from kms_tui.tui.rotation.create_fields import enrol  # the dialog's rotation policy, as headless

        await enrol(client, ids[0], request.rotation)
        rows, _gone = await actions.fetch_rows(client, ids)
        self.screen.post_message(RowsChanged(f"Created {request.kind.label}: {visible(ids[0])}", rows, select=ids[0]))

    def activate(self) -> None:
        row = self.screen.writable_row("activate")
        if row is None:
            return
        if self.screen.refused_by_state("activate", row):
            return
        self._run(self._activate, row.uid)

    async def _activate(self, uid: str) -> None:
        client = self.screen.client
        await client.activate(uid)
        rows, gone = await actions.fetch_rows(client, [uid])
        self.screen.post_message(RowsChanged(f"Activated {visible(uid)}", rows, gone))

    def revoke(self) -> None:
        row = self.screen.writable_row("revoke")
        if row is not None and not self.screen.refused_by_state("revoke", row):
            self.screen.app.push_screen(RevokeModal(row, now=self.screen.app.clock()), self._revoke_chosen)

    def _revoke_chosen(self, request: RevokeRequest | None) -> None:
        if request is not None:
            affected = self._with_linked(request.uid, request.cascade)
            self.screen.app.confirm_production(
                f"Revoke {visible(request.uid)}", lambda: self._run(self._revoke, request, affected)
            )

    async def _revoke(self, request: RevokeRequest, affected: list[str]) -> None:
        client = self.screen.client
        await client.revoke(
            request.uid,
            request.reason,
            message=request.message,
            compromise_date=request.compromise_date,
            cascade=request.cascade,
        )
        rows, gone = await actions.fetch_rows(client, affected)
        self.screen.post_message(RowsChanged(f"Revoked {visible(request.uid)} ({request.reason})", rows, gone))

    def destroy(self) -> None:
        row = self.screen.writable_row("destroy")
        if row is not None:
            self.screen.app.push_screen(DestroyModal(row), self._destroy_chosen)

    def _destroy_chosen(self, request: DestroyRequest | None) -> None:
        if request is not None:
            affected = self._with_linked(request.uid, request.cascade)
            self.screen.app.confirm_production(
                f"Destroy {visible(request.uid)}", lambda: self._run(self._destroy, request, affected)
            )

    async def _destroy(self, request: DestroyRequest, affected: list[str]) -> None:
        client = self.screen.client
        if request.revoke_first:
            await client.revoke(
                request.uid, request.revoke_first, message="revoked before destroy", cascade=request.cascade
            )
        await client.destroy(request.uid, remove=request.remove, cascade=request.cascade)
        # what the server says now, not what was asked: every object removed (or destroyed) is named
        rows, gone = await actions.fetch_rows(client, affected)
        if request.remove:
            notice = "Removed for good: " + ", ".join(visible(uid) for uid in gone) if gone else "Nothing was removed"
            if rows:
                notice += "; still there: " + ", ".join(f"{visible(r.uid)} ({r.state})" for r in rows)
        else:
            done = [r for r in rows if r.state in guards.DESTROYED]
            notice = "Destroyed: " + ", ".join(visible(r.uid) for r in done) if done else "Nothing was destroyed"
            kept = [r for r in rows if r.state not in guards.DESTROYED]
            if kept:
                notice += "; not destroyed: " + ", ".join(f"{visible(r.uid)} ({r.state})" for r in kept)
        self.screen.post_message(RowsChanged(notice, rows, gone))

    def _with_linked(self, uid: str, cascade: bool) -> list[str]:
        """``uid`` and, with cascade, its linked key: the rows to refresh (read before the worker)."""
        row = self.screen.table.get_row(uid)
        linked = row.linked_key if row is not None and cascade else None
        return [uid, linked] if linked else [uid]
