"""RequestMessage / ResponseMessage batches and the operation → payload model registry."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from kms_tui.kmip.enums import BatchErrorContinuationOption, Operation, ResultReason, ResultStatus
from kms_tui.kmip.models import admin_ops as a
from kms_tui.kmip.models import operations as o
from kms_tui.kmip.models.base import TTLVModel, W, codec_error
from kms_tui.kmip.models.operations import ProtocolVersion
from kms_tui.kmip.ttlv import TTLV

__all__ = [
    "OPERATIONS",
    "REQUESTS_BY_TAG",
    "RESPONSES_BY_TAG",
    "parse_request",
    "parse_response",
    "parse_node",
    "RequestHeader",
    "RequestBatchItem",
    "RequestMessage",
    "ResponseHeader",
    "ResponseBatchItem",
    "ResponseMessage",
]

# Operation name → (request payload model, response payload model).
OPERATIONS: dict[str, tuple[type[TTLVModel], type[TTLVModel]]] = {
    "Create": (o.Create, o.CreateResponse),
    "CreateKeyPair": (o.CreateKeyPair, o.CreateKeyPairResponse),
    "Register": (o.Register, o.RegisterResponse),
    "Import": (o.Import, o.ImportResponse),
    "Locate": (o.Locate, o.LocateResponse),
    "Get": (o.Get, o.GetResponse),
    "Export": (o.Export, o.ExportResponse),
    "Certify": (o.Certify, o.CertifyResponse),
    "Query": (o.Query, o.QueryResponse),
    "DiscoverVersions": (o.DiscoverVersions, o.DiscoverVersionsResponse),
    "GetAttributes": (a.GetAttributes, a.GetAttributesResponse),
    "GetAttributeList": (a.GetAttributeList, a.GetAttributeListResponse),
    "SetAttribute": (a.SetAttribute, a.SetAttributeResponse),
    "AddAttribute": (a.AddAttribute, a.AddAttributeResponse),
    "DeleteAttribute": (a.DeleteAttribute, a.DeleteAttributeResponse),
    "ModifyAttribute": (a.ModifyAttribute, a.ModifyAttributeResponse),
    "Activate": (a.Activate, a.ActivateResponse),
    "Revoke": (a.Revoke, a.RevokeResponse),
    "Destroy": (a.Destroy, a.DestroyResponse),
}
REQUESTS_BY_TAG: dict[str, type[TTLVModel]] = {req.TAG: req for req, _ in OPERATIONS.values()}
RESPONSES_BY_TAG: dict[str, type[TTLVModel]] = {resp.TAG: resp for _, resp in OPERATIONS.values()}


def _parse(node: TTLV, models: dict[str, type[TTLVModel]], what: str) -> Any:
    model = models.get(node.tag)
    if model is None:
        raise codec_error(node.tag, f"unknown {what} `{node.tag}`")
    return model.from_ttlv(node)


def parse_request(node: TTLV) -> Any:
    """A bare operation node → its typed request model (TTLVError if unknown or malformed)."""
    return _parse(node, REQUESTS_BY_TAG, "operation")


def parse_response(node: TTLV) -> Any:
    """A bare response node (``CreateResponse``…) → its typed response model."""
    return _parse(node, RESPONSES_BY_TAG, "response")


def parse_node(node: TTLV) -> Any:
    """Any top-level node: RequestMessage, ResponseMessage, a bare request or a bare response."""
    if node.tag == "RequestMessage":
        return RequestMessage.from_ttlv(node)
    if node.tag == "ResponseMessage":
        return ResponseMessage.from_ttlv(node)
    if node.tag in RESPONSES_BY_TAG:
        return parse_response(node)
    return parse_request(node)


def _payload(op: Any, node: TTLV, path: str, response: bool) -> Any:
    """Typed payload for a known operation; other operations keep the raw node."""
    models = OPERATIONS.get(str(op)) if op is not None else None
    if models is None:
        return node
    return models[1 if response else 0].from_ttlv(node, path)


# Cosmian writes it as a TextString under either spelling; KMIP says ByteString.
_BatchItemId = Annotated[str | bytes | None, W(tag="UniqueBatchItemID", aliases=("UniqueBatchItemId",))]


class _BatchItem(TTLVModel):
    """A batch item whose payload model is chosen by its ``Operation``."""

    PAYLOAD: ClassVar[str]
    RESPONSE: ClassVar[bool]

    @classmethod
    def _decode_field(cls, f: Any, child: TTLV, path: str, seen: dict[str, Any]) -> Any:
        if f.name != cls.PAYLOAD:
            return super()._decode_field(f, child, path, seen)
        if not cls.RESPONSE and "operation" not in seen:
            raise codec_error(path, "Operation must precede RequestPayload")
        return _payload(seen.get("operation"), child, path, response=cls.RESPONSE)

    def _encode_field(self, f: Any, value: Any) -> TTLV:
        if f.name != self.PAYLOAD:
            return super()._encode_field(f, value)
        if isinstance(value, TTLV):
            return TTLV(f.tag, value.type, value.value)
        return value.to_ttlv(f.tag)  # type: ignore[no-any-return]  # a TTLVModel


class RequestHeader(TTLVModel):
    TAG = "RequestHeader"
    protocol_version: ProtocolVersion = ProtocolVersion()
    maximum_response_size: int | None = None
    client_correlation_value: str | None = None
    server_correlation_value: str | None = None
    asynchronous_indicator: TTLV | None = None
    attestation_capable_indicator: bool | None = None
    attestation_type: list[TTLV] | None = None
    authentication: list[TTLV] | None = None
    batch_error_continuation_option: BatchErrorContinuationOption | None = None
    batch_order_option: bool | None = None
    time_stamp: Annotated[datetime | int | None, W(type="LongInteger")] = None
    batch_count: int


class RequestBatchItem(_BatchItem):
    TAG = "BatchItem"
    PAYLOAD = "request_payload"
    RESPONSE = False
    operation: Operation
    ephemeral: bool | None = None
    unique_batch_item_id: _BatchItemId = None
    request_payload: Any
    message_extension: list[TTLV] | None = None


class RequestMessage(TTLVModel):
    TAG = "RequestMessage"
    request_header: RequestHeader
    batch_item: list[RequestBatchItem]

    @classmethod
    def of(cls, *payloads: TTLVModel | TTLV, **header: Any) -> RequestMessage:
        """A KMIP 2.1 batch with one item per payload (a model or a bare operation node;
        the operation is taken from its tag)."""
        items = [
            RequestBatchItem(operation=Operation(p.tag if isinstance(p, TTLV) else p.TAG), request_payload=p)
            for p in payloads
        ]
        return cls(request_header=RequestHeader(batch_count=len(items), **header), batch_item=items)


class ResponseHeader(TTLVModel):
    TAG = "ResponseHeader"
    protocol_version: ProtocolVersion = ProtocolVersion()
    time_stamp: datetime
    nonce: TTLV | None = None
    server_hashed_password: bytes | None = None
    attestation_type: list[TTLV] | None = None
    client_correlation_value: str | None = None
    server_correlation_value: str | None = None
    batch_count: int


class ResponseBatchItem(_BatchItem):
    TAG = "BatchItem"
    PAYLOAD = "response_payload"
    RESPONSE = True
    operation: Operation | None = None
    unique_batch_item_id: _BatchItemId = None
    result_status: ResultStatus
    result_reason: ResultReason | None = None
    result_message: str | None = None
    asynchronous_correlation_value: str | bytes | None = None
    response_payload: Any = None
    message_extension: TTLV | None = None

    @property
    def ok(self) -> bool:
        return self.result_status == ResultStatus.Success

    @classmethod
    def _build(cls, values: dict[str, Any], path: str) -> Any:
        # Cosmian refuses a failed item without a reason, or an unsuccessful one without a message.
        status = values["result_status"]
        if status == ResultStatus.OperationFailed and "result_reason" not in values:
            raise codec_error(path, "missing field `ResultReason`")
        if status in (ResultStatus.OperationFailed, ResultStatus.OperationUndone) and ("result_message" not in values):
            raise codec_error(path, "missing field `ResultMessage`")
        return super()._build(values, path)


class ResponseMessage(TTLVModel):
    TAG = "ResponseMessage"
    response_header: ResponseHeader
    batch_item: list[ResponseBatchItem]

    @classmethod
    def of(cls, items: list[ResponseBatchItem], now: datetime | None = None) -> ResponseMessage:
        """A KMIP 2.1 response batch stamped ``now`` (whole seconds, UTC, as Cosmian)."""
        stamp = (now or datetime.now(UTC)).replace(microsecond=0)
        header = ResponseHeader(time_stamp=stamp, batch_count=len(items))
        return cls(response_header=header, batch_item=items)
