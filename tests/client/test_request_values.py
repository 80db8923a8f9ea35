"""The client's requests come from the kmip ckms-style builders: what they send, and what a
value no request can carry (an unknown algorithm, state or key kind) turns into."""

from __future__ import annotations

import json

import pytest

from kms_tui.client import ConnectionSettings, KmsClient
from kms_tui.client import requests as kmip
from kms_tui.client.errors import InvalidValue
from kms_tui.kmip.ttlv import encode
from tests.client.conftest import write_conf


def test_unknown_filter_value_is_a_usage_error_naming_the_accepted_ones(kms_cli, sandbox, tmp_path):
    conf = write_conf(tmp_path / "ckms.toml", {"server_url": sandbox.url})
    r = kms_cli("locate", "--algorithm", "AESS", "--conf", conf, "--json")
    assert r.code == 3, r.err
    assert r.json["error"]["type"] == "InvalidValue"
    assert "unknown algorithm 'AESS'" in r.err and "AES" in r.json["error"]["fix"]
    assert kms_cli("locate", "--algorithm", "AES", "--conf", conf, "--json").code == 0


def test_key_pair_request_is_ckms_shaped_and_named_on_the_private_key_only():
    wire = json.loads(encode(kmip.create_key_pair("ec", curve="p384", tags=["t"], name="payments")))
    common, private, public = (part["value"] for part in wire["value"])
    for part in (common, private, public):  # ckms sends Qlength 256 whatever the curve
        params = next(n for n in part if n["tag"] == "CryptographicDomainParameters")["value"]
        assert {"tag": "Qlength", "type": "Integer", "value": 256} in params
        assert {"tag": "RecommendedCurve", "type": "Enumeration", "value": "P384"} in params
    names = [[n for n in part if n["tag"] == "Name"] for part in (common, private, public)]
    assert [len(n) for n in names] == [0, 1, 0]
    assert any(n["tag"] == "Attribute" for n in common)  # tags: CommonAttributes, both keys
    with pytest.raises(InvalidValue, match="unknown key pair kind 'dsa'"):
        kmip.create_key_pair("dsa")


async def test_p384_pair_is_created_with_its_curve_length_and_name(sandbox):
    async with KmsClient(ConnectionSettings.from_http_config({"server_url": sandbox.url})) as client:
        sk, pk = await client.create_key_pair("ec", curve="p384", name="payments", tags=["pay"])
        got = await client.get_attributes_many([sk, pk])
    # Cosmian's to_ec_private_key/to_ec_public_key: byte lengths × 8 — the minimal scalar (384
    # bits, 376 when its top byte is zero) and the compressed point (49 bytes)
    assert got[sk]["CryptographicLength"] in (376, 384) and got[pk]["CryptographicLength"] == 392
    assert got[sk].get("names") == ["payments"] and not got[pk].get("names")
    assert "pay" in got[sk]["tags"] and "pay" in got[pk]["tags"]  # beside the system tags _sk/_pk
