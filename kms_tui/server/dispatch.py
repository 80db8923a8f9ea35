"""Running KMIP operations: bare operations (HTTP errors with a plain-text body) and
RequestMessage batches (HTTP 200, per-item ResultStatus/ResultReason/ResultMessage)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server.context import OpContext
from kms_tui.server.errors import KmipFailure, NotSupported, RouteNotFound, codec
from kms_tui.server.operations import KNOWN_UNSUPPORTED, OPERATIONS
from kms_tui.server.schema import check_payload, undecodable, unknown_enumeration

log = logging.getLogger("kms_tui.server")

# The id a successful operation puts in the batch's ID placeholder.
PLACEHOLDER_FROM = {
    "Create": "UniqueIdentifier",
    "Register": "UniqueIdentifier",
    "CreateKeyPair": "PrivateKeyUniqueIdentifier",
    "Locate": "UniqueIdentifier",
}
# Operations that await CPU work in the worker threads (key generation, signing, the crypto
# operations): a batch holding any of them runs its items without one shared transaction (as
# Cosmian's message.rs does), so another request served meanwhile is committed on its own.
YIELDING = frozenset(
    {
        "CreateKeyPair",
        "Certify",
        "ReCertify",
        "ReKeyKeyPair",
        "Encrypt",
        "Decrypt",
        "Sign",
        "SignatureVerify",
        "MAC",
        "MACVerify",
    }
)
# The operations that fall back to the placeholder when they carry no UniqueIdentifier.
PLACEHOLDER_USERS = frozenset({"Get", "GetAttributes", "GetAttributeList", "ModifyAttribute"})


async def run_operation(ctx: OpContext, op: str, payload: TTLV) -> TTLV:
    """Run one operation; raises :class:`KmipFailure` (never anything else)."""
    handler = OPERATIONS.get(op)
    if handler is None:
        if op in KNOWN_UNSUPPORTED:
            raise NotSupported(f"the operation {op} is not supported by the sandbox KMS")
        raise RouteNotFound(f"Operation: {op}")
    check_payload(op, payload)
    try:
        return await handler(ctx, payload)
    except KmipFailure:
        raise
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError) as exc:
        # A payload shape the handlers did not expect: a codec error, not a crash.
        log.warning("%s: unexpected payload shape (%s)", op, type(exc).__name__, exc_info=True)
        raise codec(f"invalid {op} request: {type(exc).__name__}") from None


def _header(batch_count: int, version: tuple[int, int] = (2, 1)) -> TTLV:
    return TTLV.struct(
        "ResponseHeader",
        [
            TTLV.struct(
                "ProtocolVersion",
                [
                    TTLV.integer("ProtocolVersionMajor", version[0]),
                    TTLV.integer("ProtocolVersionMinor", version[1]),
                ],
            ),
            TTLV.date("TimeStamp", datetime.now(UTC).replace(microsecond=0)),
            TTLV.integer("BatchCount", batch_count),
        ],
    )


def invalid_message(message: str) -> TTLV:
    """Cosmian's ``error_response_ttlv``: a RequestMessage that cannot be parsed."""
    return TTLV.struct(
        "ResponseMessage",
        [
            _header(1),
            TTLV.struct(
                "BatchItem",
                [
                    TTLV.enum("ResultStatus", "OperationFailed"),
                    TTLV.enum("ResultReason", "Invalid_Message"),
                    TTLV.text("ResultMessage", message),
                ],
            ),
        ],
    )


def _failure(op_node: TTLV | None, batch_id: TTLV | None, exc: KmipFailure) -> TTLV:
    return TTLV.struct(
        "BatchItem",
        [
            op_node,
            batch_id,
            TTLV.enum("ResultStatus", "OperationFailed"),
            TTLV.enum("ResultReason", exc.batch_reason),
            TTLV.text("ResultMessage", exc.batch_message),
        ],
    )


