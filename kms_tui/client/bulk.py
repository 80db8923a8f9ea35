"""Bulk revoke and destroy: a plan that shows the blast radius first, then a run that sends each
object's request once, reports each outcome and can be stopped between objects.

:func:`plan_from` is pure (a listing, the selected ids and the grants in; a :class:`BulkPlan`
out), so the console's preview and ``kms-tui revoke|destroy --tag … --dry-run`` print the same
thing; :func:`gather_plan` reads what it needs from one server (the whole listing, for links that
point *at* the selected keys, and ``/access/list`` of each object that will change);
:func:`run_plan` carries it out.

What a plan lists:

* the selected objects, and those skipped with the reason (the state already says it is done,
  or a destroy of an Active key, which Cosmian refuses until the key is revoked — unless the plan
  revokes Active ones first: ``revoke_first``, one Revoke then one Destroy for each);
* key-pair partners the server's ``Cascade`` reaches (``revoke.rs``/``destroy.rs``
  ``recursively_*``: the private key's ``PublicKeyLink``, the public key's ``PrivateKeyLink``);
  a selected object another one's cascade reaches is not sent a request of its own;
* certificates issued with (linked to) the keys: they stay Active until revoked on their own;
* objects wrapped by the keys (``WrappingKeyLink``): the server cannot unwrap them afterwards;
* grants on the objects that change: they stop working.

The run (:func:`run_plan`) sends one request per object inside :func:`kms_tui.client.retry.
no_replay`: a request whose answer was lost (timeout, dropped connection, 5xx) is never sent
again; the object's state is read instead to say what happened. When even that read fails the
run stops (the server is gone) and the objects left are reported "not sent".
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from kms_tui.client import requests
from kms_tui.client.errors import KmsError, ObjectNotFound, ServerFailure, ServerRefused
from kms_tui.client.listing import DESTROYED, ObjectSummary
from kms_tui.client.retry import no_replay
from kms_tui.safetext import visible
from kms_tui.words import count

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient

ACTIONS = ("revoke", "destroy")
COMPROMISE = ("KeyCompromise", "CACompromise")
REVOKED = ("Deactivated", "Compromised")
GRANT_CONCURRENCY = 8
_PARTNER = {"PrivateKey": "PublicKeyLink", "PublicKey": "PrivateKeyLink"}


@dataclass
class Item:
    uid: str
    object_type: str = ""
    state: str = ""
    name: str = ""
    via: str = ""  # the selected object it is reached through
    note: str = ""


@dataclass
class GrantLoss:
    uid: str
    user: str
    operations: list[str]


@dataclass
class BulkPlan:
    action: str  # revoke or destroy
    reason: str = "Unspecified"
    remove: bool = False
    cascade: bool = True
    selected: list[Item] = field(default_factory=list)  # objects that change, as selected
    sends: list[str] = field(default_factory=list)  # one request each, in this order
    covered: dict[str, str] = field(default_factory=dict)  # selected id -> the send whose cascade reaches it
    solo: set[str] = field(default_factory=set)  # sends without Cascade: the partner would make it fail
    revoke_first: bool = False  # destroy: Active objects are revoked (with ``reason``) just before
    revoke_before: list[str] = field(default_factory=list)  # sends that get a Revoke first
    revoke_solo: set[str] = field(default_factory=set)  # those whose Revoke goes without Cascade
    partners: list[Item] = field(default_factory=list)
    certificates: list[Item] = field(default_factory=list)
    wrapped: list[Item] = field(default_factory=list)
    grants: list[GrantLoss] = field(default_factory=list)
    skipped: list[Item] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Objects whose state the run changes (selected and cascaded partners): the number
        the console asks the user to type."""
        return len(self.selected) + len(self.partners)

    def changing(self) -> list[str]:
        return [i.uid for i in self.selected] + [i.uid for i in self.partners]

    def counts(self) -> dict[str, int]:
        return {
            "objects": self.count,
            "selected": len(self.selected),
            "partners": len(self.partners),
            "certificates": len(self.certificates),
            "wrapped": len(self.wrapped),
            "grants": len(self.grants),
            "skipped": len(self.skipped),
            "requests": len(self.sends) + len(self.revoke_before),
            **({"revoked_first": len(self.revoke_before)} if self.revoke_first else {}),
        }

    def verb(self) -> str:
        if self.action == "revoke":
            return f"revoke ({self.reason})"
        verb = "destroy and remove" if self.remove else "destroy"
        return verb + (f", revoking Active ones first ({self.reason})" if self.revoke_first else "")

    def summary(self) -> list[str]:
        """The counts, in two lines."""
        c = self.counts()
        return [
            f"Bulk {self.verb()}: {count(c['objects'], 'object')} to change ({c['selected']} selected + "
            f"{count(c['partners'], 'linked partner')}), {count(c['requests'], 'request')} to send",
            f"Also: {count(c['certificates'], 'certificate')} issued with them, "
            f"{count(c['wrapped'], 'object')} wrapped by them, {count(c['grants'], 'grant')} would stop working, "
            f"{c['skipped']} skipped",
        ]

    def lines(self) -> list[str]:
        """The preview, one line per object (every text from the server made visible)."""
        out = self.summary()

        def section(title: str, items: Sequence[Item], describe: Callable[[Item], str]) -> None:
            if items:
                out.append(f"{title} ({len(items)}):")
                out.extend(f"  {visible(i.uid)}  {i.object_type or '?'}  {i.state or '?'}{describe(i)}" for i in items)

        section(
            "Selected",
            self.selected,
            lambda i: (
                (f"  {visible(i.name)}" if i.name else "")
                + (f"  (reached by the cascade of {visible(self.covered[i.uid])})" if i.uid in self.covered else "")
                + (f"  (revoked first: {self.reason})" if i.uid in self.revoke_before else "")
            ),
        )
        what = "revoked" if self.action == "revoke" else "destroyed"
        section(
            f"Linked partners {what} with them (cascade)", self.partners, lambda i: f"  partner of {visible(i.via)}"
        )
        section(
            "Certificates issued with these keys (they stay usable until revoked)",
            self.certificates,
            lambda i: f"  linked to {visible(i.via)}",
        )
        section(
            "Objects wrapped by these keys (cannot be unwrapped afterwards)",
            self.wrapped,
            lambda i: f"  wrapped by {visible(i.via)}",
        )
        if self.grants:
            out.append(f"Grants that stop working ({len(self.grants)}):")
            out.extend(
                f"  {visible(g.uid)}  {visible(g.user)}: {', '.join(visible(o) for o in g.operations)}"
                for g in self.grants
            )
        section("Skipped (nothing sent)", self.skipped, lambda i: f"  {i.note}")
        out.extend(f"note: {visible(p)}" for p in self.problems)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "reason": self.reason if self.action == "revoke" else None,
            "remove": self.remove,
            "cascade": self.cascade,
            "counts": self.counts(),
            "selected": [asdict(i) for i in self.selected],
            "requests": list(self.sends),
            "covered_by_cascade": dict(self.covered),
            "without_cascade": sorted(self.solo),
            "revoke_first": list(self.revoke_before) if self.revoke_first else None,
            "partners": [asdict(i) for i in self.partners],
            "certificates": [asdict(i) for i in self.certificates],
            "wrapped": [asdict(i) for i in self.wrapped],
            "grants": [asdict(g) for g in self.grants],
            "skipped": [asdict(i) for i in self.skipped],
            "problems": list(self.problems),
        }


