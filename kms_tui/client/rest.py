"""The REST (non-TTLV) endpoints of Cosmian KMS 5.x (reference §2.3), as a mixin of KmsClient."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator, Sequence
from typing import TYPE_CHECKING, Any

from kms_tui.client import errors
from kms_tui.client.exchange import body_text, json_body
from kms_tui.client.retry import OpKind

if TYPE_CHECKING:
    from kms_tui.client.exchange import Exchange


class RestCalls:
    """``/version``, ``/health``, ``/server-info``, ``/me`` and ``/access/*``."""

    exchange: Exchange

    async def _rest(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        operation: str,
        object_ids: Sequence[str] = (),
        audited: bool = True,
        ok_statuses: tuple[int, ...] = (200,),
        raw: bool = False,
        expect: type | tuple[type, ...] = object,
        listing: bool = False,
    ) -> Any:
        """One REST call; its JSON answer, which must be an ``expect`` (else ProtocolError).
        ``listing``: the answer may be as large as the listing cap."""
        kind = OpKind.READ if method == "GET" else OpKind.REPEATABLE
        started, attempts = time.monotonic(), 1
        try:
            outcome = await self.exchange.attempt(
                method,
                path,
                content=json.dumps(body) if body is not None else None,
                kind=kind,
                operation=operation,
                target=object_ids[0] if object_ids else "",
                listing=listing,
            )
            attempts = outcome.attempts
            r = outcome.response
            if r.status_code not in ok_statuses:
                raise errors.from_http_status(
                    r.status_code,
                    body_text(r),
                    operation,
                    object_ids[0] if object_ids else "",
                    r.headers.get("content-type", ""),
                )
            host = self.exchange.settings.host
            result = r.content if raw else json_body(r, operation, host)
            if raw and expect is list and not r.content.lstrip()[:1] == b"[":  # sliced later: check the start
                raise errors.unreadable_answer(
                    "a JSON array",
                    r.status_code,
                    r.content,
                    operation=operation,
                    host=host,
                    content_type=r.headers.get("content-type", ""),
                    reason="not_json",
                )
            if not raw and not isinstance(result, expect):
                raise errors.unreadable_answer(
                    f"the JSON {_names(expect)} Cosmian KMS answers",
                    r.status_code,
                    r.content,
                    operation=operation,
                    host=host,
                    reason="wrong_shape",
                )
            # httpx's Response <-> stream cycle keeps the body (10 MB for /access/owned) until a full
            # collection, which the console postpones and then freezes: break it, refcounting frees it
            r.stream = None  # type: ignore[assignment]  # read: never used again
        except BaseException as exc:
            if audited:
                self.exchange.record(operation, object_ids, started, error=exc, attempts=attempts)
            raise
        if audited:
            self.exchange.record(operation, object_ids, started, attempts=attempts)
        return result

    async def version(self) -> str:
        """The server version string, e.g. ``5.26.0 (OpenSSL 3.x-FIPS)``."""
        return str(await self._rest("GET", "/version", operation="version", audited=False, expect=str))

    async def health(self) -> dict[str, Any]:
        """``/health`` (503 when DOWN still returns the body)."""
        return dict(
            await self._rest("GET", "/health", operation="health", audited=False, ok_statuses=(200, 503), expect=dict)
        )

    async def server_info(self) -> dict[str, Any]:
        return dict(await self._rest("GET", "/server-info", operation="server-info", audited=False, expect=dict))

    async def me(self) -> str:
        """The user name the server resolved for our credentials (``GET /me``)."""
        data = await self._rest("GET", "/me", operation="me", audited=False, expect=(dict, str))
        user = str(data.get("user", "")) if isinstance(data, dict) else str(data)
        self.exchange.user = user
        return user

    async def access_owned(self) -> list[dict[str, Any]]:
        """Objects we own, with their attributes (any state)."""
        return list(await self._rest("GET", "/access/owned", operation="access/owned", expect=list, listing=True))

    async def access_owned_json(self) -> bytes:
        """``/access/owned`` as the undecoded JSON bytes, for callers that decode it in slices
        (listing): at 10,000 objects, turning those 10 MB into one ``str`` alone is a 10-15 ms pause."""
        return bytes(
            await self._rest("GET", "/access/owned", operation="access/owned", raw=True, listing=True, expect=list)
        )

    async def access_owned_pieces(self) -> AsyncGenerator[bytes, None]:
        """``/access/owned`` as it arrives: its decoded bytes a piece at a time, never held whole
        (``kms-tui locate --json`` at 100,000 objects; :class:`kms_tui.client.json_slices.ArrayEntries`
        turns them into entries). The call is audited when the answer has been read to its end."""
        operation, started, attempts = "access/owned", time.monotonic(), 1
        try:
            outcome = await self.exchange.attempt(
                "GET", "/access/owned", kind=OpKind.READ, operation=operation, listing=True, stream=True
            )
            attempts, r = outcome.attempts, outcome.response
            if r.status_code != 200:
                raise errors.from_http_status(
                    r.status_code, body_text(r), operation, "", r.headers.get("content-type", "")
                )
            async for piece in self.exchange.pieces(outcome, operation):
                yield piece
        except BaseException as exc:
            self.exchange.record(operation, (), started, error=exc, attempts=attempts)
            raise
        self.exchange.record(operation, (), started, attempts=attempts)

    async def access_obtained(self) -> list[dict[str, Any]]:
        """Objects others granted us rights on."""
        return list(await self._rest("GET", "/access/obtained", operation="access/obtained", expect=list, listing=True))

    async def access_list(self, object_id: str) -> list[dict[str, Any]]:
        """Who has which rights on an object we own."""
        return list(
            await self._rest(
                "GET", f"/access/list/{object_id}", operation="access/list", object_ids=[object_id], expect=list
            )
        )

    async def grant(self, object_id: str, user_id: str, operations: Sequence[str]) -> str:
        """Grant ``operations`` (lowercase names: get, encrypt, destroy…) on an object to a user."""
        body = {"unique_identifier": object_id, "user_id": user_id, "operation_types": list(operations)}
        data = await self._rest("POST", "/access/grant", body=body, operation="access/grant", object_ids=[object_id])
        return str(data.get("success", "")) if isinstance(data, dict) else str(data)

    async def revoke_access(self, object_id: str, user_id: str, operations: Sequence[str]) -> str:
        body = {"unique_identifier": object_id, "user_id": user_id, "operation_types": list(operations)}
        data = await self._rest("POST", "/access/revoke", body=body, operation="access/revoke", object_ids=[object_id])
        return str(data.get("success", "")) if isinstance(data, dict) else str(data)

    async def access_create(self) -> bool:
        data = await self._rest("GET", "/access/create", operation="access/create", expect=(dict, bool))
        return bool(data.get("has_create_permission")) if isinstance(data, dict) else bool(data)

    async def access_privileged(self) -> bool:
        data = await self._rest("GET", "/access/privileged", operation="access/privileged", expect=(dict, bool))
        return bool(data.get("has_privileged_access")) if isinstance(data, dict) else bool(data)


def _names(expect: type | tuple[type, ...]) -> str:
    kinds = expect if isinstance(expect, tuple) else (expect,)
    words = {dict: "object", list: "array", str: "string", bool: "boolean"}
    return " or ".join(words.get(k, k.__name__) for k in kinds)
