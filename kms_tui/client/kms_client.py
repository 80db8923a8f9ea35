"""``KmsClient``: the one client every screen, command and worker uses (ARCHITECTURE.md).

KMIP goes to ``POST /kmip/2_1`` as bare operations or RequestMessage batches; REST calls are in
:class:`kms_tui.client.rest.RestCalls`. Every call is retried per :class:`RetryPolicy`, mapped to
a :class:`KmsError` with a fix, and recorded in the audit trail.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kms_tui.client import errors
from kms_tui.client.errors import KmsError
from kms_tui.client.exchange import Exchange, body_text
from kms_tui.client.rest import RestCalls
from kms_tui.client.retry import OpKind, kind_of
from kms_tui.kmip.ttlv import TTLV, TTLVError, decode, encode

if TYPE_CHECKING:
    from kms_tui.audit import AuditTrail
    from kms_tui.client.decoder_process import ListingDecoder
    from kms_tui.client.exchange import Credentials
    from kms_tui.client.limits import AnswerLimits
    from kms_tui.client.listing import ObjectList
    from kms_tui.client.requests import LocateFilter
    from kms_tui.client.retry import RetryPolicy
    from kms_tui.client.settings import ConnectionSettings


# The request builders (kms_tui.client.requests, and the KMIP models under them) are imported by
# the first call that builds a KMIP request: REST calls (whoami, /version) never load them.

KMIP_PATH = "/kmip/2_1"
BATCH_CHUNK = 5000  # items per RequestMessage: ~10 MB of answers, far below the 64 MiB body limit


@dataclass
class BatchItemResult:
    """One item of a ResponseMessage."""

    operation: str
    status: str  # Success | OperationFailed | OperationPending | OperationUndone
    payload: TTLV | None
    reason: str = ""
    message: str = ""
    target: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "Success"

    @property
    def error(self) -> KmsError | None:
        if self.ok:
            return None
        return errors.from_server_reason(self.reason or self.status, self.message, self.operation, self.target)

    def unwrap(self) -> TTLV:
        """The payload, or the item's error raised."""
        err = self.error
        if err is not None:
            raise err
        return self.payload or TTLV.struct(f"{self.operation}Response")


def _target(op: TTLV) -> str:
    return str(op.get_value("UniqueIdentifier", "") or "")


def audit_details(op: TTLV) -> dict[str, str]:
    """What the user typed that the server does not keep, for the audit trail: a Revoke's reason
    code, message and compromise date (Cosmian 5.26 drops them: revoke.rs "TODO Reasons should
    be kept in the database"). An Import, Get or Export: the format and wrapping asked (no bytes,
    no password: :mod:`kms_tui.client.transfer.audit`)."""
    if op.tag in ("Import", "Get", "Export"):
        from kms_tui.client.transfer.audit import transfer_details

        return transfer_details(op)
    if op.tag != "Revoke":
        return {}
    try:
        reason = op.get("RevocationReason")
        date = op.get_value("CompromiseOccurrenceDate")
        found = {
            "reason": reason.get_value("RevocationReasonCode") if reason is not None else None,
            "message": reason.get_value("RevocationMessage") if reason is not None else None,
            "compromise_date": date.isoformat() if isinstance(date, datetime) else date,
        }
    except Exception:  # noqa: BLE001 - an odd request must still be sent and recorded
        return {}
    return {k: str(v) for k, v in found.items() if v not in (None, "")}