def refusal(action: str, state: str, *, reason: str = "Unspecified", remove: bool = False) -> str | None:
    """Why a revoke/destroy of an object in ``state`` would change nothing or be refused (None:
    it goes ahead). Cosmian answers success without a change for the first three
    (``revoke.rs``), and refuses a destroy of an Active key (``destroy.rs``)."""
    if action == "revoke":
        if state in DESTROYED:
            return f"already {state}"
        if state == "Compromised":
            return "already Compromised"
        if state == "Deactivated" and reason not in COMPROMISE:
            return f"already Deactivated (a {reason} revoke changes nothing)"
        return None
    if state in DESTROYED and not remove:
        return f"already {state}"
    if state == "Active":
        return "Active: revoke it first"
    return None


def _blocks_cascade(action: str, object_type: str, partner_state: str) -> bool:
    """A partner the server's cascade cannot move, failing the whole request: a Compromised one
    for a revoke (``revoke.rs: recursively_revoke_key`` counts nothing, ``Item_Not_Found``); an
    Active public key for a private key's destroy (``destroy.rs: recursively_destroy_object``:
    ``Wrong_Key_Lifecycle_State: DENIED``; from a public key the private key's failure is ignored)."""
    if action == "revoke":
        return partner_state == "Compromised"
    return object_type == "PrivateKey" and partner_state == "Active"


