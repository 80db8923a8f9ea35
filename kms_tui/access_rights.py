"""Access rights as Cosmian KMS 5.26 understands them: the operation names a grant may hold, how
ckms spells them on its command line, and what a set of granted operations really allows.

Pure (no kms_tui imports): the headless ``access`` commands and the console's access screen,
grant dialog and detail pane share it.

What a grant allows is Cosmian's ``user_has_permission`` (crate/server/src/core/
retrieve_object_utils.rs) and ``user_can_perform_operation`` (core/kms/permissions.rs):

* the owner may do everything;
* any grant at all allows GetAttributes (the object's metadata);
* on a non-HSM object, a ``get`` grant stands for every operation except Revoke and Destroy,
  which always need their own grant, and ReKey/ReKeyKeyPair (``rekey``), whose key selection
  checks the grant exactly too (``rekey/*/sql.rs: strict_permission_check``);
* ``create`` is not a right on an object: it is the right to create objects (checked only when
  the server sets ``privileged_users``), stored on the pseudo-object ``*``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# Cosmian's `KmipOperation` (crate/kmip/src/kmip_2_1/mod.rs) as the REST API spells it (serde
# `lowercase`), in declaration order: the order `/access/list` answers in.
OPERATIONS: tuple[str, ...] = (
    "create",
    "certify",
    "decrypt",
    "derivekey",
    "destroy",
    "encrypt",
    "export",
    "get",
    "getattributes",
    "hash",
    "import",
    "locate",
    "mac",
    "revoke",
    "rekey",
    "sign",
    "signatureverify",
    "validate",
    "setattribute",
    "modifyattribute",
    "addattribute",
    "deleteattribute",
    "activate",
)
# How ckms 5.26 spells them on its command line (`KmipOperation::from_str`: snake_case).
CKMS_NAMES: dict[str, str] = {
    "derivekey": "derive_key",
    "getattributes": "get_attributes",
    "signatureverify": "signature_verify",
    "setattribute": "set_attribute",
    "modifyattribute": "modify_attribute",
    "addattribute": "add_attribute",
    "deleteattribute": "delete_attribute",
}
# Rights on an object (everything but the create right).
OBJECT_OPERATIONS: tuple[str, ...] = tuple(op for op in OPERATIONS if op != "create")
# Operations a `get` grant does not stand for (user_can_perform_operation checks them exactly).
EXACT_GRANT = frozenset({"revoke", "destroy", "rekey"})
ALL = "all"

_RANK = {op: i for i, op in enumerate(OPERATIONS)}
_BY_SPELLING = {op: op for op in OPERATIONS} | {snake: op for op, snake in CKMS_NAMES.items()}


class UnknownOperation(ValueError):
    """A name that is neither Cosmian's REST spelling nor ckms's command-line spelling."""


def parse_operation(text: str) -> str:
    """The REST name of ``text`` (``get_attributes``, ``GetAttributes``, ``getattributes`` → ``getattributes``)."""
    key = text.strip().lower().replace("-", "_")
    found = _BY_SPELLING.get(key) or _BY_SPELLING.get(key.replace("_", ""))
    if found is None:
        raise UnknownOperation(text)
    return found


def parse_operations(words: list[str] | tuple[str, ...]) -> list[str]:
    """REST names of ``words`` in ``KmipOperation`` order; ``all`` is every right on an object
    (not ``create``, which is no right on an object)."""
    ops: set[str] = set()
    for word in words:
        for part in word.replace(",", " ").split():
            if part.lower() == ALL:
                ops.update(OBJECT_OPERATIONS)
            else:
                ops.add(parse_operation(part))
    return ordered(ops)


def ordered(ops: Iterable[str]) -> list[str]:
    """``ops`` without repeats, in ``KmipOperation`` order (unknown names last, as given)."""
    return sorted(dict.fromkeys(ops), key=lambda o: _RANK.get(o, len(_RANK)))


def display_name(op: str) -> str:
    """The name ckms users type (``get_attributes``)."""
    return CKMS_NAMES.get(op, op)


def effective(granted: Iterable[str], *, hsm: bool = False) -> list[str]:
    """Every operation on the object that ``granted`` (a user's grants on it) allows on Cosmian 5.26."""
    ops = {op for op in granted if op != "create"}
    if not ops:
        return []
    allowed = set(ops) | {"getattributes"}
    if "get" in ops:
        allowed |= set(OBJECT_OPERATIONS) - EXACT_GRANT if not hsm else {"export"}
    elif hsm and "export" in ops:
        allowed.add("get")
    return ordered(allowed)


def implied(granted: Iterable[str], *, hsm: bool = False) -> list[str]:
    """What ``granted`` allows beyond the operations granted (what an operator does not expect)."""
    given = set(granted)
    return [op for op in effective(granted, hsm=hsm) if op not in given]


def is_hsm(uid: str) -> bool:
    """Cosmian's ``has_prefix``: HSM keys have ids ``hsm::<slot>::…``."""
    return uid.startswith("hsm::")


def explain(granted: Iterable[str], *, hsm: bool = False) -> str:
    """One sentence on what ``granted`` allows beyond itself ('' when nothing more)."""
    granted = [op for op in granted if op != "create"]
    more = implied(granted, hsm=hsm)
    if not more:
        return ""
    if "get" in granted and not hsm:
        missing = [op for op in ("revoke", "destroy") if op not in granted]
        but = f" except {' and '.join(missing)}" if missing else ""
        rekey = "" if "rekey" in granted else "; rekey needs its own grant"
        return f"get stands for every operation{but}{rekey} (Cosmian 5.26)"
    return (
        "any grant also allows get_attributes (Cosmian 5.26)"
        if more == ["getattributes"]
        else ("also allows " + ", ".join(display_name(op) for op in more) + " (Cosmian 5.26)")
    )


def user_rows(answer: list[Any], uid: str = "") -> list[dict[str, Any]]:
    """``/access/list`` entries as ``{user, operations, allows}`` (operations in Cosmian's order)."""
    rows = []
    for entry in answer:
        if not isinstance(entry, dict):
            continue
        ops = ordered(str(o) for o in entry.get("operations") or [])
        rows.append(
            {"user": str(entry.get("user_id", "")), "operations": ops, "allows": effective(ops, hsm=is_hsm(uid))}
        )
    return rows


def obtained_rows(answer: list[Any]) -> list[dict[str, Any]]:
    """``/access/obtained`` entries as ``{id, owner, state, operations, allows}``; the create
    right is the entry with id ``*`` and no owner."""
    rows = []
    for entry in answer:
        if not isinstance(entry, dict):
            continue
        uid = str(entry.get("object_id", ""))
        ops = ordered(str(o) for o in entry.get("operations") or [])
        rows.append(
            {
                "id": uid,
                "owner": str(entry.get("owner_id", "") or ""),
                "state": str(entry.get("state", "")),
                "operations": ops,
                "allows": effective(ops, hsm=is_hsm(uid)),
            }
        )
    return rows


GET_WARNING = (
    "Cosmian 5.26: a `get` grant stands for every operation except revoke and destroy (export, "
    "encrypt, decrypt, sign, activate, set attributes…), and any grant lets the user read the "
    "object's attributes."
)
