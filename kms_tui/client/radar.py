"""The expiry and rotation radar: what on a KMS needs attention, worst first.

:func:`assess` is pure (objects, certificate end dates and grants in; findings out), so the
console can show the same list; :func:`scan` gathers what it needs from one server in few round
trips: the whole listing (:func:`kms_tui.client.listing.list_objects`: attributes of every
object), one batch of Gets for the certificates (their ``notAfter`` is in the X.509 value, not
in the KMIP attributes), and ``/access/list/{id}`` for the objects we own (a few at a time; the
only per-object call, skipped with ``grants=False``).

What is reported (destroyed objects never):

* ``compromised_partner`` (critical): a Compromised key whose key-pair partner or certificate,
  or a certificate whose key, is still Active or PreActive.
* ``certificate_expired`` (critical) / ``certificate_expiring`` (due): a certificate whose
  ``notAfter`` has passed / falls within the window (not one already renewed: it has a
  ReplacementObjectLink).
* ``key_deactivation`` (due): a key whose DeactivationDate falls within the window, or has passed
  while the key is still Active or PreActive (Cosmian does not change the state when the date
  passes); ``key_deactivated`` (warning): a Deactivated key (its date passed, or it was revoked):
  rotate to a successor if it is still needed, else destroy it.
* ``key_rotation`` (due): an Active symmetric or private key (not already replaced by a re-key)
  whose next rotation by its policy (``kms_tui.client.rotation.policy_of``: RotateDate +
  RotateInterval, else InitialDate + RotateOffset + RotateInterval) falls within the window or
  has passed.
* ``public_grant`` (warning): an object we own granted to every user (``*``).
* ``stale_pre_active`` (warning): a PreActive key made more than ``pre_active_days`` ago.

Order: critical, then due, then warning; within a level the earliest date first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from kms_tui.client import requests
from kms_tui.client.listing import DESTROYED, ObjectSummary, list_objects
from kms_tui.client.serde_dates import as_datetime, created_of

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient

LEVELS = ("critical", "due", "warning")
KEY_TYPES = ("SymmetricKey", "PrivateKey", "PublicKey", "SecretData", "SplitKey")
_FAR = datetime.max.replace(tzinfo=UTC)


@dataclass
class Finding:
    level: str  # critical, due, warning
    kind: str
    uid: str
    object_type: str
    message: str
    action: str
    when: datetime | None = None
    name: str = ""

    def sort_key(self) -> tuple[int, datetime, str]:
        return (LEVELS.index(self.level), self.when or _FAR, self.uid)

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "kind": self.kind,
            "id": self.uid,
            "object_type": self.object_type,
            "name": self.name,
            "when": self.when.isoformat() if self.when else None,
            "message": self.message,
            "action": self.action,
        }


@dataclass
class Radar:
    findings: list[Finding]
    checked: int = 0  # objects looked at
    problems: list[str] = field(default_factory=list)  # what could not be checked


def _days(delta: timedelta) -> str:
    """``5 days`` (rounded), ``20 hours`` under a day and a half."""
    seconds = abs(delta.total_seconds())
    if seconds < 36 * 3600:
        hours = max(1, round(seconds / 3600))
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = round(seconds / 86400)
    return f"{days} days"


def _name(obj: ObjectSummary) -> str:
    return obj.names[0] if obj.names else ""


def assess(
    objects: Iterable[ObjectSummary],
    *,
    now: datetime,
    within: timedelta,
    pre_active_days: int = 30,
    certificate_ends: Mapping[str, datetime] | None = None,
    public_grants: Mapping[str, list[str]] | None = None,
) -> list[Finding]:
    """What needs attention among ``objects``, worst first. ``certificate_ends``: certificate id →
    notAfter; ``public_grants``: object id → the operations granted to ``*``."""
    live = {o.uid: o for o in objects if o.state not in DESTROYED}
    horizon = now + within
    out: list[Finding] = []
    certificate_ends = certificate_ends or {}
    for obj in live.values():
        name = _name(obj)
        renewed = any(ln.get("type") == "ReplacementObjectLink" for ln in obj.links)  # its successor counts
        if (
            obj.object_type == "Certificate"
            and obj.uid in certificate_ends
            and obj.state != "Compromised"
            and not renewed
        ):
            end = certificate_ends[obj.uid]
            renew = f"renew it: ckms certificates certify --certificate-id-to-re-certify {obj.uid}"
            if end <= now:
                out.append(
                    Finding(
                        "critical",
                        "certificate_expired",
                        obj.uid,
                        obj.object_type,
                        f"certificate expired {_days(now - end)} ago ({end:%Y-%m-%d %H:%M} UTC)",
                        renew,
                        end,
                        name,
                    )
                )
            elif end <= horizon:
                out.append(
                    Finding(
                        "due",
                        "certificate_expiring",
                        obj.uid,
                        obj.object_type,
                        f"certificate expires in {_days(end - now)} ({end:%Y-%m-%d %H:%M} UTC)",
                        renew,
                        end,
                        name,
                    )
                )
        if obj.object_type in KEY_TYPES and obj.state != "Compromised":
            deactivation = as_datetime(obj.attributes.get("DeactivationDate"))
            if deactivation is not None and deactivation <= now and obj.state == "Deactivated":
                successor = next((ln.get("id") for ln in obj.links if ln.get("type") == "ReplacementObjectLink"), None)
                advice = (
                    f"re-keyed: {successor} replaces it; destroy it once nothing needs it to decrypt or "
                    f"verify: kms-tui destroy {obj.uid}"
                    if successor
                    else f"rotate to a new key if it is still needed, else destroy it: kms-tui destroy {obj.uid}"
                )
                out.append(
                    Finding(
                        "warning",
                        "key_deactivated",
                        obj.uid,
                        obj.object_type,
                        f"deactivated {_days(now - deactivation)} ago ({deactivation:%Y-%m-%d} UTC)",
                        advice,
                        deactivation,
                        name,
                    )
                )
            elif deactivation is not None and deactivation <= horizon:
                when = f"{deactivation:%Y-%m-%d %H:%M} UTC"
                out.append(
                    Finding(
                        "due",
                        "key_deactivation",
                        obj.uid,
                        obj.object_type,
                        f"DeactivationDate in {_days(deactivation - now)} ({when})"
                        if deactivation > now
                        else f"DeactivationDate passed {_days(now - deactivation)} "
                        f"ago ({when}) but it is still {obj.state or 'in use'}",
                        "rotate (create its successor and move users to it) or extend DeactivationDate",
                        deactivation,
                        name,
                    )
                )
        rotation = _rotation_finding(obj, now, horizon)
        if rotation is not None:
            out.append(rotation)
        if obj.state == "PreActive" and obj.object_type in KEY_TYPES:
            made = created_of(obj.attributes)
            if made is not None and now - made > timedelta(days=pre_active_days):
                out.append(
                    Finding(
                        "warning",
                        "stale_pre_active",
                        obj.uid,
                        obj.object_type,
                        f"PreActive for {_days(now - made)} (made {made:%Y-%m-%d})",
                        f"activate it (kms-tui activate {obj.uid}) or destroy it (kms-tui destroy {obj.uid})",
                        made,
                        name,
                    )
                )
        if obj.state == "Compromised":
            out += _compromised_partners(obj, live)
    for uid, operations in (public_grants or {}).items():
        granted = live.get(uid)
        if granted is None or not operations:
            continue
        out.append(
            Finding(
                "warning",
                "public_grant",
                uid,
                granted.object_type,
                f"granted to every user (*): {', '.join(operations)}",
                "remove the grant unless it is meant to be public: "
                f"ckms access-rights revoke '*' {' '.join(operations)} -i {uid}",
                None,
                _name(granted),
            )
        )
    out.sort(key=Finding.sort_key)
    return out


def _rotation_finding(obj: ObjectSummary, now: datetime, horizon: datetime) -> Finding | None:
    """The key's next rotation by its policy, if it falls before ``horizon``."""
    if obj.state != "Active" or obj.object_type not in ("SymmetricKey", "PrivateKey"):
        return None
    if any(ln.get("type") == "ReplacementObjectLink" for ln in obj.links):
        return None  # an older generation: its successor carries the policy on
    from kms_tui.client.rotation import policy_of, span_text

    policy = policy_of(obj.uid, obj.attributes)
    nxt = policy.next_rotation
    if not policy.interval or nxt is None or nxt > horizon:
        return None
    every = f"every {span_text(policy.interval)}"
    if nxt <= now:
        when = f"rotation overdue by {_days(now - nxt)} ({every}, due {nxt:%Y-%m-%d %H:%M} UTC)"
    else:
        when = f"next rotation in {_days(nxt - now)} ({every}, {nxt:%Y-%m-%d %H:%M} UTC)"
    if policy.automatic:
        action = f"the server re-keys it then; move users to the new key (or re-key now: kms-tui rekey {obj.uid})"
    else:
        when += ", not automatic"
        action = f"re-key it: kms-tui rekey {obj.uid}"
    return Finding("due", "key_rotation", obj.uid, obj.object_type, when, action, nxt, _name(obj))