def _item(obj: ObjectSummary, via: str = "", note: str = "") -> Item:
    return Item(obj.uid, obj.object_type, obj.state, obj.names[0] if obj.names else "", via, note)


def _link(obj: ObjectSummary, link_type: str) -> str | None:
    return next((str(ln["id"]) for ln in obj.links if ln.get("type") == link_type and ln.get("id")), None)


def plan_from(
    objects: Iterable[ObjectSummary],
    selected_ids: Sequence[str],
    *,
    action: str,
    reason: str = "Unspecified",
    remove: bool = False,
    cascade: bool = True,
    grants: Mapping[str, list[dict[str, Any]]] | None = None,
    revoke_first: bool = False,
) -> BulkPlan:
    """The plan for ``action`` on ``selected_ids`` (pure). ``grants``: object id → its
    ``/access/list`` entries. ``revoke_first`` (destroy only): an Active object is revoked with
    ``reason`` just before its destroy instead of being skipped."""
    if action not in ACTIONS:
        raise ValueError(f"unknown bulk action {action!r}")
    revoke_first = revoke_first and action == "destroy"
    by_id = {o.uid: o for o in objects}
    plan = BulkPlan(action, reason, remove, cascade, revoke_first=revoke_first)

    def after_revoke(state: str) -> str:  # the state a destroy meets once Active ones are revoked
        return "Deactivated" if revoke_first and state == "Active" else state

    wanted = list(dict.fromkeys(selected_ids))
    go: list[ObjectSummary] = []
    for uid in wanted:
        obj = by_id.get(uid)
        if obj is None:
            plan.skipped.append(Item(uid, note="not found (gone, or not visible to you)"))
            continue
        why = refusal(action, after_revoke(obj.state), reason=reason, remove=remove)
        if why:
            plan.skipped.append(_item(obj, note=why))
        else:
            go.append(obj)
    chosen = {o.uid for o in go}
    reached: set[str] = set()
    for obj in go:
        plan.selected.append(_item(obj))
        if obj.uid in reached:
            continue  # an earlier request's cascade changes it
        plan.sends.append(obj.uid)
        partner_id = _link(obj, _PARTNER[obj.object_type]) if cascade and obj.object_type in _PARTNER else None
        partner = by_id.get(partner_id) if partner_id else None
        partner_state = partner.state if partner is not None else ""
        if revoke_first and obj.state == "Active":
            plan.revoke_before.append(obj.uid)
            if partner is not None and _blocks_cascade("revoke", obj.object_type, partner.state):
                plan.revoke_solo.add(obj.uid)  # the Revoke goes alone; the partner keeps its state
            elif partner is not None:
                partner_state = after_revoke(partner.state)  # the Revoke's cascade reaches it
        if partner is not None and _blocks_cascade(action, obj.object_type, partner_state):
            plan.solo.add(obj.uid)  # Cosmian fails the whole request when the cascade cannot move the partner
            plan.problems.append(
                f"{partner.uid} ({partner.object_type}) is {partner.state}: {obj.uid} is sent "
                "without cascade and the partner is left as it is"
            )
            continue
        if partner is None or partner.uid in reached:
            continue
        reached.add(partner.uid)
        if partner.uid in chosen:
            if partner.uid not in plan.sends:
                plan.covered[partner.uid] = obj.uid
        elif refusal(action, partner_state, reason=reason, remove=remove) is None:
            plan.partners.append(_item(partner, via=obj.uid))
    changing = set(plan.changing())
    for other in by_id.values():
        if other.uid in changing or other.state in DESTROYED:
            continue
        wrapper = _link(other, "WrappingKeyLink")
        if wrapper in changing:
            plan.wrapped.append(_item(other, via=wrapper))
            continue
        if other.object_type == "Certificate":
            via = next((str(ln["id"]) for ln in other.links if str(ln.get("id")) in changing), None)
            via = via or next((k for k in changing if _link(by_id[k], "CertificateLink") == other.uid), None)
            if via:
                plan.certificates.append(_item(other, via=via))
    for uid in plan.changing():
        for entry in (grants or {}).get(uid, []):
            if isinstance(entry, dict) and entry.get("user_id"):
                plan.grants.append(
                    GrantLoss(uid, str(entry["user_id"]), [str(o) for o in entry.get("operations") or []])
                )
    return plan


