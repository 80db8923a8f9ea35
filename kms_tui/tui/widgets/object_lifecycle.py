"""Create, activate, revoke, destroy and export for the objects screen (a mixin).

Each action checks read-only mode first (refusing with the reason), opens its form, and runs
the request in a ``destructive``-group worker: a failure becomes the app's error modal with the
client's message and fix. Workers post :class:`RowsChanged`; the screen updates the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual import work
from textual.message import Message

from kms_tui.tui.modals.create_key import CreateKeyModal, CreateKeyRequest
from kms_tui.tui.modals.destroy import DestroyModal, DestroyRequest
from kms_tui.tui.modals.export import ExportModal, ExportRequest, export_target
from kms_tui.tui.modals.revoke import RevokeModal, RevokeRequest
from kms_tui.tui.widgets import object_actions as actions
from kms_tui.tui.widgets.object_rows import ObjectRow


@dataclass
class RowsChanged(Message):
    """An action finished: refresh/drop rows, maybe select one, tell the user."""

    notice: str
    rows: list[ObjectRow] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    select: str | None = None


class LifecycleActions:
    """Mixed into ``ObjectsScreen``: needs ``table``, ``client``, ``export_dir`` and the app."""

    table: Any
    client: Any
    export_dir: Any

    def _writable_row(self, what: str) -> ObjectRow | None:
        """The current row if a write may start; else None and the user is told why."""
        if self.app.refuse_if_read_only(what):
            return None
        row = self.table.current
        if row is None:
            self.notify(f"Select an object to {what}.", severity="warning")
        return row

    def action_create(self) -> None:
        if self.app.refuse_if_read_only("create"):
            return
        if self.client is None:
            self.notify("Not connected: Ctrl+O connects first.", severity="warning")
            return
        self.app.push_screen(CreateKeyModal(), self._create_chosen)

    def _create_chosen(self, request: CreateKeyRequest | None) -> None:
        if request is not None:
            self.run_create(request)

    @work(exit_on_error=False, group="destructive")
    async def run_create(self, request: CreateKeyRequest) -> None:
        ids = await actions.create_key(self.client, request.kind, name=request.name, tags=request.tags,
                                       activate=request.activate)
        rows, _gone = await actions.fetch_rows(self.client, ids)
        self.post_message(RowsChanged(f"Created {request.kind.label}: {ids[0]}", rows, select=ids[0]))

    def action_activate(self) -> None:
        row = self._writable_row("activate")
        if row is None:
            return
        if row.state != "PreActive":
            self.notify(f"Only pre-active objects can be activated; this one is {row.state}.", severity="warning")
            return
        self.run_activate(row.uid)

    @work(exit_on_error=False, group="destructive")
    async def run_activate(self, uid: str) -> None:
        await self.client.activate(uid)
        rows, gone = await actions.fetch_rows(self.client, [uid])
        self.post_message(RowsChanged(f"Activated {uid}", rows, gone))

    def action_revoke(self) -> None:
        row = self._writable_row("revoke")
        if row is not None:
            self.app.push_screen(RevokeModal(row, now=self.app.clock()), self._revoke_chosen)

    def _revoke_chosen(self, request: RevokeRequest | None) -> None:
        if request is not None:
            self.run_revoke(request, self._with_linked(request.uid, request.cascade))

    @work(exit_on_error=False, group="destructive")
    async def run_revoke(self, request: RevokeRequest, affected: list[str]) -> None:
        await self.client.revoke(request.uid, request.reason, message=request.message,
                                 compromise_date=request.compromise_date, cascade=request.cascade)
        rows, gone = await actions.fetch_rows(self.client, affected)
        self.post_message(RowsChanged(f"Revoked {request.uid} ({request.reason})", rows, gone))

    def action_destroy(self) -> None:
        row = self._writable_row("destroy")
        if row is not None:
            self.app.push_screen(DestroyModal(row), self._destroy_chosen)

    def _destroy_chosen(self, request: DestroyRequest | None) -> None:
        if request is not None:
            self.run_destroy(request, self._with_linked(request.uid, request.cascade))

    @work(exit_on_error=False, group="destructive")
    async def run_destroy(self, request: DestroyRequest, affected: list[str]) -> None:
        if request.revoke_first:
            await self.client.revoke(request.uid, request.revoke_first, message="revoked before destroy",
                                     cascade=request.cascade)
        await self.client.destroy(request.uid, remove=request.remove, cascade=request.cascade)
        verb = "Removed" if request.remove else "Destroyed"
        if request.remove:
            self.post_message(RowsChanged(f"{verb} {request.uid}", gone=affected))
            return
        rows, gone = await actions.fetch_rows(self.client, affected)
        self.post_message(RowsChanged(f"{verb} {request.uid}", rows, gone))

    def _with_linked(self, uid: str, cascade: bool) -> list[str]:
        """``uid`` and, with cascade, its linked key: the rows to refresh (read before the worker)."""
        row = self.table.get_row(uid)
        linked = row.linked_key if row is not None and cascade else None
        return [uid, linked] if linked else [uid]

    def action_export(self) -> None:
        if self.app.refuse_if_read_only("export to a file"):
            return
        row = self.table.current
        if row is None:
            self.notify("Select a public key, private key or certificate to export.", severity="warning")
            return
        target = export_target(row)
        if target is None:
            self.notify(f"A {row.object_type or 'this object'} has no public part to export; "
                        "select a key pair's key or a certificate.", severity="warning")
            return
        self.app.push_screen(ExportModal(*target, directory=self.export_dir), self._export_chosen)

    def _export_chosen(self, request: ExportRequest | None) -> None:
        if request is not None:
            self.run_export(request)

    @work(exit_on_error=False, group="destructive")
    async def run_export(self, request: ExportRequest) -> None:
        actions.save_pem(request.path, await actions.export_pem(self.client, request.uid))
        self.post_message(RowsChanged(f"Wrote {request.object_type} PEM to {request.path}"))

