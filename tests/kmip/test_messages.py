"""RequestMessage / ResponseMessage batches with typed payloads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kms_tui.kmip.enums import Operation, ResultReason, ResultStatus
from kms_tui.kmip.models import (
    ActivateResponse,
    CreateKeyPairResponse,
    LocateResponse,
    RequestMessage,
    ResponseBatchItem,
    ResponseMessage,
    activate_request,
    locate_request,
    parse_node,
)
from kms_tui.kmip.ttlv import TTLV, decode
from tests.conftest import DATA

SAMPLES = DATA / "reference" / "ttlv_samples"


def test_request_batch_carries_one_item_per_payload():
    msg = RequestMessage.of(locate_request(tags=["a"]), activate_request("k1"))
    again = parse_node(decode(msg.to_json()))
    assert again.request_header.batch_count == 2
    assert [i.operation for i in again.batch_item] == [Operation.Locate, Operation.Activate]
    assert again.batch_item[0].request_payload.attributes.tags == ["a"]
    assert again.batch_item[1].request_payload.unique_identifier == "k1"


def test_recorded_key_pair_response_gives_typed_payload():
    msg = parse_node(decode((SAMPLES / "vec_response_message_create_key_pair.json").read_text()))
    item = msg.batch_item[0]
    assert item.ok
    assert isinstance(item.response_payload, CreateKeyPairResponse)
    assert item.response_payload.public_key_unique_identifier.endswith("_pk")


def test_recorded_failure_keeps_reason_and_message():
    msg = parse_node(decode((SAMPLES / "vec_response_message_error_item_not_found.json").read_text()))
    item = msg.batch_item[0]
    assert not item.ok
    assert item.result_reason == ResultReason.Item_Not_Found
    assert item.result_message == "b603a25b-8e4f-4e15-9e7f-44b67f466233"


def test_response_batch_stamps_whole_seconds_and_counts_items():
    now = datetime(2026, 8, 14, 9, 30, 12, 999999, tzinfo=UTC)
    items = [
        ResponseBatchItem(
            operation=Operation.Activate,
            result_status=ResultStatus.Success,
            response_payload=ActivateResponse(unique_identifier="k1"),
        ),
        ResponseBatchItem(
            operation=Operation.Locate,
            result_status=ResultStatus.Success,
            response_payload=LocateResponse(located_items=0),
        ),
    ]
    text = ResponseMessage.of(items, now=now).to_json()
    assert '"TimeStamp","type":"DateTime","value":"2026-08-14T09:30:12Z"' in text
    assert '"BatchCount","type":"Integer","value":2' in text
    parsed = parse_node(decode(text))
    assert parsed.batch_item[1].response_payload.ids == []


def test_payload_of_an_operation_without_a_model_is_kept_as_is():
    payload = TTLV.struct("ResponsePayload", [TTLV.enum("ValidityIndicator", "Valid")])
    item = ResponseBatchItem(operation=Operation.Validate, result_status=ResultStatus.Success, response_payload=payload)
    text = ResponseMessage.of([item]).to_json()
    parsed = parse_node(decode(text))
    assert parsed.batch_item[0].response_payload.get_value("ValidityIndicator") == "Valid"
    assert parsed.to_json() == text


def test_key_material_never_shows_in_a_repr():
    from cryptography.hazmat.primitives.asymmetric import rsa

    from kms_tui.kmip.models import KeyBlock, KeyValue, PrivateKey, TransparentRSAPrivateKey

    numbers = rsa.generate_private_key(public_exponent=65537, key_size=1024).private_numbers()
    material = TransparentRSAPrivateKey(
        modulus=numbers.public_numbers.n,
        private_exponent=numbers.d,
        public_exponent=65537,
        p=numbers.p,
        q=numbers.q,
        prime_exponent_p=numbers.dmp1,
        prime_exponent_q=numbers.dmq1,
        crt_coefficient=numbers.iqmp,
    )
    key = PrivateKey(
        key_block=KeyBlock(key_format_type="TransparentRSAPrivateKey", key_value=KeyValue(key_material=material))
    )
    node = key.to_ttlv()
    shown = repr(key) + repr(material) + repr(node.find("KeyBlock/KeyValue/KeyMaterial/PrivateExponent"))
    for secret in (numbers.d, numbers.p, numbers.q, numbers.dmp1, numbers.dmq1, numbers.iqmp):
        assert str(secret) not in shown and f"{secret:X}" not in shown
    assert PrivateKey.from_ttlv(decode(key.to_json())) == key


def test_misspelt_fields_are_errors_not_silently_dropped():
    import pydantic

    from kms_tui.kmip.models import Attributes

    with pytest.raises(pydantic.ValidationError):
        Attributes(tags=["x"])


def _response_with_item(item_json: str) -> str:
    return (
        '{"tag":"ResponseMessage","value":[{"tag":"ResponseHeader","value":['
        '{"tag":"TimeStamp","type":"DateTime","value":"2026-01-01T00:00:00Z"},'
        '{"tag":"BatchCount","type":"Integer","value":1}]},{"tag":"BatchItem","value":[' + item_json + "]}]}"
    )


def test_failed_item_without_message_is_refused_as_cosmian_does():
    from kms_tui.kmip.models import CodecError

    text = _response_with_item(
        '{"tag":"ResultStatus","type":"Enumeration","value":"OperationFailed"},'
        '{"tag":"ResultReason","type":"Enumeration","value":"Item_Not_Found"}'
    )
    with pytest.raises(CodecError, match="ResponseMessage/BatchItem: missing field `ResultMessage`"):
        parse_node(decode(text))


def test_batch_item_id_is_read_under_both_spellings_and_written_as_kmip_spells_it():
    text = _response_with_item(
        '{"tag":"UniqueBatchItemId","type":"TextString","value":"b1"},'
        '{"tag":"ResultStatus","type":"Enumeration","value":"Success"}'
    )
    msg = parse_node(decode(text))
    assert msg.batch_item[0].unique_batch_item_id == "b1"
    assert '"tag":"UniqueBatchItemID","type":"TextString","value":"b1"' in msg.to_json()