async def access_lists(client: KmsClient, uids: Sequence[str], problems: list[str]) -> dict[str, list[dict[str, Any]]]:
    """``/access/list`` of each object (a few at a time); a failure is noted in ``problems``."""
    gate = asyncio.Semaphore(GRANT_CONCURRENCY)
    found: dict[str, list[dict[str, Any]]] = {}

    async def one(uid: str) -> None:
        async with gate:
            try:
                found[uid] = [e for e in await client.access_list(uid) if isinstance(e, dict)]
            except KmsError as exc:
                problems.append(f"{uid}: grants not read ({exc.message})")

    await asyncio.gather(*(one(u) for u in uids))
    return found


def select_by_tags(objects: Iterable[ObjectSummary], tags: Sequence[str]) -> list[str]:
    """Ids of the objects carrying every tag in ``tags`` (destroyed ones left out, as Locate)."""
    want = set(tags)
    return [o.uid for o in objects if o.state not in DESTROYED and want <= set(o.attributes.get("tags", o.tags))]


@dataclass
class PlanInputs:
    """What a plan is made from, read once: the console plans again from it when the user
    changes the revocation reason, without asking the server again."""

    objects: list[ObjectSummary]
    selected: list[str]
    grants: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def plan(
        self,
        action: str,
        *,
        reason: str = "Unspecified",
        remove: bool = False,
        cascade: bool = True,
        revoke_first: bool = False,
    ) -> BulkPlan:
        plan = plan_from(
            self.objects,
            self.selected,
            action=action,
            reason=reason,
            remove=remove,
            cascade=cascade,
            grants=self.grants,
            revoke_first=revoke_first,
        )
        plan.problems = list(self.problems) + plan.problems
        return plan


async def gather(
    client: KmsClient, *, ids: Sequence[str] = (), tags: Sequence[str] = (), grants: bool = True
) -> PlanInputs:
    """Read the listing and the grants of the selected objects (``ids``, or every object
    carrying ``tags``) and of their key-pair partners."""
    from kms_tui.client.listing import list_objects

    listing = await list_objects(client)
    selected = list(ids) if ids else select_by_tags(listing.objects, tags)
    inputs = PlanInputs(listing.objects, selected, problems=list(listing.problems))
    if grants and selected:
        by_id = {o.uid: o for o in listing.objects}
        wanted = dict.fromkeys(selected)
        for uid in selected:
            obj = by_id.get(uid)
            for link in ("PublicKeyLink", "PrivateKeyLink"):
                partner = _link(obj, link) if obj is not None else None
                if partner:
                    wanted[partner] = None
        owned = [u for u in wanted if u in by_id and not by_id[u].owner]
        inputs.grants = await access_lists(client, owned, inputs.problems)
    return inputs


async def gather_plan(
    client: KmsClient,
    *,
    action: str,
    ids: Sequence[str] = (),
    tags: Sequence[str] = (),
    reason: str = "Unspecified",
    remove: bool = False,
    cascade: bool = True,
    grants: bool = True,
    revoke_first: bool = False,
) -> BulkPlan:
    """Read what is needed (:func:`gather`) and plan ``action`` on ``ids`` or on every object
    carrying ``tags``."""
    inputs = await gather(client, ids=ids, tags=tags, grants=grants)
    return inputs.plan(action, reason=reason, remove=remove, cascade=cascade, revoke_first=revoke_first)


# -- the run -----------------------------------------------------------------------------------

