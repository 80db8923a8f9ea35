"""Every KMIP document in Cosmian's regression vectors maps to its typed model without losing a
node; the negative vectors that Cosmian rejects at decoding time are rejected with the text the
vector expects."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from kms_tui.kmip.models import REQUESTS_BY_TAG, RESPONSES_BY_TAG, parse_node
from kms_tui.kmip.ttlv import TTLVError, decode, encode
from tests.conftest import DATA

VECTORS = DATA / "conformance" / "vectors"
FILES = sorted(p.relative_to(VECTORS).as_posix() for p in VECTORS.rglob("*.json"))
# Negative vectors whose request does not map to the operation struct (Cosmian: Codec_Error).
CODEC_FAILURES = {
    "negative/create/invalid_message/step1_create.json",
    "negative/import/invalid_message/step1_import.json",
    "negative/register/invalid_message/step1_register.json",
    "negative/type_mismatch/import_malformed_key/step1_import.json",
}
KMIP_TAGS = {*REQUESTS_BY_TAG, *RESPONSES_BY_TAG, "RequestMessage", "ResponseMessage"}


def _load(rel: str):
    text = re.sub(r"\{\{[^}]*\}\}", "placeholder", (VECTORS / rel).read_text())
    return json.loads(text)


def _leaves(obj: dict, path: str = "") -> list[tuple[str, str, str]]:
    here = f"{path}/{obj['tag']}"
    if "type" not in obj or obj["type"] == "Structure":
        return sorted(leaf for c in obj["value"] for leaf in _leaves(c, here))
    return [(here, obj["type"], json.dumps(obj["value"]))]


def _expected_error(rel: str) -> str:
    manifest = tomllib.loads((VECTORS / rel).parent.joinpath("manifest.toml").read_text())
    name = rel.rsplit("/", 1)[1]
    step = next(s for s in manifest["steps"] if s.get("request") == name)
    assert step.get("assert_success") is False
    return str(step["assert_error_contains"])


KMIP_FILES = [rel for rel in FILES if _load(rel).get("tag") in KMIP_TAGS]


def test_vectors_are_present_and_the_rest_are_access_bodies():
    assert len(KMIP_FILES) > 150
    assert CODEC_FAILURES <= set(KMIP_FILES)
    for rel in set(FILES) - set(KMIP_FILES):
        assert "tag" not in _load(rel) and "user_id" in _load(rel), rel


@pytest.mark.parametrize("rel", KMIP_FILES)
def test_vector_document_maps_to_its_model(rel):
    node = decode(json.dumps(_load(rel)))
    if rel in CODEC_FAILURES:
        with pytest.raises(TTLVError) as err:
            parse_node(node)
        assert err.value.kind == "codec"
        assert _expected_error(rel) in str(err.value)
        return
    model = parse_node(node)
    assert _leaves(json.loads(model.to_json())) == _leaves(json.loads(encode(node)))
