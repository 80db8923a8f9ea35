"""Create, activate, revoke and destroy for the objects screen (a mixin; import and export:
:mod:`kms_tui.tui.objects.transfer`).

Each action checks read-only mode first (refusing with the reason), opens its form, and runs
the request in a ``destructive``-group worker: a failure becomes the app's error modal with the
client's message and fix. Workers post :class:`RowsChanged`; the screen updates the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual import events, work
from textual.message import Message

from kms_tui.safetext import visible
from kms_tui.tui.modals.create_key import CreateKeyModal, CreateKeyRequest
from kms_tui.tui.modals.destroy import DestroyModal, DestroyRequest
from kms_tui.tui.modals.revoke import RevokeModal, RevokeRequest
from kms_tui.tui.objects import actions, guards
from kms_tui.tui.objects.rows import ObjectRow


@dataclass
class RowsChanged(Message):
    """An action finished: refresh/drop rows, maybe select one, tell the user."""

    notice: str
    rows: list[ObjectRow] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    select: str | None = None


class LifecycleActions:
    """Mixed into ``ObjectsScreen``: needs ``table``, ``client`` and the app.

    Actions the highlighted object's state does not allow (``object_guards.refusal``) are
    disabled in the footer and the palette, and refused with the reason when invoked anyway."""

    table: Any
    client: Any
    _guard_state: tuple[bool, ...] = ()
    _guard_keys: frozenset[str] | None = None

    # -- what the state allows ----------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        allowed = super().check_action(action, parameters)  # read-only mode first
        if allowed and action in guards.GUARDED_ACTIONS and self.is_mounted:
            if guards.refusal(action, self.table.current) is not None:
                return None  # shown disabled; invoking it says why
        return allowed

    def refresh_guards(self) -> None:
        """Rebuild the footer when the highlighted object allows other actions than before."""
        signature = guards.allowed_signature(self.table.current)
        if signature != self._guard_state:
            self._guard_state = signature
            self.refresh_bindings()

    def on_key(self, event: events.Key) -> None:
        """A key of an action the state disables: say why instead of doing nothing."""
        if self._guard_keys is None:
            self._guard_keys = frozenset(key for key, active in self.active_bindings.items()
                                         if active.binding.action in guards.GUARDED_ACTIONS)
        if event.key not in self._guard_keys:
            return
        active = self.active_bindings.get(event.key)
        if active is not None and not active.enabled:
            event.stop()  # the action itself refuses, saying why (read-only mode first, then the state)
            getattr(self, f"action_{active.binding.action}")()

    def _refused_by_state(self, action: str, row: ObjectRow) -> bool:
        reason = guards.refusal(action, row)
        if reason:
            self.notify(reason, severity="warning", markup=False)
        return reason is not None

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
                                       activate=request.activate, value=request.value, length=request.length)
        from kms_tui.tui.rotation.create_fields import enrol  # the dialog's rotation policy, as headless

        await enrol(self.client, ids[0], request.rotation)
        rows, _gone = await actions.fetch_rows(self.client, ids)
        self.post_message(RowsChanged(f"Created {request.kind.label}: {visible(ids[0])}", rows, select=ids[0]))

    def action_activate(self) -> None:
        row = self._writable_row("activate")
        if row is None:
            return
        if self._refused_by_state("activate", row):
            return
        self.run_activate(row.uid)

    @work(exit_on_error=False, group="destructive")
    async def run_activate(self, uid: str) -> None:
        await self.client.activate(uid)
        rows, gone = await actions.fetch_rows(self.client, [uid])
        self.post_message(RowsChanged(f"Activated {visible(uid)}", rows, gone))

    def action_revoke(self) -> None:
        row = self._writable_row("revoke")
        if row is not None and not self._refused_by_state("revoke", row):
            self.app.push_screen(RevokeModal(row, now=self.app.clock()), self._revoke_chosen)

    def _revoke_chosen(self, request: RevokeRequest | None) -> None:
        if request is not None:
            affected = self._with_linked(request.uid, request.cascade)
            self.app.confirm_production(f"Revoke {visible(request.uid)}", lambda: self.run_revoke(request, affected))

    @work(exit_on_error=False, group="destructive")
    async def run_revoke(self, request: RevokeRequest, affected: list[str]) -> None:
        await self.client.revoke(request.uid, request.reason, message=request.message,
                                 compromise_date=request.compromise_date, cascade=request.cascade)
        rows, gone = await actions.fetch_rows(self.client, affected)
        self.post_message(RowsChanged(f"Revoked {visible(request.uid)} ({request.reason})", rows, gone))

    def action_destroy(self) -> None:
        row = self._writable_row("destroy")
        if row is not None:
            self.app.push_screen(DestroyModal(row), self._destroy_chosen)

    def _destroy_chosen(self, request: DestroyRequest | None) -> None:
        if request is not None:
            affected = self._with_linked(request.uid, request.cascade)
            self.app.confirm_production(f"Destroy {visible(request.uid)}", lambda: self.run_destroy(request, affected))

    @work(exit_on_error=False, group="destructive")
    async def run_destroy(self, request: DestroyRequest, affected: list[str]) -> None:
        if request.revoke_first:
            await self.client.revoke(request.uid, request.revoke_first, message="revoked before destroy",
                                     cascade=request.cascade)
        await self.client.destroy(request.uid, remove=request.remove, cascade=request.cascade)
        # what the server says now, not what was asked: every object removed (or destroyed) is named
        rows, gone = await actions.fetch_rows(self.client, affected)
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
        self.post_message(RowsChanged(notice, rows, gone))

    def _with_linked(self, uid: str, cascade: bool) -> list[str]:
        """``uid`` and, with cascade, its linked key: the rows to refresh (read before the worker)."""
        row = self.table.get_row(uid)
        linked = row.linked_key if row is not None and cascade else None
        return [uid, linked] if linked else [uid]
