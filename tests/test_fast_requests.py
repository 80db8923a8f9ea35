"""The hot requests built without pydantic (kms_tui.client.fast_requests) are byte for byte the
JSON TTLV the KMIP models build, over many inputs; inputs the fast builders do not take on go
to the models and raise the errors users know."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime

import pytest

from kms_tui.client import fast_requests as fast
from kms_tui.client import requests as client_requests
from kms_tui.client.errors import InvalidValue
from kms_tui.client.requests import LocateFilter
from kms_tui.kmip.enums import CryptographicAlgorithm, ObjectType, State
from kms_tui.kmip.models import RequestMessage
from kms_tui.kmip.models import requests as build
from kms_tui.kmip.models.attributes import COSMIAN, TAG_ATTRIBUTE
from kms_tui.kmip.ttlv import encode

TAGS = [(), ("a",), ("a", "b"), ("b", "a", "b"), ("é ü", 'quo"te', "back\\slash"), ("x" * 300,), ("\u2028", "\x00")]
NAMES = [None, "", "k", "name with spaces", "ünïcødé", 'a"b']


def _model_create(algorithm, length, tags, name, now, activate=True):
    alg = CryptographicAlgorithm.from_wire(algorithm)
    return encode(
        build.create_symmetric_key_request(alg, length, list(tags), name=name, now=now, activate=activate).to_ttlv()
    )


def test_constants_are_the_models():
    assert fast.SYMMETRIC_DEFAULT_MASK == build.SYMMETRIC_DEFAULT_MASK
    assert (fast.COSMIAN, fast.TAG_ATTRIBUTE) == (COSMIAN, TAG_ATTRIBUTE)


@pytest.mark.parametrize("algorithm", ["AES", "ChaCha20", "SHA3256", "HMACSHA256", 3, "aes"])
def test_create_symmetric_key_is_byte_identical(algorithm, monkeypatch):
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return now.replace(microsecond=123456)

    monkeypatch.setattr(fast, "datetime", Clock)
    lengths = [0, 128, 192, 256, 512, 2**31 - 1]
    for length, tags, name, activate in itertools.product(lengths, TAGS, NAMES, (True, False)):
        try:
            expected = _model_create(algorithm, length, tags, name, now, activate)
        except ValueError:  # "aes": unknown to the models, so the fast path must decline it too
            assert fast.create_symmetric_key(algorithm, length, tags, name, activate) is None
            continue
        got = fast.create_symmetric_key(algorithm, length, tags, name, activate)
        assert got is not None and encode(got) == expected, (algorithm, length, tags, name, activate)
        assert ("ActivationDate" in expected) is activate  # pre-active: the console's "n" without activation


def test_create_declines_what_it_does_not_know_and_the_models_still_refuse():
    assert fast.create_symmetric_key("NoSuchAlg", 256, (), None) is None
    assert fast.create_symmetric_key("AES", 2**31, (), None) is None
    assert fast.create_symmetric_key("AES", -1, (), None) is None
    assert fast.create_symmetric_key("AES", 256, (1,), None) is None
    with pytest.raises(InvalidValue, match="unknown algorithm 'NoSuchAlg'"):
        client_requests.create_symmetric_key("NoSuchAlg", 256)


def _filters(rng: random.Random) -> LocateFilter:
    pick = rng.choice
    return LocateFilter(
        object_type=pick([None, None, "SymmetricKey", "PrivateKey", "Certificate", "SecretData", 2]),
        algorithm=pick([None, None, "AES", "RSA", "EC", "ECDSA", 3]),
        state=pick([None, None, "Active", "PreActive", "Destroyed", "Compromised"]),
        tags=pick(TAGS),
        name=pick(NAMES),
        length=pick([None, 0, 128, 256, 4096]),
    )


def _model_locate(filters: LocateFilter, maximum):
    return encode(
        build.locate_request(
            build.LocateFilters(
                tags=list(filters.tags),
                object_type=ObjectType.from_wire(filters.object_type) if filters.object_type is not None else None,
                cryptographic_algorithm=(
                    CryptographicAlgorithm.from_wire(filters.algorithm) if filters.algorithm is not None else None
                ),
                cryptographic_length=filters.length or None,
                state=State.from_wire(filters.state) if filters.state is not None else None,
                name=filters.name or None,
                max_items=maximum or None,
            )
        ).to_ttlv()
    )


def test_locate_is_byte_identical_over_many_filters():
    rng = random.Random(14)
    cases = [(LocateFilter(), None), (LocateFilter(), 0), (LocateFilter(), 1000)]
    cases += [(_filters(rng), rng.choice([None, 0, 1, 500, 1000])) for _ in range(600)]
    for filters, maximum in cases:
        got = fast.locate(filters, maximum)
        assert got is not None and encode(got) == _model_locate(filters, maximum), (filters, maximum)
        assert encode(client_requests.locate(filters, maximum=maximum)) == encode(got)


def test_locate_declines_links_and_unknown_values_which_the_models_refuse():
    assert fast.locate(LocateFilter(linked_to="x"), None) is None
    assert fast.locate(LocateFilter(state="Sleeping"), None) is None
    with pytest.raises(InvalidValue, match="unknown state 'Sleeping'"):
        client_requests.locate(LocateFilter(state="Sleeping"))
    # a link filter is still built by the models, as before
    linked = encode(client_requests.locate(LocateFilter(linked_to="abc"), link_type="ParentLink"))
    assert '"LinkedObjectIdentifier","type":"TextString","value":"abc"' in linked


@pytest.mark.parametrize("uid", ["a", "5b8b0a3f-0000-4000-8000-000000000000", '["t1","t2"]', "", 'é\u2028"x'])
def test_get_attributes_and_tags_are_byte_identical(uid):
    assert encode(fast.get_attributes(uid)) == encode(build.get_attributes_request(uid).to_ttlv())
    assert encode(fast.get_attributes(uid, tags_only=True)) == encode(
        build.get_attributes_request(uid, ["Tag"]).to_ttlv()
    )


def test_request_message_is_byte_identical():
    ops = [
        client_requests.get_attributes("a"),
        client_requests.get_tags("a"),
        client_requests.locate(LocateFilter(tags=("x",))),
        client_requests.create_symmetric_key(),
        client_requests.revoke("r"),
        client_requests.destroy("d"),
        client_requests.activate("b"),
    ]
    for n in (0, 1, 2, 7):
        for chosen in itertools.combinations(ops, n) if n < 7 else [ops]:
            got = fast.request_message(list(chosen))
            assert got is not None
            assert encode(got) == encode(RequestMessage.of(*chosen).to_ttlv())
    many = [client_requests.get_tags(str(i)) for i in range(5000)]
    assert encode(fast.request_message(many)) == encode(RequestMessage.of(*many).to_ttlv())
