"""After thousands of malformed requests the sandbox still works and its store is whole.

The seeds are the requests of Cosmian's conformance pack and of the reference samples; each is
mutated in seeded ways aimed at what gets *stored* (attribute nodes of the wrong type or shape,
repeated single-valued attributes, vendor attributes of odd types, extreme or malformed dates)
besides the generic ones of test_bad_input_fuzz.py and test_robustness.py, and sent bare and in
a RequestMessage (also with Undo). No answer may be a 5xx. Afterwards every normal operation
works (Locate by name, algorithm, state, tag and object type; GetAttributes; Get; Revoke;
Destroy), every stored object is readable through the server, and every row of the database
decodes.
"""

from __future__ import annotations

import copy
import json
import random
import sqlite3
from typing import Any

import httpx
import pytest

from kms_tui.kmip import ttlv_node
from kms_tui.kmip.ttlv import decode
from tests.conftest import DATA
from tests.server.kmip import Kmip, aes, destroy, find, first, key_pair, revoke, s, t, tag_attr, uid
from tests.support.sandbox import start_sandbox

SEED = 20261203
CASES = 2600
ATTRIBUTE_TAGS = [
    "Name",
    "Link",
    "CryptographicAlgorithm",
    "CryptographicLength",
    "ObjectType",
    "State",
    "Attribute",
    "ActivationDate",
    "DeactivationDate",
    "UniqueIdentifier",
    "ObjectGroup",
    "CryptographicDomainParameters",
    "KeyFormatType",
    "Digest",
    "ApplicationSpecificInformation",
    "CryptographicUsageMask",
    "RevocationReason",
    "LeaseTime",
    "Comment",
]
TYPES = sorted(ttlv_node.TYPES)  # every KMIP type (sorted: the seeded draws are stable)
VALUES = {
    "Structure": [
        [],
        [{"tag": "NameValue", "type": "TextString", "value": "x"}],
        [{"tag": "Bogus", "type": "Integer", "value": 1}],
    ],
    "Integer": [0, -1, 2**31 - 1, -(2**31), "0x7FFFFFFF", "0xFFFFFFFF"],
    "LongInteger": ["0x7FFFFFFFFFFFFFFF", "0x8000000000000000", 0, -5],
    "BigInteger": ["0x00", "0xFFFFFFFFFFFFFFFF", "0x0000000000000001"],
    "Enumeration": [
        "AES",
        "NoSuchVariant",
        "0x00000000",
        "0xFFFFFFFF",
        0,
        4294967295,
        "SymmetricKey",
        "UninterpretedTextString",
        "PublicKeyLink",
        "Active",
        "Destroyed",
    ],
    "Boolean": [True, False],
    "TextString": ["", "[", '["a"]', "é\u202e", "x" * 300, '["_kk"]'],
    "ByteString": ["", "00", "FF" * 40],
    "DateTime": [
        "0x7FFFFFFFFFFFFFFF",
        "0x8000000000000000",
        "0xFFFFFFFFFFFFFFFF",
        "0x0000000000000000",
        "0999-01-01T00:00:00Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-01:00",
        "2026-01-01T00:00:00",
        "2026-01-01",
        "yesterday",
    ],
    "Interval": [0, 4294967295, -1],
    "DateTimeExtended": ["0x7FFFFFFFFFFFFFFF", "0x0000000000000000"],
}


def _seeds() -> list[dict]:
    files = sorted((DATA / "reference" / "ttlv_samples").glob("*_request.json"))
    files += sorted(p for p in (DATA / "conformance" / "vectors").rglob("*.json") if "user_id" not in p.read_text())
    out = []
    for f in files:
        if f.name.startswith("LEGACY"):
            continue
        doc = json.loads(f.read_text())
        # RSA keygen is left out to keep the test quick; it has its own tests
        if isinstance(doc, dict) and isinstance(doc.get("tag"), str) and '"RSA"' not in f.read_text():
            out.append(doc)
    # the operations whose payloads store attributes, plainly, so that most mutations store something
    out += [aes(tags=("fz",)), aes(active=False), key_pair("EC", curve="P256", tags=("fz",))] * 4
    return out