_PARTNER_LINKS = ("PublicKeyLink", "PrivateKeyLink", "CertificateLink")


def _compromised_partners(obj: ObjectSummary, live: Mapping[str, ObjectSummary]) -> list[Finding]:
    """Objects linked to the compromised ``obj`` (either direction) that are still usable."""
    related = {ln.get("id") for ln in obj.links if ln.get("type") in _PARTNER_LINKS}
    related |= {
        o.uid
        for o in live.values()
        if any(ln.get("id") == obj.uid and ln.get("type") in _PARTNER_LINKS for ln in o.links)
    }
    out = []
    for uid in sorted(u for u in related if u and u != obj.uid):
        other = live.get(uid)
        if other is None or other.state not in ("Active", "PreActive"):
            continue
        out.append(
            Finding(
                "critical",
                "compromised_partner",
                uid,
                other.object_type,
                f"{other.state} although its {obj.object_type} {obj.uid} is Compromised",
                f"revoke it: kms-tui revoke {uid} --reason KeyCompromise",
                None,
                _name(other),
            )
        )
    return out


def certificate_end(response: Any) -> datetime | None:
    """notAfter of the certificate in a GetResponse (None if it holds none)."""
    from cryptography import x509

    cert = response.get("Certificate")
    der = cert.get_value("CertificateValue") if cert is not None else None
    if not isinstance(der, bytes) or not der:
        return None
    return x509.load_der_x509_certificate(der).not_valid_after_utc


