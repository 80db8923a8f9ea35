"""Locate and GetAttributes edge cases as Cosmian 5.26 answers them
(`crate/server/src/core/operations/locate.rs: locate`,
`server_database/src/stores/sql/locate_query.rs: query_from_attributes`,
`core/operations/attributes/get.rs: get_attributes`)."""

from __future__ import annotations

import json

from tests.server.kmip import destroy, find, first, revoke, s, t, tag_attr, uid


def _locate(kmip, *filters: dict, maximum: int | None = None, offset: int | None = None) -> dict:
    body = []
    if maximum is not None:
        body.append(t("MaximumItems", "Integer", maximum))
    if offset is not None:
        body.append(t("OffsetItems", "Integer", offset))
    return kmip.ok(s("Locate", *body, s("Attributes", *filters)))


def _tagged(kmip, tag: str, n: int) -> list[str]:
    return [kmip.create(tags=(tag,)) for _ in range(n)]


def test_maximum_items_zero_locates_nothing(kmip):
    _tagged(kmip, "max-zero", 2)
    for maximum in (0, -5):  # usize::try_from(mi.max(0))
        got = _locate(kmip, tag_attr("max-zero"), maximum=maximum)
        assert first(got, "LocatedItems") == 0 and find(got, "UniqueIdentifier") == []
    got = _locate(kmip, tag_attr("max-zero"), maximum=1)
    assert first(got, "LocatedItems") == 1 and len(find(got, "UniqueIdentifier")) == 1


def test_offset_items_is_ignored(kmip):
    keys = _tagged(kmip, "offset-ignored", 3)
    got = _locate(kmip, tag_attr("offset-ignored"), offset=2)
    assert sorted(find(got, "UniqueIdentifier")) == sorted(keys)


def test_a_name_without_name_type_does_not_decode(kmip):
    # kmip_types.rs: Name { name_value, name_type } — both required
    body = s("Locate", s("Attributes", s("Name", t("NameValue", "TextString", "x"))))
    assert kmip.fail(body).startswith("Codec_Error: missing field `NameType`")


def test_destroyed_objects_need_their_state_asked(kmip):
    live, gone, gone_compromised = _tagged(kmip, "states-filter", 3)
    kmip.ok(revoke(gone))
    kmip.ok(destroy(gone))
    kmip.ok(revoke(gone_compromised, "KeyCompromise"))
    kmip.ok(destroy(gone_compromised))
    assert find(_locate(kmip, tag_attr("states-filter")), "UniqueIdentifier") == [live]
    state = lambda v: t("State", "Enumeration", v)  # noqa: E731
    assert find(_locate(kmip, tag_attr("states-filter"), state("Destroyed")), "UniqueIdentifier") == [gone]
    assert find(_locate(kmip, tag_attr("states-filter"), state("Destroyed_Compromised")), "UniqueIdentifier") == [
        gone_compromised
    ]
    assert find(_locate(kmip, tag_attr("states-filter"), state("Active")), "UniqueIdentifier") == [live]


def test_get_attributes_of_a_destroyed_key(kmip):
    key = kmip.create(active=False, tags=("ga-destroyed",))
    kmip.ok(destroy(key))
    got = kmip.attributes(key)
    assert first(got, "State") == "Destroyed"
    assert first(got, "DestroyDate") == "1970-01-01T00:00:00Z"  # Cosmian never sets DestroyDate
    assert first(got, "DigestValue") is not None  # the Digest taken at creation stays


def test_all_attributes_but_tags_when_none_are_asked(kmip):
    key = kmip.create(tags=("ga-all",))
    everything = kmip.ok(s("GetAttributes", uid(key)))
    assert first(everything, "AttributeName") is None  # no Tag vendor attribute by default
    for tag in ("CryptographicAlgorithm", "State", "Digest", "LeaseTime", "RandomNumberGenerator", "InitialDate"):
        assert any(c["tag"] == tag for c in everything["value"][1]["value"]), tag
    assert sorted(json.loads(first(kmip.attributes(key, "Tag"), "AttributeValue"))) == ["_kk", "ga-all"]


def test_certificate_length_is_the_der_length(kmip):
    _, pk = kmip.create_pair("ECDSA", curve="P256")
    fields = []
    for part in ("CertificateSubject", "CertificateIssuer"):
        for suffix in ("Cn", "O", "Ou", "Email", "C", "St", "L", "Uid", "SerialNumber", "Title", "Dc", "DnQualifier"):
            fields.append(
                t(part + suffix, "TextString", "len.example" if part + suffix == "CertificateSubjectCn" else "")
            )
    cert = first(
        kmip.ok(s("Certify", uid(pk), s("Attributes", s("CertificateAttributes", *fields)))), "UniqueIdentifier"
    )
    der = bytes.fromhex(first(kmip.ok(s("Get", uid(cert))), "CertificateValue"))
    assert first(kmip.attributes(cert, "CertificateLength"), "CertificateLength") == len(der)