class KmsClient(RestCalls):
    """Async context manager; one per server, shared by the whole app."""

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        profile: str = "",
        audit: AuditTrail | None = None,
        credentials: Credentials | None = None,
        retry: RetryPolicy | None = None,
        limits: AnswerLimits | None = None,
    ) -> None:
        from kms_tui.client.limits import AnswerLimits
        from kms_tui.client.retry import RetryPolicy

        self.settings = settings
        self.exchange = Exchange(
            settings,
            profile=profile,
            audit=audit,
            credentials=credentials,
            retry=retry or RetryPolicy(),
            limits=limits or AnswerLimits(),
        )
        self._listing_decoder: ListingDecoder | None = None

    @property
    def listing_decoder(self) -> ListingDecoder:
        """The helper process a console's listings are decoded in (started by the first large
        listing that asks for it: :mod:`kms_tui.client.decoder_process`); stopped by aclose()."""
        if self._listing_decoder is None:
            from kms_tui.client.decoder_process import ListingDecoder

            self._listing_decoder = ListingDecoder()
        return self._listing_decoder

    async def __aenter__(self) -> KmsClient:
        await self.exchange.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._listing_decoder is not None:
            await self._listing_decoder.aclose()
        await self.exchange.aclose()

    # -- raw KMIP ---------------------------------------------------------------------------------
    async def _post(
        self,
        body: TTLV,
        operation: str,
        target: str,
        kind: OpKind,
        *,
        expect: str,
        listing: bool = False,
        require: Sequence[str] = (),
    ) -> tuple[TTLV, int, bool]:
        """POST one KMIP body; the decoded answer, which must be a TTLV node tagged ``expect`` with a
        non-empty text child for each tag in ``require`` (e.g. a CreateResponse's UniqueIdentifier)."""
        outcome = await self.exchange.attempt(
            "POST", KMIP_PATH, content=encode(body), kind=kind, operation=operation, target=target, listing=listing
        )
        r = outcome.response
        if r.status_code != 200:
            err = errors.from_http_status(
                r.status_code, body_text(r), operation, target, r.headers.get("content-type", "")
            )
            err.after_ambiguous = outcome.maybe_done_before
            raise err
        try:
            node = decode(r.content)
        except (TTLVError, ValueError, TypeError):
            node = None
        missing = [t for t in require if node is not None and not _text(node, t)]
        if node is None or node.tag != expect or missing:
            what = "KMIP JSON TTLV" if node is None else f"a KMIP {expect}"
            if node is not None and node.tag == expect:
                what = f"a complete {expect} (no {', '.join(missing)})"
            raise errors.unreadable_answer(
                what,
                r.status_code,
                r.content,
                operation=operation,
                host=self.settings.host,
                content_type=r.headers.get("content-type", ""),
                maybe_done=kind is OpKind.CREATE,
                reason="not_ttlv" if node is None else "wrong_shape",
            )
        return node, outcome.attempts, outcome.maybe_done_before

    async def send(self, op: TTLV, *, require: Sequence[str] = (), details: dict[str, str] | None = None) -> TTLV:
        """Send one bare operation; return its ``…Response`` node (ProtocolError when the answer is
        not one, or lacks a text field named in ``require``). ``details`` go to the audit row
        (e.g. the file an export is written to)."""
        started, target, attempts = time.monotonic(), _target(op), 1
        noted = {**audit_details(op), **(details or {})}
        try:
            try:
                response, attempts, maybe_done = await self._post(
                    op, op.tag, target, kind_of([op.tag]), expect=f"{op.tag}Response", require=require
                )
            except errors.ServerRefused as exc:
                done = self._already_done(op, exc)
                if done is None:
                    raise
                response = done
        except BaseException as exc:
            self.exchange.record(
                op.tag, [target] if target else [], started, error=exc, attempts=attempts, details=noted
            )
            raise
        self.exchange.record(
            op.tag, [target] if target else _ids_in(response), started, attempts=attempts, details=noted
        )
        return response

    def _already_done(self, op: TTLV, exc: errors.ServerRefused) -> TTLV | None:
        """A repeat of a revoke/destroy/activate that finds the work done counts as success."""
        # Only after an attempt that may have landed (5xx, timeout, dropped answer).
        if not exc.after_ambiguous:
            return None
        if op.tag in ("Revoke", "Destroy") and exc.reason in ("Item_Not_Found", "Object_Not_Found"):
            from kms_tui.client import requests as build

            return TTLV.struct(f"{op.tag}Response", [build.uid_node(_target(op))])
        if op.tag == "Activate" and exc.reason == "Wrong_Key_Lifecycle_State" and "already" in exc.message:
            from kms_tui.client import requests as build

            return TTLV.struct("ActivateResponse", [build.uid_node(_target(op))])
        return None

    async def batch(self, ops: Sequence[TTLV]) -> list[BatchItemResult]:
        """Send operations in RequestMessages (one per ``BATCH_CHUNK`` items); per-item results."""
        results: list[BatchItemResult] = []
        for start in range(0, len(ops), BATCH_CHUNK):
            results.extend(await self._batch_chunk(ops[start : start + BATCH_CHUNK]))
        return results

    async def _batch_chunk(self, ops: Sequence[TTLV]) -> list[BatchItemResult]:
        started, names = time.monotonic(), [op.tag for op in ops]
        label = f"RequestMessage[{_summary(names)}]"
        attempts = 1
        from kms_tui.client import requests as build

        try:
            message, attempts, _ = await self._post(
                build.request_message(ops), label, "", kind_of(names), expect="ResponseMessage", listing=True
            )
        except BaseException as exc:
            self.exchange.record(label, [_target(o) for o in ops], started, error=exc, attempts=attempts)
            raise
        items = message.all("BatchItem")
        if not items and message.get_value("ResultStatus"):  # unparseable message: one error item
            items = [message]
        if len(items) != len(ops):
            refused_whole = len(items) == 1 and str(items[0].get_value("ResultStatus", "")) not in ("", "Success")
            if not refused_whole:  # a batch answer that does not match the request is not a result
                unmatched = errors.unreadable_answer(
                    f"a ResponseMessage with {len(ops)} BatchItems (it has {len(items)})",
                    200,
                    encode(message).encode(),
                    operation=label,
                    host=self.settings.host,
                    maybe_done=kind_of(names) is OpKind.CREATE,
                    reason="wrong_shape",
                )
                self.exchange.record(label, [_target(o) for o in ops], started, error=unmatched, attempts=attempts)
                raise unmatched
            items = items * len(ops)  # the whole message was refused: every item failed the same way
        results = []
        for i, item in enumerate(items):
            op = ops[i] if i < len(ops) else None
            results.append(
                BatchItemResult(
                    operation=str(item.get_value("Operation", op.tag if op else "")),
                    status=str(item.get_value("ResultStatus", "")),
                    payload=item.get("ResponsePayload"),
                    reason=str(item.get_value("ResultReason", "") or ""),
                    message=str(item.get_value("ResultMessage", "") or ""),
                    target=_target(op) if op is not None else "",
                )
            )
        if all(n in ("Get", "GetAttributes", "Locate", "Export") for n in names):
            failed = [r.error for r in results if not r.ok]
            ids = list(dict.fromkeys(t for t in map(_target, ops) if t))
            self.exchange.record(
                label,
                ids,
                started,
                attempts=attempts,
                error=failed[0] if failed else None,
                note=f"{len(failed)} of {len(results)} items failed" if failed else "",
            )
        else:  # writes: one row per item so each object's fate is on record
            for op, res in zip(ops, results, strict=True):
                ids = [_target(op)] if _target(op) else _ids_in(res.payload) if res.payload else []
                self.exchange.record(
                    op.tag, ids, started, error=res.error, attempts=attempts, details=audit_details(op)
                )
        return results

    # -- typed operations -------------------------------------------------------------------------
    async def _send_for_id(self, op: TTLV) -> str:
        """Send one operation; the ``UniqueIdentifier`` of its answer (ProtocolError if it has none)."""
        return str((await self.send(op, require=("UniqueIdentifier",))).get_value("UniqueIdentifier"))

    async def create_symmetric_key(
        self,
        algorithm: str = "AES",
        length: int = 256,
        *,
        tags: Sequence[str] = (),
        name: str | None = None,
        activate: bool = True,
    ) -> str:
        """Create a symmetric key, Active (or pre-active: ``activate=False``); return its id."""
        from kms_tui.client import requests as build

        op = build.create_symmetric_key(algorithm, length, tags=tags, name=name, activate=activate)
        return await self._send_for_id(op)

    async def create_key_pair(
        self,
        kind: str,
        *,
        size: int = 2048,
        curve: str = "p256",
        tags: Sequence[str] = (),
        name: str | None = None,
        activate: bool = True,
    ) -> tuple[str, str]:
        """Create a key pair (rsa, ec, ed25519, ed448), Active (or pre-active: ``activate=False``);
        return (private id, public id)."""
        from kms_tui.client import requests as build

        op = build.create_key_pair(kind, size=size, curve=curve, tags=tags, name=name, activate=activate)
        r = await self.send(op, require=("PrivateKeyUniqueIdentifier", "PublicKeyUniqueIdentifier"))
        return str(r.get_value("PrivateKeyUniqueIdentifier")), str(r.get_value("PublicKeyUniqueIdentifier"))

    async def locate(self, filters: LocateFilter | None = None, *, maximum: int | None = None) -> list[str]:
        """Ids matching ``filters`` (the server caps the answer at 1,000 and ignores offsets)."""
        from kms_tui.client import requests as build

        filters = filters or build.LocateFilter()
        if not filters.linked_to:
            return build.located_ids(await self.send(build.locate(filters, maximum=maximum)))
        # "Linked to X" = any link type: one Locate per type, in one round trip.
        found: list[str] = []
        ops = [build.locate(filters, maximum=maximum, link_type=t) for t in build.LINK_TYPES]
        for res in await self.batch(ops):
            for uid in build.located_ids(res.unwrap()):
                if uid not in found:
                    found.append(uid)
        return found

    async def get_attributes(self, uid: str, *, with_tags: bool = True) -> dict[str, Any]:
        """All attributes of one object as a flat dict (tags under ``tags``)."""
        if not with_tags:
            from kms_tui.client import requests as build

            return build.attributes_to_dict((await self.send(build.get_attributes(uid))).get("Attributes"))
        return (await self.get_attributes_many([uid], raise_errors=True))[uid]  # type: ignore[return-value]  # raise_errors

    async def get_attributes_many(
        self, ids: Sequence[str], *, with_tags: bool = True, raise_errors: bool = False
    ) -> dict[str, dict[str, Any] | KmsError]:
        """Attributes of many objects in batched RequestMessages; failures per item."""
        from kms_tui.client import requests as build

        ops: list[TTLV] = []
        for uid in ids:
            ops.append(build.get_attributes(uid))
            if with_tags:
                ops.append(build.get_tags(uid))
        results = await self.batch(ops) if ops else []
        step = 2 if with_tags else 1
        out: dict[str, dict[str, Any] | KmsError] = {}
        for i, uid in enumerate(ids):
            main = results[i * step]
            if main.error is not None:
                if raise_errors:
                    raise main.error
                out[uid] = main.error
                continue
            attrs = build.attributes_to_dict(main.unwrap().get("Attributes"))
            if with_tags and results[i * step + 1].ok:
                tags = build.attributes_to_dict(results[i * step + 1].unwrap().get("Attributes")).get("tags")
                attrs["tags"] = tags or []
            out[uid] = attrs
        return out

    async def get(self, uid: str, key_format: str | None = None) -> TTLV:
        from kms_tui.client import requests as build

        return await self.send(build.get(uid, key_format))

    async def export(self, uid: str, key_format: str | None = None) -> TTLV:
        from kms_tui.client import requests as build

        return await self.send(build.export(uid, key_format))

    async def activate(self, uid: str) -> str:
        from kms_tui.client import requests as build

        return await self._send_for_id(build.activate(uid))

    async def revoke(
        self,
        uid: str,
        reason: str = "Unspecified",
        *,
        message: str | None = None,
        compromise_date: datetime | None = None,
        cascade: bool = True,
    ) -> str:
        from kms_tui.client import requests as build

        op = build.revoke(uid, reason, message=message, compromise_date=compromise_date, cascade=cascade)
        return await self._send_for_id(op)

    async def destroy(self, uid: str, *, remove: bool = False, cascade: bool = True) -> str:
        from kms_tui.client import requests as build

        return await self._send_for_id(build.destroy(uid, remove=remove, cascade=cascade))

    async def import_object(self, op: TTLV) -> str:
        """Send a prebuilt Import (see ``kms_tui.kmip.models``); return the new id."""
        return await self._send_for_id(op)

    async def certify(self, op: TTLV) -> str:
        """Send a prebuilt Certify; return the certificate id."""
        return await self._send_for_id(op)

    async def list_objects(self, filters: LocateFilter | None = None) -> ObjectList:
        """Every object matching ``filters`` with its attributes (see :mod:`kms_tui.client.listing`)."""
        from kms_tui.client import requests as build
        from kms_tui.client.listing import list_objects

        return await list_objects(self, filters or build.LocateFilter())


def _text(node: TTLV, tag: str) -> bool:
    value = node.get_value(tag)
    return isinstance(value, str) and bool(value)


def _ids_in(node: TTLV | None) -> list[str]:
    if node is None:
        return []
    return [str(n.value) for n in node.children() if n.tag.endswith("UniqueIdentifier") and isinstance(n.value, str)]


def _summary(names: Sequence[str]) -> str:
    counts: dict[str, int] = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    return ",".join(f"{k}×{v}" if v > 1 else k for k, v in counts.items())
