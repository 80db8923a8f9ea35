"""ReCertify: renew a certificate under a new id, as Cosmian 5.26's
``crate/server/src/core/operations/recertify.rs`` (``CertificateRekey`` driven by
``rekey/common.rs: execute_rekey``) does it.

- the caller needs the create right; the certificate must be Active or Deactivated;
- the new id is ``<RotateName>@<RotateGeneration+1>`` for a certificate in a keyset, else a
  fresh UUID (``kmip_types.rs: rotation_successor``);
- the new certificate is a Certify of the old one (same subject, public key and extensions)
  whose attributes start from the old certificate's: its ``CertificateLink`` (the issuer) and
  ``PrivateKeyLink`` pick the signer, unless the request's ``Attributes`` carry a
  ``CertificateLink`` (then the old ``PrivateKeyLink`` is dropped) and/or a ``PrivateKeyLink``;
  the request's other attributes (validity days, tags) are not read. A self-signed certificate
  is thus its own issuer and the renewal never outlives it (``build_certificate.rs``: the days
  are capped by the issuer certificate);
- dates from ``Attributes::for_replacement`` (``Offset`` seconds after now for the activation,
  a DeactivationDate shifted by as much), ``ReplacedObjectLink`` → old, the old key links kept,
  rotation metadata (``set_rotation_metadata_from``: generation + 1, date now, interval 0,
  latest true, the name inherited), the system tag ``_cert`` only (Cosmian's tags live in their
  own table, which ReCertify does not read);
- the old certificate: ``ReplacementObjectLink`` → new, Name removed, DeactivationDate and
  LastChangeDate now, Deactivated; the keys whose ``CertificateLink`` named it now name the
  new one.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from typing import Any

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server.context import OpContext
from kms_tui.server.errors import InvalidRequest, UnsupportedPlaceholder, not_found
from kms_tui.server.objects import new_stored, stored_attributes, touch
from kms_tui.server.operations import certify as C
from kms_tui.server.operations.certify_x509 import NO_REV_AVAIL, merged
from kms_tui.server.store import StoredObject

RETRIEVABLE = ("Active", "PreActive", "Deactivated")
NOT_INHERITED = ("DestroyDate", "CompromiseDate", "CompromiseOccurrenceDate")


def _candidate(ctx: OpContext, payload: TTLV) -> StoredObject:
    node = payload.get("UniqueIdentifier")
    if node is None:
        raise InvalidRequest("ReCertify: unique_identifier of the certificate to rotate is required")
    if node.type != "TextString":
        raise InvalidRequest("ReCertify: unique_identifier must be a text string")
    uid = node.value
    obj = next((o for o in ctx.accessible(uid, "certify") if o.state in RETRIEVABLE), None)
    if obj is None:
        raise not_found(uid)
    if obj.object_type != "Certificate":
        raise InvalidRequest(f"ReCertify: object {uid} is not a Certificate")
    if obj.state not in ("Active", "Deactivated"):
        raise InvalidRequest(
            f"ReCertify: certificate '{uid}' is in state '{obj.state}' — only Active or Deactivated "
            "certificates can be renewed"
        )
    return obj


def successor(old: TTLV) -> str:
    name = old.get_value("RotateName")
    if isinstance(name, str) and name:
        return f"{name}@{int(old.get_value('RotateGeneration') or 0) + 1}"
    return str(uuid.uuid4())


def _base_attributes(old: StoredObject, request: TTLV | None, new_uid: str) -> TTLV:
    base = old.attributes.copy()
    asked = A.links(request) if request is not None else {}
    if "CertificateLink" in asked:
        A.set_link(base, "CertificateLink", asked["CertificateLink"])
        if "PrivateKeyLink" not in asked:
            base.value = [
                c for c in base.value if not (c.tag == "Link" and c.get_value("LinkType") == "PrivateKeyLink")
            ]
    if "PrivateKeyLink" in asked:
        A.set_link(base, "PrivateKeyLink", asked["PrivateKeyLink"])
    A.put(base, TTLV.text("UniqueIdentifier", new_uid))
    return base


def _replacement_dates(old: TTLV, offset: int | None) -> tuple[Any, ...]:
    """``Attributes::for_replacement``: (activation, deactivation or None to keep the old one)."""
    now = A.now()
    activation = now + timedelta(seconds=offset) if offset is not None else now
    old_deactivation, old_activation = old.get_value("DeactivationDate"), old.get_value("ActivationDate")
    deactivation = None
    if old_deactivation is not None and old_activation is not None:
        deactivation = old_deactivation + (activation - old_activation)
    return activation, deactivation


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """ReCertify → ``ReCertifyResponse{UniqueIdentifier}`` of the new certificate."""
    if payload.get("ProtectionStorageMasks") is not None:
        raise UnsupportedPlaceholder()
    ctx.check_create()
    old = _candidate(ctx, payload)
    new_uid = successor(old.attributes)
    base = _base_attributes(old, payload.get("Attributes"), new_uid)
    # get_subject / get_issuer run as the certificate's owner (recertify.rs: generate_replacement)
    as_owner = dataclasses.replace(ctx, user=old.owner)
    certify_payload = TTLV.struct("Certify", [TTLV.text("UniqueIdentifier", old.uid), base])
    subject = await C.resolve_subject(as_owner, certify_payload, base, set())
    issuer = C.resolve_issuer(as_owner, subject, base)
    subject.extensions = merged(subject.extensions, C.requested_extensions(ctx, base, subject, issuer))
    if not any(e.oid == NO_REV_AVAIL for e in subject.extensions):
        subject.extensions += C.no_revocation_available(ctx, base, issuer)
    cert = await ctx.run_cpu(C.sign_certificate, subject, issuer, C.validity_days(ctx, base))
    cert_obj = C.certificate_object(cert)

    attrs = C._certificate_attributes(ctx, base, cert)
    for tag in NOT_INHERITED:
        attrs.remove(tag)
    now = A.now()
    activation, deactivation = _replacement_dates(old.attributes, payload.get_value("Offset"))
    for tag, when in (
        ("ActivationDate", activation),
        ("DeactivationDate", deactivation),
        ("InitialDate", now),
        ("LastChangeDate", now),
    ):
        if when is not None:
            A.put(attrs, TTLV.date(tag, when))
    state = "Active" if activation <= now else "PreActive"
    A.set_link(attrs, "CertificateLink", issuer.uid)
    A.set_link(attrs, "ReplacedObjectLink", old.uid)
    old_links = A.links(old.attributes)
    for link_type in ("PublicKeyLink", "PrivateKeyLink"):
        if link_type in old_links:
            A.set_link(attrs, link_type, old_links[link_type])
    A.put(attrs, TTLV.integer("RotateGeneration", int(old.attributes.get_value("RotateGeneration") or 0) + 1))
    A.put(attrs, TTLV.date("RotateDate", now))
    A.put(attrs, TTLV.integer("RotateInterval", 0))
    attrs.remove("RotateOffset")
    attrs.remove("RotateName")
    if old.attributes.get("RotateName") is not None:
        A.put(attrs, old.attributes.child("RotateName").copy())
    A.put(attrs, TTLV.boolean("RotateLatest", True))
    # Cosmian keeps tags in their own table, not in the attributes its ReCertify copies, and reads
    # no tag from the request: the replacement has the system tag only
    attrs, _ = stored_attributes(ctx, attrs, uid=new_uid, obj=cert_obj, tags=set())
    A.put(attrs, TTLV.enum("State", state))
    new = new_stored(ctx, new_uid, cert_obj, attrs, state)

    # Phase 2: retire the old certificate, relink the keys that pointed at it
    A.set_link(old.attributes, "ReplacementObjectLink", new_uid)
    old.attributes.remove("Name")
    A.put(old.attributes, TTLV.date("DeactivationDate", now))
    touch(old, "Deactivated")
    relinked = []
    for link_type in ("PublicKeyLink", "PrivateKeyLink"):
        key = ctx.store.get(old_links[link_type]) if link_type in old_links else None
        if key is not None and A.links(key.attributes).get("CertificateLink") == old.uid:
            A.set_link(key.attributes, "CertificateLink", new_uid)
            relinked.append(key)
    with ctx.store.transaction():
        ctx.store.insert([new])  # AtomicOperation::Create: an id in use is refused
        ctx.store.update(old)
        for key in relinked:
            ctx.store.update(key)
    return TTLV.struct("ReCertifyResponse", [TTLV.text("UniqueIdentifier", new_uid)])