DONE, REFUSED, FAILED, UNKNOWN, NOT_SENT = "done", "refused", "failed", "unknown", "not_sent"
SKIPPED = "skipped"  # run_each: nothing to send for this object (said why)
STOPPED_BY_USER = "stopped by you"
SERVER_GONE = "stopped: the server stopped answering"


@dataclass
class Outcome:
    uid: str
    status: str  # done, refused, failed, unknown, not_sent
    detail: str = ""
    state: str = ""  # as read after the run ("" unknown; "gone" removed)
    sent: bool = False  # a request for this object left (once)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Tally:
    STATUSES: tuple[str, ...] = (DONE, REFUSED, FAILED, UNKNOWN, NOT_SENT)
    outcomes: list[Outcome]
    stopped: str

    def tally(self) -> dict[str, int]:
        out = {s: 0 for s in self.STATUSES}
        for o in self.outcomes:
            out[o.status] += 1
        return out

    def summary(self) -> str:
        t = self.tally()
        text = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in t.items() if n)
        return text + (f"; {self.stopped}" if self.stopped else "")


@dataclass
class BulkReport(_Tally):
    plan: BulkPlan
    outcomes: list[Outcome] = field(default_factory=list)
    stopped: str = ""  # why the run stopped early ("" it did not)

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.plan.action,
            "counts": self.tally(),
            "stopped": self.stopped or None,
            "outcomes": [o.as_dict() for o in self.outcomes],
        }


def _op(plan: BulkPlan, uid: str) -> Any:
    cascade = plan.cascade and uid not in plan.solo
    if plan.action == "revoke":
        return requests.revoke(uid, plan.reason, message="bulk revoke", cascade=cascade)
    return requests.destroy(uid, remove=plan.remove, cascade=cascade)


def _carried_out(plan: BulkPlan, state: str) -> bool:
    if plan.action == "revoke":
        return state in (("Compromised",) if plan.reason in COMPROMISE else REVOKED) or state in DESTROYED
    return state == "gone" if plan.remove else state in DESTROYED


async def _state_of(client: KmsClient, uid: str) -> str:
    """The object's state now (``gone`` when the server no longer has it); KmsError if unknown."""
    try:
        attrs = await client.get_attributes(uid, with_tags=False)
    except ObjectNotFound:
        return "gone"
    return str(attrs.get("State", ""))


