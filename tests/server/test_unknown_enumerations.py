"""Enumeration values Cosmian does not know, against the running sandbox over HTTP.

Cosmian 5.26 decodes a request with serde: an enumeration name (or code) its Rust enum lacks
fails the decoding. A bare operation is then `422 Codec_Error: invalid value: string "X",
expected valid <Enum> name` (text body); a RequestMessage is decoded whole before any item runs,
so it is HTTP 200 with one Invalid_Message batch item carrying the same message, and nothing in
the message is done.
"""

from __future__ import annotations

import pytest

from tests.server.kmip import aes, first, key_pair, refused_message, revoke, s, t, uid


def _with(body: dict, tag: str, value: object) -> dict:
    """``body`` with every Enumeration node tagged ``tag`` set to ``value``."""

    def walk(node: dict) -> None:
        if node.get("tag") == tag and node.get("type") == "Enumeration":
            node["value"] = value
        if isinstance(node.get("value"), list):
            for child in node["value"]:
                walk(child)

    walk(body)
    return body


def _message(*items: dict, path_version: tuple[int, int] = (2, 1)) -> dict:
    header = [
        s(
            "ProtocolVersion",
            t("ProtocolVersionMajor", "Integer", path_version[0]),
            t("ProtocolVersionMinor", "Integer", path_version[1]),
        ),
        t("BatchCount", "Integer", len(items)),
    ]
    return s("RequestMessage", s("RequestHeader", *header), *items)


def _item(op: str, payload: dict) -> dict:
    return s("BatchItem", t("Operation", "Enumeration", op), s("RequestPayload", *payload["value"]))


def _ids(kmip) -> list[str]:
    return sorted(kmip.locate())


BARE_CASES = [
    (
        "algorithm",
        lambda k: _with(aes(), "CryptographicAlgorithm", "AESX"),
        'Codec_Error: invalid value: string "AESX", expected valid CryptographicAlgorithm name',
    ),
    (
        "object-type",
        lambda k: _with(aes(), "ObjectType", "Symmetric Key"),
        'Codec_Error: invalid value: string "Symmetric Key", expected valid ObjectType name',
    ),
    (
        "curve",
        lambda k: key_pair("EC", curve="P-256"),
        'Codec_Error: invalid value: string "P-256", expected valid RecommendedCurve name',
    ),
    (
        "key-format",
        lambda k: s("Get", uid(k.create()), t("KeyFormatType", "Enumeration", "raw")),
        'Codec_Error: invalid value: string "raw", expected valid KeyFormatType name',
    ),
    (
        "revocation-reason",
        lambda k: revoke(k.create(), "Compromised"),
        'Codec_Error: invalid value: string "Compromised", expected valid RevocationReasonCode name',
    ),
    (
        "locate-state",
        lambda k: s("Locate", s("Attributes", t("State", "Enumeration", "Alive"))),
        'Codec_Error: invalid value: string "Alive", expected valid State name',
    ),
    (
        "quoted-name",
        lambda k: _with(aes(), "CryptographicAlgorithm", 'A"E\nS'),
        'Codec_Error: invalid value: string "A\\"E\\nS", expected valid CryptographicAlgorithm name',
    ),
    (
        "unknown-code",
        lambda k: _with(aes(), "CryptographicAlgorithm", "0x000000FF"),
        "Codec_Error: invalid value: integer `255`, expected valid CryptographicAlgorithm value",
    ),
]


@pytest.mark.parametrize(("build", "answer"), [c[1:] for c in BARE_CASES], ids=[c[0] for c in BARE_CASES])
def test_bare_operation_with_an_unknown_enumeration_is_a_codec_error(kmip, build, answer) -> None:
    body = build(kmip)
    before = _ids(kmip)
    r = kmip.post(body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert r.text == answer
    assert _ids(kmip) == before, "a refused request changed the store"


def test_known_names_still_work_next_to_the_check(kmip) -> None:
    key = kmip.create()
    assert first(kmip.ok(revoke(key, "CessationOfOperation")), "UniqueIdentifier") == key
    assert key in kmip.locate(t("State", "Enumeration", "Deactivated"))


@pytest.mark.parametrize("path", ["/kmip/2_1", "/kmip"])
def test_unknown_enumeration_in_a_request_message_fails_the_whole_message(kmip, path) -> None:
    tag = f"enum-batch-{path.strip('/').replace('/', '-')}"
    before = _ids(kmip)
    message = _message(_item("Create", aes(tags=(tag,))), _item("Create", _with(aes(), "ObjectType", "Secret")))
    said = refused_message(kmip, message, path)
    assert said == 'invalid value: string "Secret", expected valid ObjectType name'
    assert _ids(kmip) == before, "the first Create ran although the message could not be decoded"


def test_unknown_operation_name_in_a_request_message_is_an_invalid_message(kmip) -> None:
    key = kmip.create(active=False)
    said = refused_message(kmip, _message(_item("Activate", s("Activate", uid(key))), _item("Frobnicate", s("X"))))
    assert said == 'invalid value: string "Frobnicate", expected valid OperationEnumeration name'
    assert kmip.state(key) == "PreActive", "the Activate before the bad item ran"
    # Cosmian's OperationEnumeration spells it MAC: "Mac" is a bare-operation tag only.
    assert (
        refused_message(kmip, _message(_item("Mac", s("Mac"))))
        == 'invalid value: string "Mac", expected valid OperationEnumeration name'
    )


def test_unknown_header_enumeration_is_an_invalid_message(kmip) -> None:
    message = _message(_item("Create", aes()))
    message["value"][0]["value"].append(t("BatchErrorContinuationOption", "Enumeration", "Rollback"))
    before = _ids(kmip)
    said = refused_message(kmip, message)
    assert said == 'invalid value: string "Rollback", expected valid BatchErrorContinuationOption name'
    assert _ids(kmip) == before
