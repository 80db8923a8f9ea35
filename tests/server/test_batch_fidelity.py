"""RequestMessage batches as Cosmian 5.26 processes them (`crate/server/src/core/operations/
message.rs: message, revert_activation_to_preactive, update_id_placeholder_from_response`):
items always run one after the other; Undo relabels successes OperationUndone (payload kept)
and reverts only Activate; Stop is not acted on; Locate sets or clears the ID placeholder."""

from __future__ import annotations

from tests.server.kmip import aes, first, s, t, uid


def _message(*items: dict, option: str | None = None) -> dict:
    header = [
        s("ProtocolVersion", t("ProtocolVersionMajor", "Integer", 2), t("ProtocolVersionMinor", "Integer", 1)),
        t("BatchCount", "Integer", len(items)),
    ]
    if option:
        header.append(t("BatchErrorContinuationOption", "Enumeration", option))
    return s("RequestMessage", s("RequestHeader", *header), *items)


def _item(op: str, *payload: dict) -> dict:
    return s("BatchItem", t("Operation", "Enumeration", op), s("RequestPayload", *payload))


def _items(response: dict) -> list[dict]:
    return [c for c in response["value"] if c["tag"] == "BatchItem"]


def _statuses(response: dict) -> list[str]:
    return [first(i, "ResultStatus") for i in _items(response)]


def test_undo_relabels_every_success_and_keeps_payloads_and_effects(kmip):
    response = kmip.ok(
        _message(
            _item("Create", *aes()["value"]),
            _item("Get", uid("not-there")),
            _item("Create", *aes()["value"]),
            option="Undo",
        )
    )
    items = _items(response)
    assert _statuses(response) == ["OperationUndone", "OperationFailed", "OperationUndone"]
    for undone in (items[0], items[2]):
        assert first(undone, "ResultReason") is None and first(undone, "ResultMessage") is None
        key = first(undone, "UniqueIdentifier")  # the payload is still there
        assert kmip.state(key) == "Active"  # and the key too: Create is not undone
    assert first(items[1], "ResultReason") == "Object_Not_Found"


def test_undo_reverts_an_activate(kmip):
    key = kmip.create(active=False)
    response = kmip.ok(_message(_item("Activate", uid(key)), _item("Get", uid("not-there")), option="Undo"))
    assert _statuses(response) == ["OperationUndone", "OperationFailed"]
    got = kmip.attributes(key, "State", "ActivationDate")
    assert first(got, "State") == "PreActive" and first(got, "ActivationDate") is None


def test_without_a_failure_undo_changes_nothing(kmip):
    key = kmip.create(active=False)
    response = kmip.ok(_message(_item("Activate", uid(key)), option="Undo"))
    assert _statuses(response) == ["Success"]
    assert kmip.state(key) == "Active"


def test_stop_does_not_stop(kmip):
    response = kmip.ok(
        _message(
            _item("Get", uid("not-there")),
            _item("Create", *aes()["value"]),
            option="Stop",
        )
    )
    assert _statuses(response) == ["OperationFailed", "Success"]


def test_a_locate_that_finds_nothing_clears_the_placeholder(kmip):
    nothing = s("Attributes", t("ObjectGroup", "TextString", "no-such-group-anywhere"))
    response = kmip.ok(
        _message(
            _item("Create", *aes()["value"]),
            _item("Locate", nothing),
            _item("Get"),
        )
    )
    items = _items(response)
    assert _statuses(response) == ["Success", "Success", "OperationFailed"]
    assert first(items[2], "ResultReason") == "Operation_Not_Supported"
    assert first(items[2], "ResultMessage") == "This KMIP server does not yet support place holder id"


def test_only_get_getattributes_getattributelist_and_modifyattribute_use_the_placeholder(kmip):
    response = kmip.ok(
        _message(
            _item("Create", *aes(active=False)["value"]),
            _item("GetAttributes", t("AttributeReference", "Enumeration", "State")),
            _item("Revoke", s("RevocationReason", t("RevocationReasonCode", "Enumeration", "Unspecified"))),
        )
    )
    items = _items(response)
    assert _statuses(response) == ["Success", "Success", "OperationFailed"]
    assert first(items[1], "UniqueIdentifier") == first(items[0], "UniqueIdentifier")
    assert first(items[2], "ResultMessage") == "This KMIP server does not yet support place holder id"
