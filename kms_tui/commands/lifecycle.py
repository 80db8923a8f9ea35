"""Lifecycle guards of the headless key commands: what an object's state allows, checked before
anything is sent, as careful as ckms or more.

* Revoke of a Destroyed object, or of a Compromised one, or a non-compromise revoke of a
  Deactivated one: Cosmian 5.26 answers success and changes nothing
  (``crate/server/src/core/operations/revoke.rs``); refused here with the state.
* Activate of anything but a PreActive object: refused with the state (the server refuses too).
* Destroy of a Destroyed object without ``--remove``: Cosmian succeeds again and changes nothing.
* Export of a key or certificate that is Compromised or Deactivated, or whose key-pair partner
  is: ckms's ``export`` sends a Get, which the server refuses for a Deactivated object
  (``Wrong_Key_Lifecycle_State: DENIED``) and ``--allow-revoked`` switches to Export
  (``crate/clients/client/src/export_utils.rs``); here both states need ``--allow-revoked``.

Refusals are :class:`~kms_tui.client.WrongLifecycleState` (exit 1, reason
``Wrong_Key_Lifecycle_State``), the code a refusal by the server gives.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kms_tui.client import KmsClient, LocateFilter, ObjectNotFound, WrongLifecycleState
from kms_tui.safetext import visible

REASON = "Wrong_Key_Lifecycle_State"
DESTROYED = ("Destroyed", "Destroyed_Compromised")
REVOKED = ("Compromised", "Deactivated", "Destroyed_Compromised")
COMPROMISE = ("KeyCompromise", "CACompromise")
PAIR_LINKS = ("PublicKeyLink", "PrivateKeyLink", "CertificateLink")


def _refuse(message: str, fix: str) -> WrongLifecycleState:
    return WrongLifecycleState(message, fix, reason=REASON)


def check_revoke(uid: str, state: str, reason: str) -> None:
    if state in DESTROYED:
        raise _refuse(
            f"{visible(uid)} is {state}: revoking it would change nothing",
            "a destroyed object cannot be revoked; `kms-tui destroy ID --remove` deletes its record",
        )
    if state == "Compromised":
        raise _refuse(
            f"{visible(uid)} is already Compromised: revoking it again would change nothing",
            "destroy it when it is no longer needed",
        )
    if state == "Deactivated" and reason not in COMPROMISE:
        raise _refuse(
            f"{visible(uid)} is already Deactivated: a {reason} revoke would change nothing",
            "revoke it with --reason KeyCompromise (or CACompromise) to mark it Compromised",
        )


def check_activate(uid: str, state: str) -> None:
    if state == "Active":
        raise _refuse(f"{visible(uid)} is already Active", "nothing to do")
    if state != "PreActive":
        raise _refuse(
            f"{visible(uid)} is {state}: only a PreActive object can be activated",
            "create a new key; a revoked or destroyed one cannot come back",
        )


def check_destroy(uid: str, state: str, remove: bool) -> None:
    if state in DESTROYED and not remove:
        raise _refuse(f"{visible(uid)} is already {state}", "pass --remove to delete its record from the server")


async def resolve_ids(client: KmsClient, selector: str) -> list[str]:
    """The ids an id or a ``["tag",…]`` selector names (a selector may name several or none)."""
    if not selector.startswith("["):
        return [selector]
    import json

    tags = tuple(json.loads(selector))
    ids = await client.locate(LocateFilter(tags=tags))
    if not ids:
        raise ObjectNotFound(f"no object carries the tags {visible(selector)}", reason="Item_Not_Found")
    return ids


async def states_of(client: KmsClient, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Attributes of each id (one batched round trip); an id that is gone is left out."""
    found = await client.get_attributes_many(list(dict.fromkeys(ids)), with_tags=False)
    return {uid: attrs for uid, attrs in found.items() if isinstance(attrs, dict)}


def _pair_links(attrs: dict[str, Any]) -> list[str]:
    return [str(link["id"]) for link in attrs.get("links", []) if link.get("type") in PAIR_LINKS and link.get("id")]


async def revoked_in_family(client: KmsClient, uid: str, attrs: dict[str, Any]) -> list[tuple[str, str]]:
    """(id, state) of ``uid`` and of its key-pair partners (two links deep: a certificate's key
    and that key's partner) that are Compromised or Deactivated."""
    seen: dict[str, dict[str, Any]] = {uid: attrs}
    frontier = _pair_links(attrs)
    for _ in range(2):
        frontier = [i for i in dict.fromkeys(frontier) if i not in seen]
        if not frontier:
            break
        found = await states_of(client, frontier)
        seen.update(found)
        frontier = [link for a in found.values() for link in _pair_links(a)]
    return [(i, str(a.get("State", ""))) for i, a in seen.items() if a.get("State") in REVOKED]


def export_refusal(requested: str, revoked: list[tuple[str, str]]) -> WrongLifecycleState:
    parts = ", ".join(f"{visible(i)} is {s}" for i, s in revoked)
    return _refuse(
        f"not exporting {visible(requested)}: {parts}",
        "a revoked key should not be handed out; pass --allow-revoked to export it anyway",
    )
