"""Attribute and tag edits on one object, with Cosmian KMS 5.26's semantics.

* :func:`set_attributes` sends one ``SetAttribute`` per attribute and :func:`delete_attributes`
  one ``DeleteAttribute`` per attribute (``CurrentAttribute``), in order, as ``ckms attributes
  set|delete`` do (``kms_tui.kmip.models.attribute_requests``). Cosmian's SetAttribute adds a
  Name next to the existing ones (it does not replace them), replaces a link of the same type, a
  vendor attribute of the same (vendor, name), and a date.
* Tags live in their own table in Cosmian 5.26: SetAttribute/AddAttribute/DeleteAttribute keep
  the tags the object had (``crate/server/src/core/operations/attributes/set.rs``: the tags are
  read back and written unchanged), so a ``cosmian``/``tag`` vendor attribute sent that way does
  not change what Locate finds. The one way is the REST API: ``POST`` / ``DELETE
  /v1/crypto/keys/{id}/tags`` with ``{"tags": [...]}`` (``crate/server/src/routes/jose/tags.rs``).
  :func:`change_tags` uses it; a server without that route (HTTP 404 that is not Cosmian's JSON
  ``not_found``) gets a ``SetAttribute`` of the tag vendor attribute holding the whole new set,
  which servers that keep tags in the attributes honour. Either way the tags are read back and
  a server that did not change them is an error, never a silent success.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from kms_tui.client import errors
from kms_tui.client.exchange import body_text
from kms_tui.client.retry import OpKind
from kms_tui.kmip.models import attribute_requests as R
from kms_tui.kmip.models.attributes import Attributes
from kms_tui.safetext import visible

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient

__all__ = [
    "set_attributes",
    "modify_attributes",
    "delete_attributes",
    "change_tags",
    "current_tags",
    "check_tags",
    "TagsNotChanged",
]


class TagsNotChanged(errors.ServerRefused):
    """The server accepted a tag change but the object's tags are not what was asked (exit 1)."""


def check_tags(tags: Iterable[str]) -> list[str]:
    """User tags as Cosmian accepts them: non-empty, not starting with ``_`` (InvalidValue)."""
    out = []
    for t in tags:
        if not t:
            raise errors.InvalidValue("a tag must not be empty", reason="bad_tag")
        if t.startswith("_"):
            raise errors.InvalidValue(
                f"tag {visible(t)!r} starts with '_', which the server reserves for its own tags",
                "choose a tag that does not start with '_'",
                reason="bad_tag",
            )
        out.append(t)
    return list(dict.fromkeys(out))


async def set_attributes(client: KmsClient, uid: str, attributes: Sequence[Attributes]) -> str:
    """One SetAttribute per attribute, in order; the id the server answered."""
    answered = uid
    for attribute in attributes:
        response = await client.send(R.set_attribute(uid, attribute).to_ttlv(), require=("UniqueIdentifier",))
        answered = str(response.get_value("UniqueIdentifier", uid))
    return answered


async def add_attributes(client: KmsClient, uid: str, attributes: Sequence[Attributes]) -> str:
    """One AddAttribute per attribute, in order (Cosmian refuses one the object already has:
    ``… already exists``, a Name ``Non_Unique_Name_Attribute``)."""
    answered = uid
    for attribute in attributes:
        response = await client.send(R.add_attribute(uid, attribute).to_ttlv(), require=("UniqueIdentifier",))
        answered = str(response.get_value("UniqueIdentifier", uid))
    return answered


async def modify_attributes(client: KmsClient, uid: str, attributes: Sequence[Attributes]) -> str:
    """One ModifyAttribute per attribute, in order (Cosmian: a Name replaces the first name; an
    ActivationDate only on a PreActive object, which a date now or past activates)."""
    answered = uid
    for attribute in attributes:
        response = await client.send(R.modify_attribute(uid, attribute).to_ttlv())
        answered = str(response.get_value("UniqueIdentifier", uid) or uid)
    return answered