async def run_plan(
    client: KmsClient,
    plan: BulkPlan,
    *,
    on_outcome: Callable[[Outcome, int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> BulkReport:
    """Send the plan's requests one object at a time (each at most once), then read every
    changed object's state to report what is true now."""
    report = BulkReport(plan)
    by_uid: dict[str, Outcome] = {}
    total = len(plan.sends)
    with no_replay():
        for index, uid in enumerate(plan.sends):
            if report.stopped or (should_stop is not None and should_stop()):
                report.stopped = report.stopped or STOPPED_BY_USER
                outcome = Outcome(uid, NOT_SENT, report.stopped)
            else:
                outcome = await _send_one(client, plan, uid)
                if outcome.status == UNKNOWN:
                    report.stopped = SERVER_GONE
            by_uid[uid] = outcome
            if on_outcome is not None:
                on_outcome(outcome, index + 1, total)
    await _read_back(client, plan, by_uid)
    report.outcomes = [by_uid[u] for u in plan.changing() if u in by_uid]
    return report


async def _revoke_first(client: KmsClient, plan: BulkPlan, uid: str) -> Outcome | None:
    """The Revoke sent before a destroy (once): None when the object is now revoked, else the
    object's outcome (its destroy is then not sent)."""
    op = requests.revoke(
        uid, plan.reason, message="revoked before a bulk destroy", cascade=plan.cascade and uid not in plan.revoke_solo
    )
    lost: KmsError
    try:
        await client.send(op, require=("UniqueIdentifier",))
        return None
    except ServerRefused as exc:
        if not isinstance(exc, ServerFailure):
            return Outcome(uid, REFUSED, f"revoke refused, not destroyed: {exc.message}", sent=True)
        lost = exc
    except KmsError as exc:
        lost = exc
    try:
        state = await _state_of(client, uid)
    except KmsError as exc:
        return Outcome(uid, UNKNOWN, f"revoke: {lost.message}; its state could not be read ({exc.message})", sent=True)
    if state in REVOKED:
        return None
    return Outcome(uid, FAILED, f"revoke: {lost.message}; not revoked (still {state}), not destroyed", state, True)


async def _send_one(client: KmsClient, plan: BulkPlan, uid: str) -> Outcome:
    if uid in plan.revoke_before:
        stopped = await _revoke_first(client, plan, uid)
        if stopped is not None:
            return stopped
    lost: KmsError
    try:
        await client.send(_op(plan, uid), require=("UniqueIdentifier",))
        return Outcome(uid, DONE, sent=True)
    except ServerRefused as exc:
        if not isinstance(exc, ServerFailure):  # a refusal: nothing was done
            return Outcome(uid, REFUSED, exc.message, sent=True)
        lost = exc
    except KmsError as exc:  # the answer was lost or unreadable: the request may have landed
        lost = exc
    try:
        state = await _state_of(client, uid)
    except KmsError as exc:
        return Outcome(uid, UNKNOWN, f"{lost.message}; its state could not be read ({exc.message})", sent=True)
    if _carried_out(plan, state):
        return Outcome(uid, DONE, f"the answer was lost ({lost.message}); the server shows it done", state, True)
    return Outcome(uid, FAILED, f"{lost.message}; not carried out (still {state})", state, True)


async def _read_back(client: KmsClient, plan: BulkPlan, by_uid: dict[str, Outcome]) -> None:
    """The state of every object the plan changes, read after the run (one batched read)."""
    ids = plan.changing()
    try:
        found = await client.get_attributes_many(ids, with_tags=False)
    except KmsError:
        found = {}
    via = {**plan.covered, **{p.uid: p.via for p in plan.partners}}
    for uid in ids:
        attrs = found.get(uid)
        state = (
            "gone"
            if isinstance(attrs, ObjectNotFound)
            else str(attrs.get("State", ""))
            if isinstance(attrs, dict)
            else ""
        )
        outcome = by_uid.get(uid)
        if outcome is None:  # reached by another object's cascade
            parent = by_uid.get(via.get(uid, ""))
            if parent is not None and parent.status == NOT_SENT:
                outcome = Outcome(uid, NOT_SENT, f"with {parent.uid}: {parent.detail}")
            elif state and _carried_out(plan, state):
                outcome = Outcome(uid, DONE, f"by the cascade of {via.get(uid, '?')}")
            else:
                outcome = Outcome(
                    uid,
                    FAILED if state else UNKNOWN,
                    f"the cascade of {via.get(uid, '?')} did not reach it" if state else "state not read",
                )
            by_uid[uid] = outcome
        if state:
            outcome.state = state


# -- one action on each object (tags, grants, exports) ---------------------------------------------


@dataclass
class EachReport(_Tally):
    """What :func:`run_each` did: one outcome per object, in order."""

    STATUSES = (DONE, SKIPPED, REFUSED, FAILED, UNKNOWN, NOT_SENT)
    outcomes: list[Outcome] = field(default_factory=list)
    stopped: str = ""


async def run_each(
    uids: Sequence[str],
    act: Callable[[str], Any],
    *,
    on_outcome: Callable[[Outcome, int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> EachReport:
    """``await act(uid)`` for each object in turn (each request sent once: :func:`no_replay`),
    stoppable between objects. ``act`` returns the object's :class:`Outcome` (``SKIPPED`` when it
    sent nothing); a refusal is ``REFUSED``, a lost or unreadable answer ``FAILED`` with why."""
    report = EachReport()
    total = len(uids)
    with no_replay():
        for index, uid in enumerate(uids):
            if should_stop is not None and should_stop():
                report.stopped = STOPPED_BY_USER
            if report.stopped:
                outcome = Outcome(uid, NOT_SENT, report.stopped)
            else:
                try:
                    outcome = await act(uid)
                except ServerRefused as exc:
                    outcome = Outcome(
                        uid, FAILED if isinstance(exc, ServerFailure) else REFUSED, exc.message, sent=True
                    )
                except KmsError as exc:
                    outcome = Outcome(uid, FAILED, f"{exc.message} (not sent again)", sent=True)
            report.outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome, index + 1, total)
    return report
