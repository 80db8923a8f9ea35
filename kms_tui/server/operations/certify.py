"""Certify: issue a real X.509 certificate, as Cosmian KMS 5.x does (reference §3.10).

Subject: a CSR (``CertificateRequestValue``, PEM by default or PKCS10 DER), the
``UniqueIdentifier`` of a public key (+ ``Attributes.CertificateAttributes`` subject), of a
certificate (renewal, same id unless ``Attributes.UniqueIdentifier``), or no id at all (a key pair
is generated from the attributes' algorithm/length/curve). Issuer: ``Attributes.Link``
``CertificateLink`` and/or ``PrivateKeyLink``; none means self-signed with the subject's own
private key. Extensions: those of the CSR or renewed certificate, overridden by the
``x509-extension`` vendor attribute (see :mod:`.certify_x509`). The certificate is stored Active with
tags ``_cert`` + the request's user tags, linked to its issuer (``CertificateLink``), public and private
keys; the public key links back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed448, ed25519
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server import keys
from kms_tui.server.context import DESTROYED, OpContext, new_uid
from kms_tui.server.errors import InvalidRequest, Kmip21Error, KmipFailure, NotSupported, UnsupportedPlaceholder
from kms_tui.server.objects import check_uid_allowed, new_stored, stored_attributes, user_tags
from kms_tui.server.operations.certify_x509 import (
    NO_REV_AVAIL,
    certificate_attributes,
    merged,
    parse_extensions,
    subject_name,
)
from kms_tui.server.operations.create_key_pair import _generate as generate_private_key
from kms_tui.server.operations.create_key_pair import _objects as generated_objects
from kms_tui.server.store import StoredObject

DEFAULT_VALIDITY_DAYS = 365
CERT_ATTRIBUTES_DROPPED = (
    "CryptographicAlgorithm",
    "CryptographicLength",
    "CryptographicParameters",
    "CryptographicUsageMask",
    "CryptographicDomainParameters",
    "UniqueIdentifier",
)


class ItemNotFound(KmipFailure):
    """Cosmian's ``KmsError::ItemNotFound``: ``Item not found: <id>``, batch reason Item_Not_Found."""

    prefix = "Item not found"
    batch_reason = "Item_Not_Found"

    @property
    def batch_message(self) -> str:
        return self.message


@dataclass
class Subject:
    """Who the certificate is for; ``generated`` holds a fresh (private, public) pair."""

    cert_uid: str
    name: x509.Name
    public_key: PublicKeyTypes
    extensions: list[x509.Extension[x509.ExtensionType]] = field(default_factory=list)
    public_obj: StoredObject | None = None
    renewed: StoredObject | None = None
    generated: tuple[StoredObject, StoredObject] | None = None
    csr: bool = False


@dataclass
class Issuer:
    uid: str
    name: x509.Name
    private_key: PrivateKeyTypes
    not_after: datetime | None = None
    self_signed: bool = False  # Cosmian's Issuer::PrivateKeyAndSubjectName (no issuer certificate)


# -- stored objects -------------------------------------------------------------------------------


def certificate_object(cert: x509.Certificate) -> TTLV:
    return TTLV.struct(
        "Certificate",
        [TTLV.enum("CertificateType", "X509"), TTLV.bytes_("CertificateValue", cert.public_bytes(Encoding.DER))],
    )


def load_certificate(obj: StoredObject) -> x509.Certificate:
    der = obj.object.get_value("CertificateValue")
    try:
        return x509.load_der_x509_certificate(der)
    except (ValueError, TypeError):
        raise InvalidRequest(f"the certificate {obj.uid} cannot be parsed") from None


def _private_key(obj: StoredObject) -> PrivateKeyTypes:
    try:
        return keys.load_private(obj.object)
    except keys.KeyFormatError as exc:
        raise InvalidRequest(f"the private key {obj.uid} cannot be used to sign: {exc}") from None


def _retrieve(ctx: OpContext, uid: str) -> StoredObject:
    return ctx.retrieve(uid, "certify", include_destroyed=False)