def _nodes(node: Any, acc: list) -> list:
    if isinstance(node, dict):
        acc.append(node)
        if isinstance(node.get("value"), list):
            for c in node["value"]:
                _nodes(c, acc)
    return acc


def _node(rng: random.Random) -> dict:
    tag = rng.choice(ATTRIBUTE_TAGS)
    typ = rng.choice(TYPES)
    return {"tag": tag, "type": typ, "value": copy.deepcopy(rng.choice(VALUES[typ]))}


def _mutate(rng: random.Random, doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        nodes = [n for n in _nodes(doc, []) if n is not doc] or [doc]
        structures = [n for n in _nodes(doc, []) if isinstance(n.get("value"), list)] or [doc]
        attributes = [
            n
            for n in structures
            if n.get("tag")
            in ("Attributes", "CommonAttributes", "PrivateKeyAttributes", "PublicKeyAttributes", "NewAttribute")
        ] or structures
        if not isinstance(doc.get("value"), list):
            break
        r = rng.random()
        if r < 0.35:  # an attribute of any type/shape where attributes are stored
            rng.choice(attributes)["value"].append(_node(rng))
        elif r < 0.5:  # a repeated attribute
            target = rng.choice(attributes)["value"]
            if target:
                target.append(copy.deepcopy(rng.choice(target)))
        elif r < 0.6:  # a vendor attribute with an odd value
            typ = rng.choice(TYPES)
            value = {"tag": "AttributeValue", "type": typ, "value": copy.deepcopy(rng.choice(VALUES[typ]))}
            rng.choice(attributes)["value"].append(
                s(
                    "Attribute",
                    t("VendorIdentification", "TextString", rng.choice(["cosmian", "x", ""])),
                    t("AttributeName", "TextString", rng.choice(["tag", "n", ""])),
                    value,
                )
            )
        elif r < 0.75:  # a node's type changed (its value kept, or one of that type)
            n = rng.choice(nodes)
            n["type"] = rng.choice(TYPES)
            if rng.random() < 0.5:
                n["value"] = copy.deepcopy(rng.choice(VALUES[n["type"]]))
        elif r < 0.85:  # a child dropped
            n = rng.choice(structures)
            if n["value"]:
                n["value"].pop(rng.randrange(len(n["value"])))
        else:  # a date anywhere
            n = rng.choice(nodes)
            n.update(type="DateTime", value=rng.choice(VALUES["DateTime"]))
    return doc


def _message(doc: dict, rng: random.Random) -> dict:
    header = [
        s("ProtocolVersion", t("ProtocolVersionMajor", "Integer", 2), t("ProtocolVersionMinor", "Integer", 1)),
        t("BatchCount", "Integer", 2),
    ]
    if rng.random() < 0.5:
        header.append(t("BatchErrorContinuationOption", "Enumeration", rng.choice(["Undo", "Continue", "Stop"])))
    items = [
        s("BatchItem", t("Operation", "Enumeration", d.get("tag")), {"tag": "RequestPayload", "value": d.get("value")})
        for d in (doc, aes(tags=("fz-batch",)))
    ]
    return s("RequestMessage", s("RequestHeader", *header), *items)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    sb = start_sandbox(tmp_path_factory.mktemp("fuzz-integrity"))
    rng = random.Random(SEED)
    seeds = _seeds()
    failures: list[str] = []
    with httpx.Client(base_url=sb.url, timeout=60) as client:
        for _ in range(CASES):
            doc = _mutate(rng, rng.choice(seeds))
            body = _message(doc, rng) if rng.random() < 0.3 else doc
            path = "/kmip" if body["tag"] == "RequestMessage" and rng.random() < 0.3 else "/kmip/2_1"
            r = client.post(path, content=json.dumps(body), headers={"Content-Type": "application/json"})
            if r.status_code >= 500:
                failures.append(f"HTTP {r.status_code} {r.text[:80]} for {json.dumps(body)[:400]}")
    yield sb, failures
    sb.stop()


def test_no_malformed_request_gets_a_5xx(fuzzed):
    sb, failures = fuzzed
    assert failures == [], f"{len(failures)} requests got a 5xx:\n" + "\n".join(failures[:10])
    assert sb.proc.poll() is None


def test_every_normal_operation_still_works(fuzzed):
    sb, _ = fuzzed
    kmip = Kmip(sb.url)
    try:
        key = kmip.create(
            tags=("after-fuzz",),
            extra=(
                s(
                    "Name",
                    t("NameValue", "TextString", "after-fuzz-name"),
                    t("NameType", "Enumeration", "UninterpretedTextString"),
                ),
            ),
        )
        private, public = kmip.create_pair("EC", curve="P256", tags=("after-fuzz",))
        assert kmip.locate(
            s(
                "Name",
                t("NameValue", "TextString", "after-fuzz-name"),
                t("NameType", "Enumeration", "UninterpretedTextString"),
            )
        ) == [key]
        assert key in kmip.locate(t("CryptographicAlgorithm", "Enumeration", "AES"))
        assert key in kmip.locate(t("State", "Enumeration", "Active"))
        assert set(kmip.locate(tag_attr("after-fuzz"))) == {key, private, public}
        assert public in kmip.locate(t("ObjectType", "Enumeration", "PublicKey"))
        assert first(kmip.attributes(key), "UniqueIdentifier") == key
        assert first(kmip.ok(s("Get", uid(key))), "UniqueIdentifier") == key
        kmip.ok(revoke(key))
        kmip.ok(destroy(key))
        assert kmip.state(key) == "Destroyed"
        kmip.ok(revoke(private, cascade=True))
        kmip.ok(destroy(private, remove=True))
    finally:
        kmip.close()


def test_every_stored_object_reads_back(fuzzed):
    sb, _ = fuzzed
    kmip = Kmip(sb.url)
    try:
        owned = kmip.http.get("/access/owned")
        assert owned.status_code == 200
        ids = [e["object_id"] for e in owned.json()]
        assert len(ids) > 50, "the mutations stored almost nothing: the test no longer exercises storing"
        bad = []
        for i in ids:
            r = kmip.post(s("GetAttributes", uid(i)))
            if r.status_code != 200:
                bad.append(f"{i}: GetAttributes {r.status_code} {r.text[:100]}")
            elif find(r.json(), "UniqueIdentifier")[:1] != [i]:
                bad.append(f"{i}: GetAttributes answered for another object")
        assert bad == []
    finally:
        kmip.close()
    with sqlite3.connect(f"file:{sb.db}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT id, object, attributes, plain_attributes FROM objects").fetchall()
    for oid, obj, attrs, plain in rows:
        decode(obj), decode(attrs)
        assert isinstance(json.loads(plain), dict), oid


@pytest.mark.parametrize(
    "extra,message",
    [
        ((t("CryptographicAlgorithm", "Enumeration", "ChaCha20"),), "duplicate field `CryptographicAlgorithm`"),
        ((s("Name", t("NameValue", "TextString", "n")),), "missing field `NameType`"),
        (
            (t("ApplicationSpecificInformation", "TextString", "x"),),
            "invalid type for `ApplicationSpecificInformation`",
        ),
        ((t("LeaseTime", "Integer", 5),), "invalid type for `LeaseTime`"),
        ((t("InitialDate", "TextString", "2026-01-01T00:00:00Z"),), "invalid type for `InitialDate`"),
    ],
)
def test_attributes_serde_would_refuse_are_refused_and_not_stored(fuzzed, extra, message):
    sb, _ = fuzzed
    kmip = Kmip(sb.url)
    try:
        before = {e["object_id"] for e in kmip.http.get("/access/owned").json()}
        body = kmip.fail(aes(extra=extra))
        assert body.startswith("Codec_Error: ") and message in body
        assert {e["object_id"] for e in kmip.http.get("/access/owned").json()} == before
    finally:
        kmip.close()