async def delete_attributes(client: KmsClient, uid: str, current: Sequence[Attributes]) -> str:
    """One DeleteAttribute (``CurrentAttribute``) per attribute, in order; the id answered."""
    answered = uid
    for attribute in current:
        response = await client.send(R.delete_attribute(uid, attribute).to_ttlv(), require=("UniqueIdentifier",))
        answered = str(response.get_value("UniqueIdentifier", uid))
    return answered


async def current_tags(client: KmsClient, uid: str) -> list[str]:
    """The object's user tags (those not starting with ``_``), sorted."""
    attrs = await client.get_attributes(uid)
    return sorted(t for t in attrs.get("tags", []) if not t.startswith("_"))


async def change_tags(client: KmsClient, uid: str, *, add: Sequence[str] = (), remove: Sequence[str] = ()) -> list[str]:
    """Add then remove user tags; the object's user tags afterwards (read back from the server)."""
    add, remove = check_tags(add), check_tags(remove)
    before = await current_tags(client, uid)
    wanted = sorted((set(before) | set(add)) - set(remove))
    if not add and not remove:
        return before
    via_rest = True
    for method, tags in (("POST", add), ("DELETE", remove)):
        if tags and via_rest:
            via_rest = await _rest_tags(client, method, uid, tags)
    if not via_rest:  # no /v1/crypto route: the whole set as the tag vendor attribute
        await set_attributes(client, uid, [R.tags_attribute(wanted)])
    after = await current_tags(client, uid)
    if after != wanted:
        raise TagsNotChanged(
            f"the server accepted the tag change on {visible(uid)} but its tags are "
            f"{json.dumps(after)}, not {json.dumps(wanted)}",
            "this server does not let tags be changed after creation; create a new object with the tags",
            reason="tags_not_changed",
        )
    return after


async def _rest_tags(client: KmsClient, method: str, uid: str, tags: Sequence[str]) -> bool:
    """``POST``/``DELETE /v1/crypto/keys/{uid}/tags``; False when the server has no such route."""
    operation = "AddTags" if method == "POST" else "RemoveTags"
    exchange = client.exchange
    started, attempts = time.monotonic(), 1
    try:
        outcome = await exchange.attempt(
            method,
            f"/v1/crypto/keys/{quote(uid, safe='')}/tags",
            content=json.dumps({"tags": list(tags)}),
            kind=OpKind.REPEATABLE,
            operation=operation,
            target=uid,
        )
        attempts = outcome.attempts
        r = outcome.response
        text = body_text(r)
        if r.status_code == 200:
            exchange.record(operation, [uid], started, attempts=attempts, details={"tags": json.dumps(list(tags))})
            return True
        error = _crypto_error(text)
        if r.status_code == 404 and error is None:
            return False  # not audited: the fallback request is
        raise _refusal(r.status_code, error, text, operation, uid, r.headers.get("content-type", ""))
    except BaseException as exc:
        exchange.record(
            operation, [uid], started, error=exc, attempts=attempts, details={"tags": json.dumps(list(tags))}
        )
        raise


def _crypto_error(text: str) -> dict[str, Any] | None:
    """Cosmian's ``/v1/crypto`` error body ``{"error": code, "description": text}``, or None."""
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if isinstance(doc, dict) and isinstance(doc.get("error"), str):
        return doc
    return None


def _refusal(
    status: int, error: dict[str, Any] | None, text: str, operation: str, uid: str, content_type: str
) -> errors.KmsError:
    if error is None:
        return errors.from_http_status(status, text, operation, uid, content_type)
    code = str(error.get("error", ""))
    description = visible(str(error.get("description", "")))[:300]
    if code == "not_found":
        return errors.ObjectNotFound(f"{visible(uid)}: {description or 'not found'}", reason="Item_Not_Found")
    if code == "forbidden":
        return errors.PermissionDenied(
            f"{operation} on {visible(uid)} refused: {description or 'access denied'}", reason="Access_Denied"
        )
    if status >= 500:
        return errors.ServerFailure(f"the server failed (HTTP {status}): {description}", reason=f"HTTP_{status}")
    return errors.ServerRefused(
        f"{operation} on {visible(uid)} refused (HTTP {status}): {description}", reason=code or f"HTTP_{status}"
    )
