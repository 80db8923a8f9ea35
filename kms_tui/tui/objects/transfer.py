"""Import (``i``) and export (``e``) on the objects screen (:class:`Transfer`, owned by it).

Import: a file picker, then the preview of what the file holds (nothing is sent before the
user confirms there), then the Imports in a ``destructive``-group worker; the new rows appear
and the main one is selected. Export: the fresh states around the object are read first (a
revoked key asks "Export anyway?"), then the dialog; private or symmetric material is written
only after a confirmation that names it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from textual.message import Message

from kms_tui.safetext import visible
from kms_tui.tui.modals.confirm import ConfirmationModal
from kms_tui.tui.modals.file_picker import FilePickerModal
from kms_tui.tui.objects import actions, guards
from kms_tui.tui.objects.lifecycle import RowsChanged
from kms_tui.tui.objects.rows import ObjectRow
from kms_tui.tui.transfer.export_dialog import PUBLIC_PEM, ExportModal, ExportRequest, export_target, material_of
from kms_tui.tui.transfer.import_preview import ImportPreviewModal, ImportRequest

if TYPE_CHECKING:
    from kms_tui.tui.objects.screen import ObjectsScreen

EXPORTABLE = ("PublicKey", "PrivateKey", "SymmetricKey", "Certificate", "SecretData", "OpaqueObject")
MAX_IMPORT_BYTES = 16 * 1024 * 1024


@dataclass
class ExportChecked(Message):
    """The states around an export were read: ``question`` is asked first when not None."""

    uid: str
    object_type: str
    question: str | None
    public_uid: str | None = None
    algorithm: str = ""  # for the ckms command `!` shows (rsa keys / ec keys)
    wrapped_by: str = ""  # the object is stored wrapped by this key (its WrappingKeyLink)


class Transfer:
    """Owned by the objects screen (``screen.transfer``): ``i`` imports, ``e`` exports (to the
    screen's ``export_dir``)."""

    def __init__(self, screen: ObjectsScreen) -> None:
        self.screen = screen

    def _run(self, work: Callable[..., Coroutine[Any, Any, None]], *args: Any) -> None:
        self.screen.run_for(partial(work, *args), "destructive")

    # -- import --------------------------------------------------------------------------------
    def start_import(self) -> None:
        screen = self.screen
        if screen.app.refuse_if_read_only("import"):
            return
        if screen.client is None:
            screen.notify("Not connected: Ctrl+O connects first.", severity="warning")
            return
        screen.app.push_screen(
            FilePickerModal("Import a key, certificate, chain or PKCS#12", screen.export_dir), self.import_file
        )

    def import_file(self, path: Path | None) -> None:
        """Preview the file at ``path`` (the picker's choice); the import follows the preview."""
        screen = self.screen
        if path is None:
            return
        try:
            if path.stat().st_size > MAX_IMPORT_BYTES:
                screen.notify(
                    f"{visible(str(path))} is larger than 16 MiB: not a key file.", severity="warning", markup=False
                )
                return
            data = path.read_bytes()
        except OSError as exc:
            screen.notify(f"Cannot read {visible(str(path))}: {exc.strerror or exc}", severity="error", markup=False)
            return
        screen.app.push_screen(ImportPreviewModal(path, data), self._import_chosen)

    def _import_chosen(self, request: ImportRequest | None) -> None:
        if request is not None:
            self._run(self._import, request)

    async def _import(self, request: ImportRequest) -> None:
        from kms_tui.client.transfer import import_files

        client = self.screen.client
        kek = request.options.wrap_key
        if kek:  # said here, not as the server's bare 500
            await import_files.check_wrapping_key(client, request.plan, kek)
        ids = await import_files.send(client, request.plan, request.options)
        wanted = list(ids)
        if request.plan.format == "pkcs12" and ids[-1].endswith("_sk"):
            leaf = ids[-1][:-3]
            wanted += [leaf, leaf + "_pk"]
        rows, _gone = await actions.fetch_rows(client, wanted)
        what = f"{len(wanted)} objects" if len(wanted) > 1 else "1 object"
        how = f", stored wrapped by {visible(kek)}" if kek else ""
        self.screen.post_message(
            RowsChanged(
                f"Imported {what} from {visible(request.path.name)} ({request.plan.format}): {visible(ids[-1])}{how}",
                rows,
                select=ids[-1],
            )
        )

    # -- export --------------------------------------------------------------------------------
    def start_export(self) -> None:
        screen = self.screen
        if screen.app.refuse_if_read_only("export to a file"):
            return
        row = screen.table.current
        if row is None:
            screen.notify("Select a key, certificate or secret to export.", severity="warning")
            return
        if screen.client is None:
            screen.notify("Not connected: Ctrl+O connects first.", severity="warning")
            return
        if row.object_type not in EXPORTABLE:
            screen.notify(f"A {row.object_type or 'this object'} cannot be exported.", severity="warning")
            return
        target = export_target(row)
        screen.run_for(partial(self._check_export, row, target[0] if target else None), "export-check", exclusive=True)

    async def _check_export(self, row: ObjectRow, public_uid: str | None) -> None:
        """Read the fresh state of the object and of the keys it belongs with (worker)."""
        client = self.screen.client
        wanted = list(dict.fromkeys([i for i in (row.uid, public_uid) if i] + guards.linked_ids(row)))
        rows, _gone = await actions.fetch_rows(client, wanted)
        found = {r.uid: r for r in rows}
        more = [i for r in rows for i in guards.linked_ids(r) if i not in found]  # a certificate's key's partner
        if more:
            extra, _gone = await actions.fetch_rows(client, list(dict.fromkeys(more)))
            found.update((r.uid, r) for r in extra)
        target = found.get(public_uid or row.uid) or found.get(row.uid)
        question = guards.export_warning(target, [found[i] for i in found if i != target.uid]) if target else None
        fresh = found.get(row.uid) or row
        self.screen.post_message(
            ExportChecked(
                row.uid, row.object_type, question, public_uid, row.algorithm, fresh.links.get("WrappingKeyLink", "")
            )
        )

    def export_checked(self, message: ExportChecked) -> None:
        """Ask about a revoked key first (``message.question``), then open the export dialog."""
        app = self.screen.app

        def ask(confirmed: bool | None = True) -> None:
            if confirmed:
                app.push_screen(
                    ExportModal(
                        message.uid,
                        message.object_type,
                        directory=self.screen.export_dir,
                        public_uid=message.public_uid,
                        algorithm=message.algorithm,
                        wrapped_by=message.wrapped_by,
                    ),
                    self._export_chosen,
                )

        if message.question is None:
            ask()
            return
        app.push_screen(
            ConfirmationModal(escape(message.question), confirm_label="Export anyway", title="The key is revoked"), ask
        )

    def _export_chosen(self, request: ExportRequest | None) -> None:
        if request is None:
            return
        material = material_of(request.object_type, request.format)
        if material is None:
            self._run(self._export, request)
            return
        how = "in the clear"
        if request.wrap_key:
            how = f"wrapped by {visible(request.wrap_key)}"
        elif request.stored_wrapped_by and not request.unwrap:
            how = f"as stored, wrapped by {visible(request.stored_wrapped_by)}"
        question = (
            f"Write the {material} {visible(request.uid)} {how} to {visible(str(request.path))}?\n"
            "The file is created readable by you only (0600); anyone who reads it holds the key."
        )
        self.screen.app.push_screen(
            ConfirmationModal(escape(question), confirm_label="Write it", title=f"Export a {material.split(' (')[0]}"),
            lambda ok: self._run(self._export, request) if ok else None,
        )

    async def _export(self, request: ExportRequest) -> None:
        client = self.screen.client
        if request.format == PUBLIC_PEM:
            actions.save_pem(request.path, await actions.export_pem(client, request.uid))
            self.screen.post_message(RowsChanged(f"Wrote {request.object_type} PEM to {visible(request.path)}"))
            return
        from kms_tui.client.transfer import export_files

        fmt = export_files.format_named(request.format)
        out = await export_files.export_to_file(
            client,
            request.uid,
            request.object_type,
            fmt,
            request.path,
            wrap_key=request.wrap_key or None,
            wrap_alg=request.wrap_alg or None,
            pkcs12_password=request.password,
            unwrap=request.unwrap,
            allow_revoked=True,
            force=request.overwrite,
        )
        self.screen.post_message(
            RowsChanged(
                f"Wrote {visible(out['type'])} {visible(out['id'])} as {fmt.name} to "
                f"{visible(out['file'])} (mode {out['mode']})"
            )
        )
