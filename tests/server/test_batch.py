"""RequestMessage batches on /kmip/2_1 and /kmip: per-item results, the ID placeholder,
Undo, and the Invalid_Message answer to messages Cosmian cannot decode (its routes/kmip.rs
decodes the whole message, payloads included, before any item runs)."""

from __future__ import annotations

from tests.server.kmip import _item, _items, _message, aes, find, first, refused_message, s, t, tag_attr, uid


def test_batch_uses_the_id_placeholder_and_reports_each_item(kmip):
    response = kmip.ok(
        _message(
            _item("Create", *aes()["value"], batch_id="01"),
            _item("Get"),
            _item("GetAttributes", t("AttributeReference", "Enumeration", "State")),
            _item("Get", uid("missing-id")),
        )
    )
    items = _items(response)
    assert first(response, "BatchCount") == 4
    assert [first(i, "ResultStatus") for i in items] == ["Success", "Success", "Success", "OperationFailed"]
    created = first(items[0], "UniqueIdentifier")
    assert first(items[0], "UniqueBatchItemID") == "01"
    assert first(items[1], "UniqueIdentifier") == created and first(items[1], "KeyFormatType") == "Raw"
    assert first(items[2], "State") == "Active"
    assert first(items[3], "ResultReason") == "Object_Not_Found"
    assert first(items[3], "ResultMessage") == "object not found for identifier missing-id"
    assert items[3]["value"][0] == {"tag": "Operation", "type": "Enumeration", "value": "Get"}


def test_batch_error_reasons_follow_cosmian_mapping(kmip):
    key = kmip.create()
    response = kmip.ok(
        _message(
            _item("Destroy", uid(key)),
            _item("Encrypt", uid(key)),
            _item("Create", *aes()["value"]),
        )
    )
    items = _items(response)
    assert (first(items[0], "ResultReason"), first(items[0], "ResultMessage")) == (
        "Wrong_Key_Lifecycle_State",
        "DENIED",
    )
    # encrypt.rs: no Data → InvalidRequest, which message.rs reports as Operation_Not_Supported
    assert first(items[1], "ResultReason") == "Operation_Not_Supported"
    assert first(items[1], "ResultMessage") == "Invalid Request: Encrypt: data to encrypt must be provided"
    assert first(items[2], "ResultStatus") == "Success"  # the failures before it were the items' own


def _tagged_create(tag: str) -> dict:
    return _item("Create", *aes(tags=(tag,))["value"])


def _tagged(kmip, tag: str) -> list[str]:
    return kmip.locate(tag_attr(tag))


def test_an_item_missing_a_required_field_fails_the_whole_message(kmip):
    tag = "undecodable-missing"
    said = refused_message(
        kmip, _message(_tagged_create(tag), _item("Create", t("ObjectType", "Enumeration", "SymmetricKey")))
    )
    assert said == "missing field `Attributes`"
    assert _tagged(kmip, tag) == [], "item 1's Create ran although the message could not be decoded"
    # The first missing field in Cosmian's declaration order is the one named.
    assert refused_message(kmip, _message(_item("Create"))) == "missing field `ObjectType`"
    # An Import's object travels under its object-type tag; without one it is `Object` that is missing.
    assert (
        refused_message(
            kmip,
            _message(
                _item("Import", uid("no-object"), t("ObjectType", "Enumeration", "SymmetricKey"), s("Attributes"))
            ),
        )
        == "missing field `Object`"
    )


def test_an_item_with_a_wrong_ttlv_type_fails_the_whole_message(kmip):
    tag = "undecodable-type"
    wrong = aes()
    next(n for n in wrong["value"][1]["value"] if n["tag"] == "CryptographicLength").update(
        type="TextString", value="256"
    )
    said = refused_message(kmip, _message(_tagged_create(tag), _item("Create", *wrong["value"])))
    assert "`CryptographicLength`" in said and "TextString" in said
    assert _tagged(kmip, tag) == []


def test_an_item_without_operation_or_payload_fails_the_whole_message(kmip):
    tag = "undecodable-item"
    no_payload = s("BatchItem", t("Operation", "Enumeration", "Query"))
    assert refused_message(kmip, _message(_tagged_create(tag), no_payload)) == "missing field `request_payload`"
    no_operation = s("BatchItem", s("RequestPayload"))
    assert refused_message(kmip, _message(_tagged_create(tag), no_operation)) == "missing field `Operation`"
    assert _tagged(kmip, tag) == []


