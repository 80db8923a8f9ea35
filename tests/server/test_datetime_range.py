"""Every DateTime a request carries is range-checked before anything is stored (Cosmian's
decoder: ISO 8601 with an offset, or ``0x`` + 16 hex digits of signed Unix seconds, years up to
9999), and what is accepted can be read, revoked and destroyed again."""

from __future__ import annotations

import pytest

from tests.server.kmip import aes, destroy, find, first, revoke, s, serde_date, t, uid


def _owned_ids(kmip) -> set[str]:
    return {e["object_id"] for e in kmip.http.get("/access/owned").json()}


def _with_date(tag: str, value: str) -> dict:
    return aes(active=False, extra=(t(tag, "DateTime", value),))


@pytest.mark.parametrize(
    "value",
    [
        "0x7FFFFFFFFFFFFFFF",  # year 292 billion
        "0x8000000000000000",  # the most negative i64
        "9999-12-31T23:59:59-01:00",  # year 10000 in UTC
        "0001-01-01T00:00:00+01:00",  # year 0 in UTC
        "2026-06-01T00:00:00",  # no offset: Cosmian parses an OffsetDateTime
        "10000-01-01T00:00:00Z",
    ],
)
def test_a_date_out_of_range_is_refused_and_nothing_is_stored(kmip, value):
    before = _owned_ids(kmip)
    body = kmip.fail(_with_date("DeactivationDate", value))
    assert body.startswith("Invalid Request:") and value in body
    # the same inside a RequestMessage: the JSON → TTLV step fails first, as in Cosmian
    message = s(
        "RequestMessage",
        s(
            "RequestHeader",
            s("ProtocolVersion", t("ProtocolVersionMajor", "Integer", 2), t("ProtocolVersionMinor", "Integer", 1)),
            t("BatchCount", "Integer", 1),
        ),
        s(
            "BatchItem",
            t("Operation", "Enumeration", "Create"),
            {"tag": "RequestPayload", "value": _with_date("ActivationDate", value)["value"]},
        ),
    )
    assert kmip.post(message).status_code == 422
    assert _owned_ids(kmip) == before


@pytest.mark.parametrize(
    "tag,value,expected",
    [
        ("DeactivationDate", "0999-06-01T12:00:00Z", "0999-06-01T12:00:00Z"),  # before year 1000
        ("DeactivationDate", "0xFFFFFFFFFFFFFFFF", "1969-12-31T23:59:59Z"),  # -1 s: signed, as Cosmian reads it
        ("ProtectStopDate", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"),
        ("ProtectStopDate", "2026-06-01T02:00:00+02:00", "2026-06-01T00:00:00Z"),
    ],
)
def test_an_accepted_date_can_be_read_revoked_and_destroyed(kmip, tag, value, expected):
    key = first(kmip.ok(_with_date(tag, value)), "UniqueIdentifier")
    assert first(kmip.attributes(key, tag), tag) == expected
    [entry] = [e for e in kmip.http.get("/access/owned").json() if e["object_id"] == key]
    assert entry["attributes"][tag] == serde_date(expected)
    assert kmip.ok(s("Get", uid(key)))  # a PreActive key can be fetched
    kmip.ok(revoke(key))
    kmip.ok(destroy(key))
    assert kmip.state(key) == "Destroyed"
    assert key in find(
        kmip.ok(s("Locate", s("Attributes", t("State", "Enumeration", "Destroyed")))), "UniqueIdentifier"
    )
