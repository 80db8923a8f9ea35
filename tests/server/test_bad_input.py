"""Bad input against the running sandbox: Cosmian's status and body, never a 500, store unchanged.

Expected answers follow the reference (§2.1 table): a body that is not JSON or not TTLV JSON is
`422 Invalid Request: …`, a TTLV tree that does not fit the operation is `422 Codec_Error: …`,
an unknown operation is `404 Route not supported: Operation: <tag>`, a tag query that matches
nothing is `Object_Not_Found` (Get) / `Item_Not_Found` (Destroy) / an empty LocateResponse.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.server.kmip import aes, located_ids, s, tag_attr, uid
from tests.support.sandbox import Sandbox, start_sandbox

# Cosmian's request body limit (start_kms_server.rs: 64 MiB).
BODY_LIMIT = 64 * 1024 * 1024

CREATE_AES = aes(active=False)


def _import_with_key_hex(key_hex: str) -> str:
    """An Import of a raw AES key whose KeyMaterial is `key_hex` (to break the hex on purpose)."""
    return json.dumps(
        {
            "tag": "Import",
            "value": [
                {"tag": "UniqueIdentifier", "type": "TextString", "value": "bad-input-import"},
                {"tag": "ObjectType", "type": "Enumeration", "value": "SymmetricKey"},
                {"tag": "Attributes", "value": []},
                {
                    "tag": "SymmetricKey",
                    "value": [
                        {
                            "tag": "KeyBlock",
                            "value": [
                                {"tag": "KeyFormatType", "type": "Enumeration", "value": "Raw"},
                                {
                                    "tag": "KeyValue",
                                    "value": [{"tag": "KeyMaterial", "type": "ByteString", "value": key_hex}],
                                },
                                {"tag": "CryptographicAlgorithm", "type": "Enumeration", "value": "AES"},
                                {"tag": "CryptographicLength", "type": "Integer", "value": 128},
                            ],
                        }
                    ],
                },
            ],
        }
    )


def _create_with(attribute: dict) -> str:
    """The AES Create above with one extra attribute node (a wrong one, on purpose)."""
    create = json.loads(json.dumps(CREATE_AES))
    create["value"][1]["value"] = [a for a in create["value"][1]["value"] if a["tag"] != attribute["tag"]]
    create["value"][1]["value"].append(attribute)
    return json.dumps(create)


# (case id, request body, expected HTTP status, expected start of the plain-text body, must contain)
CASES = [
    ("not-json", '{"tag": "Create", "value": [', 422, "Invalid Request: ", ""),
    ("not-json-at-all", "hello, KMS", 422, "Invalid Request: ", ""),
    (
        "unknown-type",
        '{"tag":"Get","value":[{"tag":"UniqueIdentifier","type":"Text","value":"x"}]}',
        422,
        "Invalid Request: ",
        "Unknown type",
    ),
    ("bad-hex", _import_with_key_hex("00112233445566778899AABBCCDDEEZZ"), 422, "Invalid Request: ", ""),
    ("odd-hex", _import_with_key_hex("0011223"), 422, "Invalid Request: ", ""),
    ("0x-on-bytestring", _import_with_key_hex("0x00112233445566778899AABBCCDDEEFF"), 422, "Invalid Request: ", ""),
    (
        # Unknown tags are ignored as Cosmian does, so a misspelt required field is a missing one.
        "unknown-tag-for-required-field",
        json.dumps(
            {
                "tag": "Create",
                "value": [
                    {"tag": "ObjectTypo", "type": "Enumeration", "value": "SymmetricKey"},
                    CREATE_AES["value"][1],
                ],
            }
        ),
        422,
        "Codec_Error: ",
        "missing field",
    ),
    (
        "missing-field",
        json.dumps({"tag": "Create", "value": [CREATE_AES["value"][1]]}),
        422,
        "Codec_Error: ",
        "missing field",
    ),
    (
        "wrong-type",
        _create_with({"tag": "CryptographicLength", "type": "TextString", "value": "256"}),
        422,
        "Codec_Error: ",
        "",
    ),
    (
        "structure-where-primitive-expected",
        _create_with({"tag": "CryptographicAlgorithm", "value": [{"tag": "X", "type": "Integer", "value": 1}]}),
        422,
        "Codec_Error: ",
        "",
    ),
    ("unknown-operation", '{"tag":"Frobnicate","value":[]}', 404, "Route not supported: Operation: Frobnicate", ""),
    (
        "tag-query-get",
        json.dumps(s("Get", uid('["bad-input-no-such-tag"]'))),
        422,
        "Object_Not_Found: ",
        "bad-input-no-such-tag",
    ),
    (
        "tag-query-destroy",
        json.dumps(s("Destroy", uid('["bad-input-no-such-tag"]'))),
        422,
        "Item_Not_Found: ",
        "bad-input-no-such-tag",
    ),
    (
        "uid-not-found",
        json.dumps(s("GetAttributes", uid("bad-input-no-such-uid"))),
        422,
        "Object_Not_Found: ",
        "bad-input-no-such-uid",
    ),
]


@pytest.fixture(scope="module")
def populated(tmp_path_factory) -> Iterator[Sandbox]:
    """One sandbox for the module, holding a few keys so "unchanged" means something."""
    sb = start_sandbox(tmp_path_factory.mktemp("bad-input"))
    with httpx.Client(base_url=sb.url, timeout=30) as client:
        for _ in range(3):
            resp = client.post("/kmip/2_1", content=json.dumps(CREATE_AES))
            assert resp.status_code == 200, resp.text
    yield sb
    sb.stop()


def _assert_alive_and_unchanged(sb: Sandbox, client: httpx.Client, before: list[str]) -> None:
    assert sb.proc.poll() is None, "the sandbox died"
    assert client.get("/health").status_code == 200
    assert located_ids(client) == before, "bad input changed the store"


@pytest.mark.parametrize(("body", "status", "prefix", "contains"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gets_cosmians_answer(populated: Sandbox, body: str, status: int, prefix: str, contains: str) -> None:
    with httpx.Client(base_url=populated.url, timeout=30) as client:
        before = located_ids(client)
        assert len(before) >= 3
        resp = client.post("/kmip/2_1", content=body, headers={"Content-Type": "application/json"})
        assert resp.status_code == status, resp.text
        assert resp.text.startswith(prefix), resp.text
        assert contains in resp.text
        assert "Traceback" not in resp.text
        _assert_alive_and_unchanged(populated, client, before)


def test_bad_input_in_a_request_message_is_a_failed_batch_item(populated: Sandbox) -> None:
    """Inside a RequestMessage, a payload that does not decode is HTTP 200 + Invalid_Message
    with serde's message (Cosmian decodes the whole message first)."""
    message = {
        "tag": "RequestMessage",
        "value": [
            {
                "tag": "RequestHeader",
                "value": [
                    {
                        "tag": "ProtocolVersion",
                        "value": [
                            {"tag": "ProtocolVersionMajor", "type": "Integer", "value": 2},
                            {"tag": "ProtocolVersionMinor", "type": "Integer", "value": 1},
                        ],
                    },
                    {"tag": "BatchCount", "type": "Integer", "value": 1},
                ],
            },
            {
                "tag": "BatchItem",
                "value": [
                    {"tag": "Operation", "type": "Enumeration", "value": "Create"},
                    {"tag": "RequestPayload", "value": []},
                ],
            },
        ],
    }
    with httpx.Client(base_url=populated.url, timeout=30) as client:
        before = located_ids(client)
        resp = client.post("/kmip/2_1", json=message)
        assert resp.status_code == 200, resp.text
        text = resp.text
        assert '"OperationFailed"' in text and '"Invalid_Message"' in text, text
        assert '"missing field `ObjectType`"' in text, text
        _assert_alive_and_unchanged(populated, client, before)


