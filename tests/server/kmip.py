"""Small helpers for the server tests: build JSON TTLV requests and post them to a sandbox."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx


def t(tag: str, typ: str, value: Any) -> dict:
    return {"tag": tag, "type": typ, "value": value}


def s(tag: str, *children: dict) -> dict:
    return {"tag": tag, "value": list(children)}


def uid(value: str) -> dict:
    return t("UniqueIdentifier", "TextString", value)


def tag_attr(*tags: str) -> dict:
    return s(
        "Attribute",
        t("VendorIdentification", "TextString", "cosmian"),
        t("AttributeName", "TextString", "tag"),
        t("AttributeValue", "TextString", json.dumps(list(tags))),
    )


def aes(length: int = 256, *, active: bool = True, tags: tuple[str, ...] = (), extra: tuple[dict, ...] = ()) -> dict:
    attrs = [
        t("CryptographicAlgorithm", "Enumeration", "AES"),
        t("CryptographicLength", "Integer", length),
        t("CryptographicUsageMask", "Integer", 12),
        t("ObjectType", "Enumeration", "SymmetricKey"),
    ]
    if active:
        attrs.insert(0, t("ActivationDate", "DateTime", "2024-01-01T00:00:00Z"))
    if tags:
        attrs.append(tag_attr(*tags))
    attrs += list(extra)
    return s("Create", t("ObjectType", "Enumeration", "SymmetricKey"), s("Attributes", *attrs))


def key_pair(
    algorithm: str,
    *,
    length: int | None = None,
    curve: str | None = None,
    active: bool = True,
    tags: tuple[str, ...] = (),
) -> dict:
    common = [t("CryptographicAlgorithm", "Enumeration", algorithm)]
    if length:
        common.append(t("CryptographicLength", "Integer", length))
    if curve:
        common.append(s("CryptographicDomainParameters", t("RecommendedCurve", "Enumeration", curve)))
    if active:
        common.insert(0, t("ActivationDate", "DateTime", "2024-01-01T00:00:00Z"))
    if tags:
        common.append(tag_attr(*tags))
    return s("CreateKeyPair", s("CommonAttributes", *common))


def revoke(target: str, reason: str = "Unspecified", *, cascade: bool = False) -> dict:
    body = [uid(target), s("RevocationReason", t("RevocationReasonCode", "Enumeration", reason))]
    if cascade:
        body.append(t("Cascade", "Boolean", True))
    return s("Revoke", *body)


def destroy(target: str, *, remove: bool = False, cascade: bool = False) -> dict:
    body = [uid(target)]
    if remove:
        body.append(t("Remove", "Boolean", True))
    if cascade:
        body.append(t("Cascade", "Boolean", True))
    return s("Destroy", *body)


def find(node: Any, tag: str) -> list[Any]:
    """Every leaf value carrying ``tag``, depth first (like the conformance runner)."""
    out: list[Any] = []
    if isinstance(node, dict):
        if node.get("tag") == tag and not isinstance(node.get("value"), list):
            out.append(node.get("value"))
        if isinstance(node.get("value"), list):
            for c in node["value"]:
                out += find(c, tag)
    elif isinstance(node, list):
        for c in node:
            out += find(c, tag)
    return out


def first(node: Any, tag: str) -> Any:
    values = find(node, tag)
    return values[0] if values else None


def refused_message(kmip: Kmip, body: dict, path: str = "/kmip/2_1") -> str:
    """Post a RequestMessage Cosmian refuses whole (HTTP 200, one Invalid_Message item with no
    Operation, nothing run); returns the item's ResultMessage."""
    r = kmip.post(body, path=path)
    assert r.status_code == 200, r.text
    response = r.json()
    assert response["tag"] == "ResponseMessage"
    items = [c for c in response["value"] if c["tag"] == "BatchItem"]
    assert len(items) == 1 and first(response, "BatchCount") == 1
    assert first(items[0], "ResultStatus") == "OperationFailed"
    assert first(items[0], "ResultReason") == "Invalid_Message"
    assert first(items[0], "Operation") is None and first(items[0], "ResponsePayload") is None
    return first(items[0], "ResultMessage")