def _linked(ctx: OpContext, obj: StoredObject, link_type: str) -> StoredObject | None:
    target = A.links(obj.attributes).get(link_type)
    return _retrieve(ctx, target) if target else None


# -- subject --------------------------------------------------------------------------------------


def _csr_subject(payload: TTLV, attrs: TTLV | None) -> Subject:
    raw = payload.get_value("CertificateRequestValue")
    kind = payload.get_value("CertificateRequestType", "PEM")
    try:
        if kind == "PEM":
            csr = x509.load_pem_x509_csr(raw)
        elif kind == "PKCS10":
            csr = x509.load_der_x509_csr(raw)
        else:
            raise InvalidRequest(f"Certificate Request Type {kind} not supported")
    except (ValueError, TypeError):  # TypeError: not a ByteString
        raise InvalidRequest("Certify: the CertificateRequestValue is not a valid PEM or PKCS10 request") from None
    if not csr.is_signature_valid:
        raise InvalidRequest("Certify: the certificate signing request signature is invalid")
    uid = A.value(attrs, "UniqueIdentifier") or new_uid()
    return Subject(str(uid), csr.subject, csr.public_key(), list(csr.extensions), csr=True)


async def _generated_subject(ctx: OpContext, attrs: TTLV, name: x509.Name, tags: set[str]) -> Subject:
    """No id: a fresh key pair from the attributes (algorithm, length, curve)."""
    ctx.check_create()
    algorithm = attrs.get_value("CryptographicAlgorithm")
    if algorithm is None:
        raise InvalidRequest("Keypair creation: the cryptographic algorithm is missing")
    key = await generate_private_key(ctx, algorithm, attrs)
    sk_uid = new_uid()
    pk_uid = sk_uid + "_pk"
    sk_obj, pk_obj, _params = generated_objects(key, algorithm)  # stored as CreateKeyPair stores them
    request = attrs.copy()
    for tag in ("CertificateAttributes", "UniqueIdentifier", "KeyFormatType", "ObjectType", "Link"):
        request.remove(tag)
    for vendor_name in ("tag", "requested_validity_days", "x509-extension"):
        A.remove_vendor_attribute(request, ctx.vendor, vendor_name)
    request.set(TTLV.date("ActivationDate", A.now()))  # certify_op.rs: setup_with_lifecycle(.., Some(now))
    pair = []
    for uid, obj in ((sk_uid, sk_obj), (pk_uid, pk_obj)):
        stored, _ = stored_attributes(ctx, request, uid=uid, obj=obj, tags=tags, lifecycle=True)
        A.put(stored, TTLV.enum("State", "Active"))
        pair.append(new_stored(ctx, uid, obj, stored, "Active"))
    A.set_link(pair[0].attributes, "PublicKeyLink", pk_uid)
    A.set_link(pair[1].attributes, "PrivateKeyLink", sk_uid)
    uid = attrs.get_value("UniqueIdentifier") or new_uid()
    return Subject(str(uid), name, key.public_key(), generated=(pair[0], pair[1]))


async def resolve_subject(ctx: OpContext, payload: TTLV, attrs: TTLV | None, tags: set[str]) -> Subject:
    if payload.get("CertificateRequestValue") is not None:
        return _csr_subject(payload, attrs)
    request_uid = payload.get_value("UniqueIdentifier")
    public_obj = None
    if request_uid is not None:
        found = [o for o in ctx.accessible(str(request_uid), "certify") if o.state not in DESTROYED]
        if not found:
            raise ItemNotFound(str(request_uid))
        obj = found[0]
        if obj.object_type == "Certificate":
            cert = load_certificate(obj)
            uid = A.value(attrs, "UniqueIdentifier") or obj.uid
            return Subject(str(uid), cert.subject, cert.public_key(), list(cert.extensions), renewed=obj)
        if obj.object_type != "PublicKey":
            raise InvalidRequest(
                f"Invalid Certify request for object type {obj.object_type}: "
                "certify a public key, renew a certificate, or send a CSR"
            )
        public_obj = obj
    if attrs is None:
        raise InvalidRequest("Certify from Subject: the attributes specifying the the subject name are missing")
    cert_attrs = attrs.get("CertificateAttributes")
    if cert_attrs is None:
        raise InvalidRequest("Certify from Subject: the subject name is not found in the attributes")
    name = subject_name(cert_attrs)
    if public_obj is None:
        return await _generated_subject(ctx, attrs, name, tags)
    try:
        public_key = keys.load_public(public_obj.object)
    except keys.KeyFormatError as exc:
        raise InvalidRequest(f"the public key {public_obj.uid} cannot be certified: {exc}") from None
    uid = attrs.get_value("UniqueIdentifier") or new_uid()
    return Subject(str(uid), name, public_key, public_obj=public_obj)


