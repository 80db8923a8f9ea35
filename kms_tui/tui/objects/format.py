"""Readable forms of KMIP attribute values for the detail pane (pure, no Textual)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, tzinfo
from typing import Any

from kms_tui.client.serde_dates import DATE_ATTRIBUTES
from kms_tui.kmip.enums import mask_names
from kms_tui.kmip.ttlv import parse_datetime


def usage_mask_names(mask: int) -> str:
    """``12`` → ``Encrypt, Decrypt (12)``; unknown bits are kept as hex."""
    return f"{', '.join(mask_names(mask)) or 'none'} ({mask})"


def format_date(value: datetime, local: tzinfo | None = None) -> str:
    """A date in local time and UTC: ``2026-11-22 07:03:44 CET (06:03:44 UTC)``."""
    utc = value.astimezone(UTC)
    here = value.astimezone(local) if local is not None else value.astimezone()
    if here.utcoffset() == utc.utcoffset():
        return utc.strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{here.strftime('%Y-%m-%d %H:%M:%S %Z').strip()} ({utc.strftime('%H:%M:%S UTC')})"


def format_length(algorithm: str, length: int) -> str:
    """Key size with its unit (bits; bytes too where people think in bytes)."""
    if length % 8 == 0 and algorithm.upper() in {"AES", "CHACHA20", "CHACHA20POLY1305"}:
        return f"{length} bits ({length // 8} bytes)"
    return f"{length} bits"


def format_value(name: str, value: Any, local: tzinfo | None = None) -> str:
    """One attribute value as a line of text."""
    if name == "CryptographicUsageMask" and isinstance(value, int):
        return usage_mask_names(value)
    if isinstance(value, datetime):
        return format_date(value, local)
    if isinstance(value, bytes):
        return value.hex().upper()
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_value(k, v, local)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(format_value(name, v, local) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def readable_attributes(attributes: dict[str, Any], local: tzinfo | None = None) -> list[tuple[str, str]]:
    """(label, text) pairs for every attribute except links, names and vendor attributes,
    which the detail pane shows in their own sections."""
    skip = {"Link", "Name", "Attribute", "Tags"}
    out: list[tuple[str, str]] = []
    algorithm = str(attributes.get("CryptographicAlgorithm", ""))
    for key in sorted(attributes):
        if key in skip:
            continue
        value = attributes[key]
        if key == "CryptographicLength" and isinstance(value, int):
            text = format_length(algorithm, value)
        elif key in DATE_ATTRIBUTES and isinstance(value, str):
            try:
                text = format_date(parse_datetime(value), local)
            except ValueError:
                text = value
        else:
            text = format_value(key, value, local)
        out.append((key, text))
    return out


def vendor_attributes(attributes: dict[str, Any]) -> list[tuple[str, str]]:
    """Vendor attributes other than tags, as (vendor/name, value)."""
    out = []
    for item in attributes.get("Attribute", []):
        if isinstance(item, dict) and item.get("AttributeName") != "tag":
            label = f"{item.get('VendorIdentification', '?')}/{item.get('AttributeName', '?')}"
            out.append((label, format_value(label, item.get("AttributeValue"))))
    return out


def pretty_json(text: str) -> str:
    """Indent a JSON document for reading; leaves non-JSON as it is."""
    try:
        return json.dumps(json.loads(text), indent=2)
    except ValueError:
        return text
