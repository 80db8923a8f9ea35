"""What an operation handler gets: :class:`OpContext` (store, user, config, ``run_cpu``) and
the permission-checked ways to find objects, shared by every operation."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server.config import ServerConfig
from kms_tui.server.errors import InvalidRequest, Unauthorized, UnsupportedPlaceholder, not_found
from kms_tui.server.store import Store, StoredObject

T = TypeVar("T")

# Operations whose grant must be explicit: Cosmian's Revoke and Destroy call
# `user_can_perform_operation` (crate/server/src/core/kms/permissions.rs), which neither lets a
# `get` grant stand in nor lets any grant allow them; every other operation goes through
# `user_has_permission` (crate/server/src/core/retrieve_object_utils.rs).
# ReKey/ReKeyKeyPair's `strict_permission_check` (rekey/*/sql.rs) uses it too.
EXACT_GRANT = frozenset({"revoke", "destroy", "rekey"})
DESTROYED = ("Destroyed", "Destroyed_Compromised")


@dataclass
class OpContext:
    """Per-request context for an operation handler.

    ``store``: the :class:`~kms_tui.server.store.Store`; ``user``: the authenticated user name;
    ``config``: the :class:`~kms_tui.server.config.ServerConfig`; ``id_placeholder``: the KMIP
    ID placeholder of the current RequestMessage (None outside batches); ``exclusive``: the
    request holds an open transaction (see :func:`kms_tui.server.dispatch.needs_exclusive_store`).
    """

    store: Store
    user: str
    config: ServerConfig
    executor: Executor | None = None
    id_placeholder: str | None = None
    exclusive: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def vendor(self) -> str:
        return self.config.vendor_identification

    async def run_cpu(self, fn: Callable[..., T], *args: Any) -> T:
        """Run CPU-heavy work (RSA keygen, signing) off the event loop, always: a batch that
        holds an open transaction meanwhile holds the app's store gate exclusively
        (:mod:`kms_tui.server.gate`), so no other request can interleave with it."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, partial(fn, *args))

    # -- rights -------------------------------------------------------------------------------
    def check_create(self) -> None:
        """Cosmian's create right: open unless ``privileged_users`` is configured."""
        priv = self.config.privileged_users
        if priv is None or self.user in priv or self.user == self.config.default_username:
            return
        if "create" in self.store.permissions("*", self.user):
            return
        raise Unauthorized("User does not have create access-right.")

    def may(self, obj: StoredObject, op: str) -> bool:
        """Whether the user may run ``op`` (lowercase operation name) on ``obj``, as Cosmian's
        ``user_has_permission``: the owner may do anything; otherwise the grants to the user and
        to everyone (``*``) count, a ``get`` grant stands for every operation (non-HSM objects)
        and any grant allows ``getattributes``. Revoke and Destroy need their own grant
        (``user_can_perform_operation``). The ``create`` right, stored on the pseudo-object
        ``*``, is never a right on an object that happens to have the id ``*``."""
        if obj.owner == self.user:
            return True
        perms = self.store.permissions(obj.uid, self.user) - {"create"}
        if op in EXACT_GRANT:
            return op in perms
        if not perms:
            return False
        return op == "getattributes" or op in perms or "get" in perms

    # -- identifiers ----------------------------------------------------------------------------
    def uid_of(self, payload: TTLV, *, use_placeholder: bool = True) -> str:
        """The request's UniqueIdentifier text (or the batch ID placeholder)."""
        node = payload.get("UniqueIdentifier")
        if node is None:
            if use_placeholder and self.id_placeholder:
                return self.id_placeholder
            raise UnsupportedPlaceholder()
        if node.type != "TextString":
            # message.rs: resolve_id_placeholder_for_operation also replaces an explicit
            # IDPlaceholder (only for the operations that take the placeholder at all)
            if node.value == "IDPlaceholder" and use_placeholder and self.id_placeholder:
                return self.id_placeholder
            # Cosmian: `.as_str().context(…)` → a ServerError (500); the sandbox reads the value as
            # an id that no object has (docs/fidelity.md, batches)
            return str(node.value)
        return str(node.value)

    def candidate_ids(self, uid: str) -> list[str]:
        """One id, or every id carrying all tags of a ``[...]`` JSON array."""
        if uid.startswith("["):
            try:
                tags = json.loads(uid)
            except ValueError:
                raise InvalidRequest(f"invalid tags {uid!r}: expected a JSON array of strings") from None
            if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                raise InvalidRequest(f"invalid tags {uid!r}: expected a JSON array of strings")
            return self.store.ids_with_tags(tags)
        return [uid]

    def accessible(self, uid: str, op: str) -> list[StoredObject]:
        """Objects named by ``uid`` that the user may ``op``, after time-based transitions."""
        out = []
        for i in self.candidate_ids(uid):
            obj = self.store.get(i)
            if obj is not None and self.may(obj, op):
                out.append(self.refresh_state(obj))
        return out

    def retrieve(self, uid: str, op: str, *, include_destroyed: bool = True) -> StoredObject:
        """The first accessible object, else ``Object_Not_Found`` (as if it were absent)."""
        for obj in self.accessible(uid, op):
            if include_destroyed or obj.state not in DESTROYED:
                return obj
        raise not_found(uid)

    def refresh_state(self, obj: StoredObject) -> StoredObject:
        """Apply due ActivationDate/DeactivationDate transitions and persist them."""
        now = A.now()
        changed = False
        if obj.state == "PreActive":
            act = obj.attributes.get_value("ActivationDate")
            if act is not None and act <= now:
                obj.state, changed = "Active", True
        if obj.state == "Active":
            deact = obj.attributes.get_value("DeactivationDate")
            if deact is not None and deact <= now:
                obj.state, changed = "Deactivated", True
        if changed:
            A.put(obj.attributes, TTLV.enum("State", obj.state))
            A.sort_attributes(obj.attributes)
            self.store.update(obj)
        return obj


def new_uid() -> str:
    """A fresh UUIDv4 string, as Cosmian generates ids."""
    return str(uuid.uuid4())