async def run_message(ctx: OpContext, message: TTLV) -> TTLV:
    """Process a RequestMessage; always returns a ResponseMessage."""
    header = message.get("RequestHeader")
    items = message.all("BatchItem")
    if header is None or header.type != "Structure":
        return invalid_message("missing field `RequestHeader` in RequestMessage")
    version = header.get("ProtocolVersion")
    major = version.get_value("ProtocolVersionMajor") if version is not None else None
    minor = version.get_value("ProtocolVersionMinor") if version is not None else None
    if type(major) is not int or type(minor) is not int:
        return invalid_message("missing or invalid `ProtocolVersion` in RequestHeader")
    if not items:
        return invalid_message("missing field `BatchItem` in RequestMessage")
    # Cosmian decodes the whole message (payloads included) before running any item: what
    # does not decode anywhere fails the message, not just its item, and nothing runs.
    problem = _undecodable(header, items)
    if problem:
        return invalid_message(problem)
    # message.rs: items run one after the other whatever BatchErrorContinuationOption says (Stop
    # and Continue alike); with Undo, once an item failed every success of the batch (before and
    # after it) is reported OperationUndone with its payload kept, and only Activate is reverted.
    undo = header.get_value("BatchErrorContinuationOption") == "Undo"
    results: list[TTLV] = []
    store = ctx.store
    if undo or not any(_may_yield(item) for item in items):
        # One transaction (one fsync) for the whole batch. Nothing else runs meanwhile: without
        # CPU work the batch never yields to the loop; with it (Undo) the app holds the store
        # gate exclusively (see needs_exclusive_store). A failed item keeps what it wrote before
        # failing, as a bare operation does: message.rs runs items without a transaction.
        ctx.exclusive = True
        with store.transaction():
            for item in items:
                results.append(await _run_item(ctx, item))
    else:  # key generation would hold the transaction (and the event loop) too long
        for item in items:
            results.append(await _run_item(ctx, item))
    if undo and any(r.get_value("ResultStatus") == "OperationFailed" for r in results):
        for r in results:
            if r.get_value("ResultStatus") == "Success":
                r.set(TTLV.enum("ResultStatus", "OperationUndone"))
                if r.get_value("Operation") == "Activate":
                    _revert_activation(ctx, r)
    return TTLV.struct("ResponseMessage", [_header(len(results), (major, minor)), *results])


def _revert_activation(ctx: OpContext, item: TTLV) -> None:
    """``revert_activation_to_preactive``: an undone Activate puts the object back PreActive
    without an ActivationDate."""
    payload = item.get("ResponsePayload")
    uid = payload.get_value("UniqueIdentifier") if payload is not None else None
    obj = ctx.store.get(uid) if isinstance(uid, str) else None
    if obj is None:
        return
    obj.attributes.remove("ActivationDate")
    obj.state = "PreActive"
    obj.attributes.set(TTLV.enum("State", "PreActive"))
    ctx.store.update(obj)


def needs_exclusive_store(message: TTLV) -> bool:
    """Whether this RequestMessage will hold its transaction open while it waits for CPU work
    (``Undo`` with a key generation or signing item): then the app runs it holding the store
    gate exclusively (:mod:`kms_tui.server.gate`), and its CPU work still runs in the threads."""
    if message.type != "Structure":
        return False
    header = message.get("RequestHeader")
    if header is None or header.type != "Structure":
        return False
    if header.get_value("BatchErrorContinuationOption") != "Undo":
        return False
    return any(item.type == "Structure" and _may_yield(item) for item in message.all("BatchItem"))


def _undecodable(header: TTLV, items: list[TTLV]) -> str | None:
    """The decoder's message for the first part of a RequestMessage (in wire order) that
    Cosmian's deserializer refuses, or None when every item decodes."""
    problem = unknown_enumeration(header)
    for item in items:
        if problem:
            break
        problem = unknown_enumeration(item) or _item_undecodable(item)
    return problem


def _item_undecodable(item: TTLV) -> str | None:
    op_node = item.get("Operation")
    payload = item.get("RequestPayload")
    if op_node is None:
        return "missing field `Operation`"
    if op_node.type != "Enumeration" or not isinstance(op_node.value, str):
        return "missing or invalid `Operation` in BatchItem"
    if payload is None:
        return "missing field `request_payload`"  # sic: Cosmian names the Rust field here
    return undecodable(op_node.value, TTLV(op_node.value, payload.type, payload.value))


def _may_yield(item: TTLV) -> bool:
    """Operations that wait for CPU work (key generation, signing)."""
    return item.get_value("Operation") in YIELDING


async def _run_item(ctx: OpContext, item: TTLV) -> TTLV:
    op_node = item.get("Operation")
    batch_id = item.get("UniqueBatchItemID")
    payload = item.get("RequestPayload")
    assert op_node is not None and payload is not None  # run_message has checked the item decodes
    op = op_node.value
    placeholder = ctx.id_placeholder
    if op not in PLACEHOLDER_USERS:
        ctx.id_placeholder = None
    try:
        if op not in OPERATIONS:
            raise NotSupported(f"the operation {op} is not supported by the sandbox KMS")
        response = await run_operation(ctx, op, TTLV(op, "Structure", payload.value))
    except KmipFailure as exc:
        return _failure(op_node, batch_id, exc)
    finally:
        ctx.id_placeholder = placeholder
    source = PLACEHOLDER_FROM.get(op)
    if source:
        uid = response.get_value(source)
        if isinstance(uid, str):
            ctx.id_placeholder = uid
        elif op == "Locate":  # no object located: the placeholder is cleared
            ctx.id_placeholder = None
    return TTLV.struct(
        "BatchItem",
        [
            op_node,
            batch_id,
            TTLV.enum("ResultStatus", "Success"),
            TTLV("ResponsePayload", "Structure", response.value),
        ],
    )