def test_tag_query_that_matches_nothing_locates_nothing(populated: Sandbox) -> None:
    locate = {
        "tag": "Locate",
        "value": [{"tag": "Attributes", "value": [tag_attr("bad-input-no-such-tag")]}],
    }
    with httpx.Client(base_url=populated.url, timeout=30) as client:
        resp = client.post("/kmip/2_1", json=locate)
        assert resp.status_code == 200, resp.text
        assert resp.json() == {
            "tag": "LocateResponse",
            "value": [{"tag": "LocatedItems", "type": "Integer", "value": 0}],
        }


def _oversized_body(total: int) -> Iterator[bytes]:
    """A JSON-looking body of `total` bytes, produced 1 MiB at a time (never held whole)."""
    # A Create with one huge unknown field: under the limit it is read, then lacks ObjectType.
    head = b'{"tag":"Create","value":[{"tag":"Padding","type":"TextString","value":"'
    tail = b'"}]}'
    chunk = b"A" * (1024 * 1024)
    yield head
    remaining = total - len(head) - len(tail)
    while remaining > 0:
        piece = chunk if remaining >= len(chunk) else chunk[:remaining]
        remaining -= len(piece)
        yield piece
    yield tail


def _post_streamed(sb: Sandbox, total: int) -> tuple[httpx.Response, list[str]]:
    """POST a streamed body of `total` bytes; returns the response and the ids before it."""
    with httpx.Client(base_url=sb.url, timeout=120) as client:
        before = located_ids(client)
        resp = client.post(
            "/kmip/2_1",
            content=_oversized_body(total),
            headers={"Content-Type": "application/json", "Content-Length": str(total)},
        )
    return resp, before