# -- issuer ---------------------------------------------------------------------------------------


def _active_signing_key(obj: StoredObject) -> PrivateKeyTypes:
    if obj.state != "Active":
        raise Kmip21Error("Wrong_Key_Lifecycle_State", f"the issuer private key {obj.uid} is {obj.state}, not Active")
    return _private_key(obj)


def _issuer_from_links(ctx: OpContext, cert_id: str | None, key_id: str | None) -> Issuer:
    """Cosmian's ``retrieve_issuer_private_key_and_certificate``: follow links as needed (the
    caller passes at least one of the two ids)."""
    key_obj: StoredObject | None
    cert_obj: StoredObject | None
    if cert_id:
        cert_obj = _retrieve(ctx, cert_id)
        if cert_obj.object_type != "Certificate":
            raise InvalidRequest(f"the issuer certificate link {cert_id} is a {cert_obj.object_type}")
        if key_id:
            key_obj = _retrieve(ctx, key_id)
        else:
            key_obj = _linked(ctx, cert_obj, "PrivateKeyLink")
            if key_obj is None:
                pub = _linked(ctx, cert_obj, "PublicKeyLink")
                key_obj = _linked(ctx, pub, "PrivateKeyLink") if pub is not None else None
            if key_obj is None:
                raise InvalidRequest("No private or public key link found for the certificate")
    else:
        key_obj = _retrieve(ctx, key_id or "")
        cert_obj = _linked(ctx, key_obj, "PKCS12CertificateLink") or _linked(ctx, key_obj, "CertificateLink")
        if cert_obj is None:
            pub = _linked(ctx, key_obj, "PublicKeyLink")
            if pub is None:
                raise InvalidRequest("No public key link found for the private key")
            cert_obj = _linked(ctx, pub, "CertificateLink")
            if cert_obj is None:
                raise InvalidRequest("No CertificateLink found in the public key")
    cert = load_certificate(cert_obj)
    return Issuer(cert_obj.uid, cert.subject, _active_signing_key(key_obj), cert.not_valid_after_utc)


def resolve_issuer(ctx: OpContext, subject: Subject, attrs: TTLV | None) -> Issuer:
    links = A.links(attrs) if attrs is not None else {}
    cert_id, key_id = links.get("CertificateLink"), links.get("PrivateKeyLink")
    if cert_id or key_id:
        return _issuer_from_links(ctx, cert_id, key_id)
    # Self-signed: the subject signs with its own private key.
    if subject.csr:
        raise InvalidRequest(
            "Invalid request: a self-signed certificate cannot be created from a CSR without "
            "specifying the private key id"
        )
    if subject.generated is not None:
        return Issuer(subject.cert_uid, subject.name, keys.load_private(subject.generated[0].object), self_signed=True)
    if subject.renewed is not None:
        key_obj = _linked(ctx, subject.renewed, "PrivateKeyLink")
        if key_obj is None:
            raise InvalidRequest("No private key linked to the certificate found to renew it as self-signed")
        cert = load_certificate(subject.renewed)
        return Issuer(subject.cert_uid, cert.subject, _active_signing_key(key_obj))
    assert subject.public_obj is not None
    key_obj = _linked(ctx, subject.public_obj, "PrivateKeyLink")
    if key_obj is None:
        raise InvalidRequest("No private key link found to create a self-signed certificate from a public key")
    existing = _linked(ctx, subject.public_obj, "CertificateLink")
    if existing is not None and existing.object_type == "Certificate":
        cert = load_certificate(existing)
        return Issuer(subject.cert_uid, cert.subject, _active_signing_key(key_obj), cert.not_valid_after_utc)
    return Issuer(subject.cert_uid, subject.name, _active_signing_key(key_obj), self_signed=True)