def test_undo_marks_earlier_items_undone_but_keeps_what_they_did(kmip):
    # message.rs: Undo relabels successes OperationUndone (payload kept); only Activate is reverted
    tag = "undo-batch"
    response = kmip.ok(
        _message(
            _item("Create", *aes(tags=(tag,))["value"]),
            _item("Get", uid("not-there")),
            undo=True,
        )
    )
    assert [first(i, "ResultStatus") for i in _items(response)] == ["OperationUndone", "OperationFailed"]
    created = first(_items(response)[0], "UniqueIdentifier")
    assert kmip.locate(
        s(
            "Attribute",
            t("VendorIdentification", "TextString", "cosmian"),
            t("AttributeName", "TextString", "tag"),
            t("AttributeValue", "TextString", f'["{tag}"]'),
        )
    ) == [created]


def test_unparseable_message_is_invalid_message_with_http_200(kmip):
    r = kmip.post(s("RequestMessage", _item("Query")))
    assert r.status_code == 200
    body = r.json()
    assert first(body, "ResultReason") == "Invalid_Message" and first(body, "ResultStatus") == "OperationFailed"
    assert first(body, "Operation") is None


def test_bad_json_in_a_request_message_is_still_a_422(kmip):
    r = kmip.post('{"tag":"RequestMessage","value":[')
    assert r.status_code == 422 and r.text.startswith("Invalid Request:")


def test_kmip_endpoint_takes_only_json_request_messages(kmip):
    r = kmip.post(_message(_item("DiscoverVersions")), path="/kmip")
    assert r.status_code == 200 and first(r.json(), "ResultStatus") == "Success"
    bare = kmip.post(s("DiscoverVersions"), path="/kmip")
    assert bare.status_code == 200 and first(bare.json(), "ResultReason") == "Invalid_Message"
    other = kmip.http.post("/kmip", content=b"x", headers={"Content-Type": "text/plain"})
    assert other.status_code == 422


def test_query_and_discover_versions(kmip):
    q = kmip.ok(
        s(
            "Query",
            t("QueryFunction", "Enumeration", "QueryOperations"),
            t("QueryFunction", "Enumeration", "QueryServerInformation"),
        )
    )
    assert "Create" in find(q, "Operation") and first(q, "VendorIdentification") == "cosmian"
    dv = kmip.ok(s("DiscoverVersions"))
    assert (first(dv, "ProtocolVersionMajor"), first(dv, "ProtocolVersionMinor")) == (2, 1)


def test_enumerations_sent_as_codes_are_understood(kmip):
    body = aes()
    body["value"][0]["value"] = "0x00000002"  # ObjectType SymmetricKey by its KMIP code
    algorithm = next(n for n in body["value"][1]["value"] if n["tag"] == "CryptographicAlgorithm")
    algorithm["value"] = 3  # AES as a JSON number
    key = first(kmip.ok(body), "UniqueIdentifier")
    assert first(kmip.attributes(key, "CryptographicAlgorithm"), "CryptographicAlgorithm") == "AES"
    body["value"][0]["value"] = "0x0000FFFF"
    assert kmip.fail(body) == "Codec_Error: invalid value: integer `65535`, expected valid ObjectType value"


def test_only_get_style_operations_use_the_placeholder(kmip):
    response = kmip.ok(
        _message(_item("Create", *aes(active=False)["value"]), _item("Destroy"), _item("GetAttributeList"))
    )
    items = _items(response)
    assert first(items[1], "ResultMessage") == "This KMIP server does not yet support place holder id"
    assert first(items[2], "ResultStatus") == "Success"
    # Activate's id is not optional in Cosmian's Activate: without it the message does not decode.
    tag = "activate-without-id"
    assert refused_message(kmip, _message(_tagged_create(tag), _item("Activate"))) == "missing field `UniqueIdentifier`"
    assert _tagged(kmip, tag) == []


def test_a_failed_item_leaves_the_others_committed(kmip):
    taken = kmip.create()
    same_id = aes(extra=(t("UniqueIdentifier", "TextString", taken),))["value"]
    response = kmip.ok(
        _message(_item("Create", *aes()["value"]), _item("Create", *same_id), _item("Create", *aes()["value"]))
    )
    items = _items(response)
    assert [first(i, "ResultStatus") for i in items] == ["Success", "OperationFailed", "Success"]
    assert "already exist" in first(items[1], "ResultMessage")
    for item in (items[0], items[2]):
        assert kmip.state(first(item, "UniqueIdentifier")) == "Active"