def test_oversized_body_is_refused_with_413(populated: Sandbox) -> None:
    """A body over Cosmian's 64 MiB limit: 413 `payload reached size limit`, server unharmed."""
    resp, before = _post_streamed(populated, BODY_LIMIT + 1024)
    assert resp.status_code == 413, resp.text[:200]
    assert "payload reached size limit" in resp.text
    with httpx.Client(base_url=populated.url, timeout=30) as client:
        _assert_alive_and_unchanged(populated, client, before)


def test_body_just_under_the_limit_is_read(populated: Sandbox) -> None:
    """Just under 64 MiB is parsed, not refused for its size (here: a Codec_Error, no 413)."""
    resp, before = _post_streamed(populated, BODY_LIMIT - 1024)
    assert resp.status_code == 422, resp.text[:200]
    assert resp.text.startswith("Codec_Error: ") and "missing field" in resp.text
    with httpx.Client(base_url=populated.url, timeout=30) as client:
        _assert_alive_and_unchanged(populated, client, before)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("not json", "Json deserialize error: "),
        ('{"user_id": 5, "operation_types": ["get"]}', "Json deserialize error: "),
    ],
    ids=["not-json", "wrong-type"],
)
def test_bad_access_grant_body_is_a_400(populated: Sandbox, body: str, says: str) -> None:
    """REST bodies that do not deserialise: 400 text/plain as Cosmian's JsonConfig handler."""
    with httpx.Client(base_url=populated.url, timeout=30) as client:
        before = located_ids(client)
        resp = client.post("/access/grant", content=body, headers={"Content-Type": "application/json"})
        assert resp.status_code == 400, resp.text
        assert resp.text.startswith(says) and resp.headers["content-type"].startswith("text/plain")
        _assert_alive_and_unchanged(populated, client, before)


def test_garbage_on_the_kmip_endpoint_is_an_invalid_message(populated: Sandbox) -> None:
    """`POST /kmip` answers every undecodable body with HTTP 200 + Invalid_Message."""
    with httpx.Client(base_url=populated.url, timeout=30) as client:
        before = located_ids(client)
        resp = client.post("/kmip", content="garbage", headers={"Content-Type": "application/json"})
        assert resp.status_code == 200, resp.text
        item = resp.json()["value"][1]["value"]
        assert [n["value"] for n in item[:2]] == ["OperationFailed", "Invalid_Message"]
        _assert_alive_and_unchanged(populated, client, before)