async def scan(
    client: KmsClient,
    *,
    within: timedelta,
    pre_active_days: int = 30,
    grants: bool = True,
    now: datetime | None = None,
) -> Radar:
    """Gather what :func:`assess` needs from one server and assess it."""
    listing = await list_objects(client)
    problems = list(listing.problems)
    live = [o for o in listing.objects if o.state not in DESTROYED]
    certs = [o.uid for o in live if o.object_type == "Certificate" and o.state != "Compromised"]
    ends: dict[str, datetime] = {}
    if certs:
        for uid, res in zip(certs, await client.batch([requests.get(u) for u in certs]), strict=True):
            if not res.ok:
                problems.append(f"{uid}: certificate not read ({res.message or res.reason})")
                continue
            try:
                end = certificate_end(res.unwrap())
            except ValueError as exc:
                problems.append(f"{uid}: certificate not readable ({exc})")
                continue
            if end is not None:
                ends[uid] = end
    public: dict[str, list[str]] = {}
    if grants:
        public = await _public_grants(client, [o.uid for o in live if not o.owner], problems)
    findings = assess(
        listing.objects,
        now=now or datetime.now(UTC),
        within=within,
        pre_active_days=pre_active_days,
        certificate_ends=ends,
        public_grants=public,
    )
    return Radar(findings, checked=len(live), problems=problems)


async def _public_grants(client: KmsClient, uids: list[str], problems: list[str]) -> dict[str, list[str]]:
    from kms_tui.client.bulk import access_lists

    found: dict[str, list[str]] = {}
    for uid, entries in (await access_lists(client, uids, problems)).items():
        for entry in entries:
            if entry.get("user_id") == "*":
                found[uid] = [str(op) for op in entry.get("operations") or []]
    return found