class ClosingClient(httpx.Client):
    """An ``httpx.Client`` that closes its connections when it is dropped: a test that lets its
    client go leaves no open socket behind (a ResourceWarning, an error under the suite's
    ``filterwarnings = error``)."""

    def __del__(self) -> None:
        self.close()


class Kmip:
    """A synchronous KMIP JSON client bound to one sandbox URL (and optional TLS/headers)."""

    def __init__(self, url: str, **client_kwargs: Any) -> None:
        self.url = url
        self.http = ClosingClient(base_url=url, timeout=30, **client_kwargs)

    def close(self) -> None:
        self.http.close()

    def post(self, body: Any, path: str = "/kmip/2_1") -> httpx.Response:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.http.post(path, content=data, headers={"Content-Type": "application/json"})

    def ok(self, body: Any) -> dict:
        r = self.post(body)
        assert r.status_code == 200, f"{r.status_code}: {r.text}"
        return r.json()

    def fail(self, body: Any, status: int = 422) -> str:
        r = self.post(body)
        assert r.status_code == status, f"{r.status_code}: {r.text}"
        return r.text

    def create(self, **kw: Any) -> str:
        return first(self.ok(aes(**kw)), "UniqueIdentifier")

    def create_kek(self) -> str:
        """An active AES key with the server's default usage mask (2108: WrapKey and UnwrapKey)."""
        body = s(
            "Create",
            t("ObjectType", "Enumeration", "SymmetricKey"),
            s(
                "Attributes",
                t("ActivationDate", "DateTime", "2024-01-01T00:00:00Z"),
                t("CryptographicAlgorithm", "Enumeration", "AES"),
            ),
        )
        return first(self.ok(body), "UniqueIdentifier")

    def create_pair(self, algorithm: str, **kw: Any) -> tuple[str, str]:
        r = self.ok(key_pair(algorithm, **kw))
        return first(r, "PrivateKeyUniqueIdentifier"), first(r, "PublicKeyUniqueIdentifier")

    def attributes(self, target: str, *refs: str) -> dict:
        body = [uid(target)] + [t("AttributeReference", "Enumeration", r) for r in refs]
        return self.ok(s("GetAttributes", *body))

    def state(self, target: str) -> str:
        return first(self.attributes(target, "State"), "State")

    def locate(self, *filters: dict, maximum: int | None = None) -> list[str]:
        body = [t("MaximumItems", "Integer", maximum)] if maximum else []
        return find(self.ok(s("Locate", *body, s("Attributes", *filters))), "UniqueIdentifier")


def _message(*items: dict, undo: bool = False) -> dict:
    header = [
        s("ProtocolVersion", t("ProtocolVersionMajor", "Integer", 2), t("ProtocolVersionMinor", "Integer", 1)),
        t("BatchCount", "Integer", len(items)),
    ]
    if undo:
        header.append(t("BatchErrorContinuationOption", "Enumeration", "Undo"))
    return s("RequestMessage", s("RequestHeader", *header), *items)


def _item(op: str, *payload: dict, batch_id: str | None = None) -> dict:
    head = [t("Operation", "Enumeration", op)]
    if batch_id:
        head.append(t("UniqueBatchItemID", "ByteString", batch_id))
    return s("BatchItem", *head, s("RequestPayload", *payload))


def _items(response: dict) -> list[dict]:
    assert response["tag"] == "ResponseMessage"
    return [c for c in response["value"] if c["tag"] == "BatchItem"]


def _wait_for(predicate, tries: int = 60):
    """The predicate's first true value, polled every 0.3 s."""
    for _ in range(tries):
        found = predicate()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError("the scheduler did not rotate the key in time")


def located_ids(client: httpx.Client) -> list[str]:
    """Every object id Locate returns (the store as a user sees it)."""
    resp = client.post("/kmip/2_1", content='{"tag":"Locate","value":[{"tag":"Attributes","value":[]}]}')
    assert resp.status_code == 200, resp.text
    body = resp.json()
    return sorted(n["value"] for n in body["value"] if n["tag"] == "UniqueIdentifier")


def serde_date(text: str) -> list[int]:
    """An RFC 3339 date as time's serde tuple (year, ordinal, h, m, s, ns, offset h, m, s)."""
    d = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    return [d.year, d.timetuple().tm_yday, d.hour, d.minute, d.second, d.microsecond * 1000, 0, 0, 0]