# -- building and storing ---------------------------------------------------------------------


def _serial(public_key: PublicKeyTypes) -> int:
    """SHA-1 of the subject's SubjectPublicKeyInfo, high bit cleared (Cosmian's serial)."""
    digest = bytearray(hashlib.sha1(public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).digest())
    digest[0] &= 0x7F
    return int.from_bytes(digest, "big") or 1


def requested_extensions(
    ctx: OpContext, attrs: TTLV | None, subject: Subject, issuer: Issuer
) -> list[x509.Extension[x509.ExtensionType]]:
    """Extensions from the ``x509-extension`` vendor attribute (OpenSSL config text)."""
    node = A.vendor_attribute(attrs, ctx.vendor, "x509-extension") if attrs is not None else None
    if node is None:
        return []
    try:
        text = node.value.decode() if isinstance(node.value, bytes) else str(node.value)
    except UnicodeDecodeError:
        raise InvalidRequest("x509-extension must be UTF-8 text (an OpenSSL [ v3_ca ] section)") from None
    return parse_extensions(text, subject.public_key, issuer.private_key.public_key())


def no_revocation_available(
    ctx: OpContext, attrs: TTLV | None, issuer: Issuer
) -> list[x509.Extension[x509.ExtensionType]]:
    """RFC 9608 (``certify/rfc9608.rs: apply_extensions``): a self-signed certificate that is
    not a CA (no ``CA:TRUE`` in the extensions text) and names no CRL distribution point gets
    the non-critical noRevAvail extension."""
    if not issuer.self_signed:
        return []
    node = A.vendor_attribute(attrs, ctx.vendor, "x509-extension") if attrs is not None else None
    text = ""
    if node is not None and isinstance(node.value, bytes):
        text = node.value.decode(errors="replace")
    if "crlDistributionPoints" in text or "CA:TRUE" in text.upper():
        return []
    ext = x509.UnrecognizedExtension(NO_REV_AVAIL, b"\x05\x00")
    return [x509.Extension(NO_REV_AVAIL, False, ext)]


def validity_days(ctx: OpContext, attrs: TTLV | None) -> int:
    node = A.vendor_attribute(attrs, ctx.vendor, "requested_validity_days") if attrs is not None else None
    if node is None:
        return DEFAULT_VALIDITY_DAYS
    if not isinstance(node.value, int) or isinstance(node.value, bool) or node.value < 1:
        raise InvalidRequest("requested_validity_days must be a positive Integer")
    return node.value


def sign_certificate(subject: Subject, issuer: Issuer, days: int) -> x509.Certificate:
    """Build and sign the X.509 v3 certificate (CPU work: call through ``run_cpu``)."""
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        not_after = now + timedelta(days=days)
    except OverflowError:
        raise InvalidRequest(f"requested_validity_days {days} is too large") from None
    if issuer.not_after is not None and issuer.not_after < not_after:
        not_after = issuer.not_after  # never outlive the issuer
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject.name)
        .issuer_name(issuer.name)
        .public_key(subject.public_key)  # type: ignore[arg-type]  # TypeError for a key no certificate holds
        .serial_number(_serial(subject.public_key))
        .not_valid_before(now)
        .not_valid_after(not_after)
    )
    for ext in subject.extensions:
        builder = builder.add_extension(ext.value, ext.critical)
    edwards = isinstance(issuer.private_key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey))
    try:
        return builder.sign(issuer.private_key, None if edwards else hashes.SHA256())  # type: ignore[arg-type]  # TypeError: a codec error
    except (TypeError, ValueError) as exc:
        raise NotSupported(f"Certify: this issuer key cannot sign a certificate: {exc}") from None


