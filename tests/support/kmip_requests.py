"""Bare KMIP 2.1 JSON TTLV request bodies that several tests and benchmarks send."""

from __future__ import annotations

import json
from typing import Any


def aes_create(*, tag: str | None = None, active: bool = False) -> dict[str, Any]:
    """Create of an AES-256 key (Encrypt|Decrypt), optionally tagged and already Active."""
    attrs: list[dict[str, Any]] = [
        {"tag": "CryptographicAlgorithm", "type": "Enumeration", "value": "AES"},
        {"tag": "CryptographicLength", "type": "Integer", "value": 256},
        {"tag": "CryptographicUsageMask", "type": "Integer", "value": 12},
        {"tag": "ObjectType", "type": "Enumeration", "value": "SymmetricKey"},
    ]
    if active:
        attrs.append({"tag": "ActivationDate", "type": "DateTime", "value": "2024-01-01T00:00:00Z"})
    if tag is not None:
        attrs.append(tag_attribute([tag]))
    return {
        "tag": "Create",
        "value": [{"tag": "ObjectType", "type": "Enumeration", "value": "SymmetricKey"}, {"tag": "Attributes", "value": attrs}],
    }


def tag_attribute(tags: list[str], vendor: str = "cosmian") -> dict[str, Any]:
    """The Cosmian vendor attribute carrying tags (a TextString holding a JSON array)."""
    return {
        "tag": "Attribute",
        "value": [
            {"tag": "VendorIdentification", "type": "TextString", "value": vendor},
            {"tag": "AttributeName", "type": "TextString", "value": "tag"},
            {"tag": "AttributeValue", "type": "TextString", "value": json.dumps(tags)},
        ],
    }


def uid_op(op: str, uid: str) -> dict[str, Any]:
    """An operation whose only field is the UniqueIdentifier (Get, Activate, Destroy…)."""
    return {"tag": op, "value": [{"tag": "UniqueIdentifier", "type": "TextString", "value": uid}]}


def uid_of(response: dict[str, Any]) -> str:
    """The first UniqueIdentifier of a bare response node."""
    return next(n["value"] for n in response["value"] if n["tag"] == "UniqueIdentifier")