def _certificate_attributes(ctx: OpContext, attrs: TTLV | None, cert: x509.Certificate) -> TTLV:
    out = attrs.copy() if attrs is not None else TTLV.struct("Attributes")
    for tag in CERT_ATTRIBUTES_DROPPED + ("Link", "CertificateAttributes", "KeyFormatType", "ObjectType"):
        out.remove(tag)
    for vendor_name in ("tag", "requested_validity_days", "x509-extension"):
        A.remove_vendor_attribute(out, ctx.vendor, vendor_name)
    out.value.append(certificate_attributes(cert))
    out.value.append(TTLV.enum("KeyFormatType", "X509"))
    return out


def _upsert(ctx: OpContext, cert: StoredObject) -> None:
    """``AtomicOperation::Upsert`` (query.sql ``upsert-object``): an id already in use is
    overwritten when the user owns that object (whatever it was; grants kept) and silently left
    alone when someone else does."""
    existing = ctx.store.get(cert.uid)
    if existing is None:
        ctx.store.insert([cert])
    elif existing.owner == ctx.user:
        ctx.store.replace(cert)


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """Certify → ``CertifyResponse{UniqueIdentifier}`` of the stored certificate."""
    if payload.get("ProtectionStorageMasks") is not None:  # certify_op.rs: certify
        raise UnsupportedPlaceholder()
    attrs = payload.get("Attributes")
    tags = user_tags(ctx, attrs, strict=True)
    subject = await resolve_subject(ctx, payload, attrs, tags)
    check_uid_allowed(subject.cert_uid)
    issuer = resolve_issuer(ctx, subject, attrs)
    subject.extensions = merged(subject.extensions, requested_extensions(ctx, attrs, subject, issuer))
    if not any(e.oid == NO_REV_AVAIL for e in subject.extensions):
        subject.extensions += no_revocation_available(ctx, attrs, issuer)
    cert = await ctx.run_cpu(sign_certificate, subject, issuer, validity_days(ctx, attrs))
    cert_obj = certificate_object(cert)
    request = _certificate_attributes(ctx, attrs, cert)
    stored, _ = stored_attributes(ctx, request, uid=subject.cert_uid, obj=cert_obj, tags=tags)
    A.put(stored, TTLV.enum("State", "Active"))
    A.set_link(stored, "CertificateLink", issuer.uid)
    public = subject.public_obj or (subject.generated[1] if subject.generated else None)
    if public is not None:
        A.set_link(stored, "PublicKeyLink", public.uid)
        private_id = A.links(public.attributes).get("PrivateKeyLink")
        if private_id:
            A.set_link(stored, "PrivateKeyLink", private_id)
        A.set_link(public.attributes, "CertificateLink", subject.cert_uid)
    if subject.generated is not None:
        A.set_link(subject.generated[0].attributes, "CertificateLink", subject.cert_uid)
    elif subject.renewed is not None:  # a renewal keeps the old certificate's links to its keys
        for link_type in ("PublicKeyLink", "PrivateKeyLink"):
            target = A.links(subject.renewed.attributes).get(link_type)
            if target:
                A.set_link(stored, link_type, target)
    cert_stored = new_stored(ctx, subject.cert_uid, cert_obj, stored, "Active")
    in_place = subject.renewed is not None and subject.renewed.uid == subject.cert_uid
    with ctx.store.transaction():
        if subject.generated is not None:
            ctx.store.insert(list(subject.generated))
        elif subject.public_obj is not None:
            ctx.store.update(subject.public_obj)
        if in_place:  # a renewal under the same id replaces the certificate, owner and grants kept
            # Cosmian upserts it `WHERE objects.owner = <caller>` (server_database query.sql,
            # upsert-object): another user's certificate is left as it was, and the call succeeds.
            if subject.renewed.owner == ctx.user:  # type: ignore[union-attr]  # in_place: a renewal
                cert_stored.owner = ctx.user
                ctx.store.replace(cert_stored)
        else:
            _upsert(ctx, cert_stored)
    return TTLV.struct("CertifyResponse", [TTLV.text("UniqueIdentifier", subject.cert_uid)])
