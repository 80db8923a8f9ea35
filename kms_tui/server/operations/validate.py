"""Validate: is a certificate chain valid now (or at ``ValidityTime``)? As Cosmian 5.26's
``crate/server/src/core/operations/validate.rs: validate_operation``:

1. the chain is the request's ``Certificate`` byte strings plus the certificates named by its
   ``UniqueIdentifier`` s (deduplicated); an id whose object is Compromised or Destroyed is
   ``Object_Not_Found`` (``retrieve_object_utils.rs``: only Active, PreActive and Deactivated
   objects are retrieved for Validate);
2. ``sort_certificates``: root first (SKI == AKI, or subject == issuer), leaf last (no SKI nor
   AKI), the rest placed by AKI/SKI;
3. ``verify_chain_signature``: OpenSSL's ``X509_verify_cert`` of the last certificate with all
   others as trust anchors, then each signature in cascade from the root;
4. ``validate_chain_date`` at ``ValidityTime`` (``YYMMDDHHMMSSZ`` or ``YYYYMMDDHHMMSSZ``);
5. ``verify_crls``: the CRLs named by each certificate's CRL distribution points (http(s) URLs,
   or file paths) must not list it nor its children; RFC 9608 noRevAvail skips the check.

Every failure is Cosmian's ``KmsError::Certificate``: HTTP 500 (generic body) on a bare
operation, ``Operation_Not_Supported`` + ``Certificate error: …`` in a batch. A chain that
passes is ``ValidityIndicator`` Valid; Cosmian never answers Invalid.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server.context import OpContext
from kms_tui.server.errors import KmipFailure, not_found
from kms_tui.server.operations.certify_x509 import NO_REV_AVAIL

RETRIEVABLE = ("Active", "PreActive", "Deactivated")
CRL_CACHE: dict[str, bytes] = {}  # Cosmian's CRL_CACHE_MAP: kept for the life of the process
CRL_TIMEOUT = 10.0


class CertificateError(KmipFailure):
    """Cosmian's ``KmsError::Certificate``: 500 bare, ``Operation_Not_Supported`` in batches."""

    status = 500
    prefix = "Certificate error"


# -- the chain ------------------------------------------------------------------------------------


def _by_uid(ctx: OpContext, uid: str) -> bytes:
    """``certificate_by_uid``: the DER of a certificate the user may validate."""
    for obj in ctx.accessible(uid, "validate"):
        if obj.state in RETRIEVABLE:
            if obj.object_type != "Certificate":
                raise CertificateError(f"Requested a Certificate Object, got a {obj.object_type}")
            return obj.object.get_value("CertificateValue") or b""
    raise not_found(uid)


def _load(der: bytes) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except (ValueError, TypeError) as exc:
        raise CertificateError(f"the certificate cannot be parsed: {exc}") from None


def _ids(cert: x509.Certificate) -> tuple[bytes, bytes]:
    """(SKI, AKI key identifier), empty when absent."""
    try:
        ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        ski = b""
    try:
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier or b""
    except x509.ExtensionNotFound:
        aki = b""
    return ski, aki


def sort_certificates(certs: list[x509.Certificate]) -> list[x509.Certificate]:
    """Root first, leaf last, as ``validate.rs: sort_certificates`` (same quirks)."""
    ordered: list[x509.Certificate] = []
    rest = list(certs)
    placed = []
    for index, cert in enumerate(rest):
        ski, aki = _ids(cert)
        self_signed = cert.subject.public_bytes() == cert.issuer.public_bytes()
        if (ski == aki and ski) or self_signed:
            if cert not in ordered:
                ordered.insert(0, cert)
            placed.append(index)
        elif not aki and not ski:
            if cert not in ordered:
                ordered.append(cert)
            placed.append(index)
    if not ordered:
        raise CertificateError("No root authority found, cannot proceed full chain validation")
    for index in reversed(placed):
        del rest[index]
    for _ in range(len(certs)):
        if len(ordered) == len(certs):
            break
        for cert in rest:
            if len(ordered) == len(certs):
                break
            ski, aki = _ids(cert)
            for idx, other in enumerate(list(ordered)):
                ski2, aki2 = _ids(other)
                if aki == ski2 and aki and cert not in ordered:
                    ordered.insert(idx + 1, cert)
                    break
                if ski == aki2 and ski and cert not in ordered:
                    ordered.insert(idx, cert)
                    break
    if len(ordered) != len(certs):
        raise CertificateError("Failed to sort the certificates. Certificate chain incomplete?")
    return ordered


# -- signatures (OpenSSL's X509_verify_cert, then the cascade) ----------------------------------------


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except (ValueError, TypeError, InvalidSignature):
        return False


Ext = TypeVar("Ext", bound=x509.ExtensionType)


def _extension(cert: x509.Certificate, kind: type[Ext]) -> Ext | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _is_ca(cert: x509.Certificate) -> bool:
    """OpenSSL's ``X509_check_ca``: basicConstraints CA, else keyCertSign in keyUsage."""
    constraints = _extension(cert, x509.BasicConstraints)
    if constraints is not None:
        return constraints.ca
    usage = _extension(cert, x509.KeyUsage)
    return usage is not None and usage.key_cert_sign


def _likely(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """``ossl_x509_likely_issued``: the AKI, when both sides have key ids, must name the issuer."""
    aki, ski = _ids(cert)[1], _ids(issuer)[0]
    return not (aki and ski) or aki == ski


def _verify_error(text: str) -> CertificateError:
    return CertificateError(f"Result of the function verify_cert: false. Error message: {text}")


def openssl_verify(leaf: x509.Certificate, anchors: list[x509.Certificate], now: datetime) -> None:
    """The checks ``X509_verify_cert`` makes with ``anchors`` as the trusted store (no CRL)."""
    path = [leaf]
    current = leaf
    while not (current in anchors and current.subject == current.issuer):  # up to a trusted self-signed
        issuer = next(
            (a for a in anchors if a.subject == current.issuer and a not in path and _likely(current, a)), None
        )
        if issuer is None:
            # X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT when the top came from the store
            raise _verify_error(
                "unable to get issuer certificate" if current is not leaf else "unable to get local issuer certificate"
            )
        path.append(issuer)
        current = issuer
    for depth, cert in enumerate(path):
        for ext in cert.extensions:
            if ext.critical and isinstance(ext.value, x509.UnrecognizedExtension):
                raise _verify_error("unhandled critical extension")
        if depth > 0:
            if not _is_ca(cert):
                raise _verify_error("invalid CA certificate")
            usage = _extension(cert, x509.KeyUsage)
            if usage is not None and not usage.key_cert_sign:
                raise _verify_error("key usage does not include certificate signing")
            constraints = _extension(cert, x509.BasicConstraints)
            below = depth - 1  # CA certificates under this one, the leaf not counted
            if constraints is not None and constraints.path_length is not None and below > constraints.path_length:
                raise _verify_error("path length constraint exceeded")
        if cert.not_valid_before_utc > now:
            raise _verify_error("certificate is not yet valid")
        if cert.not_valid_after_utc < now:
            raise _verify_error("certificate has expired")
    for cert, issuer in zip(path, path[1:], strict=False):  # each certificate with the one after it
        if not _signed_by(cert, issuer):
            raise _verify_error("certificate signature failure")


def _subject_debug(cert: x509.Certificate) -> str:
    """Roughly how Rust prints an ``X509NameRef`` with ``{:?}``."""
    parts = [f'{a.oid._name} = "{a.value!s}"' for a in cert.subject]
    return "[" + ", ".join(parts) + "]"


def verify_chain_signature(certs: list[x509.Certificate]) -> None:
    if not certs:
        raise CertificateError("Certificate chain is empty")
    leaf = certs[-1]
    anchors = [leaf] if len(certs) == 1 else certs[:-1]
    openssl_verify(leaf, anchors, datetime.now(UTC))
    issuer_key = certs[0].public_key()
    for cert in certs:
        try:
            ok = _verify_with(cert, issuer_key)
        except (ValueError, TypeError):
            ok = False
        if not ok:
            raise CertificateError(f"Failed to verify the certificate: {_subject_debug(cert)}")
        issuer_key = cert.public_key()


def _verify_with(cert: x509.Certificate, public_key: CertificatePublicKeyTypes) -> bool:
    """``X509::verify``: the signature of ``cert`` checked with ``public_key``."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa

    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(
                cert.signature,
                cert.tbs_certificate_bytes,
                padding.PKCS1v15(),
                cert.signature_hash_algorithm,  # type: ignore[arg-type]  # None: TypeError
            )
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))  # type: ignore[arg-type]  # as above
        elif isinstance(public_key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
            public_key.verify(cert.signature, cert.tbs_certificate_bytes)
        else:
            return False
    except InvalidSignature:
        return False
    return True


# -- dates ------------------------------------------------------------------------------------------


_ASN1_TIME = re.compile(r"^(\d{12}|\d{14})Z$")


def _asn1_time(text: str) -> datetime:
    """``Asn1Time::from_str``: UTCTime ``YYMMDDHHMMSSZ`` or GeneralizedTime ``YYYYMMDDHHMMSSZ``."""
    if not _ASN1_TIME.match(text):
        raise CertificateError(f"invalid ValidityTime {text!r}: expected YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ")
    digits = text[:-1]
    if len(digits) == 12:  # RFC 5280: YY >= 50 is 19YY
        year = int(digits[:2])
        digits = ("19" if year >= 50 else "20") + digits
    try:
        return datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        raise CertificateError(f"invalid ValidityTime {text!r}") from None


def validate_chain_date(certs: list[x509.Certificate], date: str | None) -> None:
    when = datetime.now(UTC) if date is None else _asn1_time(date)
    shown = "None" if date is None else f'Some("{date}")'
    for cert in certs:
        if not (cert.not_valid_before_utc <= when <= cert.not_valid_after_utc):
            raise CertificateError(
                f"According to this date ({shown}), the following certificate will be invalid {_subject_debug(cert)}"
            )


# -- revocation lists -----------------------------------------------------------------------------


def _crl_uris(cert: x509.Certificate) -> list[str]:
    points = _extension(cert, x509.CRLDistributionPoints)
    uris: list[str] = []
    for point in points or []:
        for name in point.full_name or []:
            if isinstance(name, x509.UniformResourceIdentifier) and name.value not in uris:
                uris.append(name.value)
    return uris


async def _fetch(url: str) -> bytes:
    import aiohttp

    try:
        timeout = aiohttp.ClientTimeout(total=CRL_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
            if response.status >= 300:
                raise CertificateError(
                    f"The CRL at the following URL {url} is not available. Status: {response.status}"
                )
            return await response.read()
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise CertificateError(f"the CRL at {url} cannot be fetched: {type(exc).__name__}") from None


async def crl_bytes(uris: list[str]) -> dict[str, bytes]:
    """``get_crl_bytes``: http(s) URLs fetched, other URL schemes skipped, anything else a path."""
    out: dict[str, bytes] = {}
    for uri in uris:
        scheme = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", uri)
        if scheme:
            if not uri.startswith(("http://", "https://")):
                continue  # e.g. ldap:, file: — Cosmian skips non-HTTP URLs
            if uri not in CRL_CACHE:
                CRL_CACHE[uri] = await _fetch(uri)
            out[uri] = CRL_CACHE[uri]
            continue
        try:
            path = str(Path(uri).resolve(strict=True))
            if path not in CRL_CACHE:
                CRL_CACHE[path] = Path(path).read_bytes()
        except OSError as exc:
            raise CertificateError(f"the CRL {uri} cannot be read: {exc.strerror or exc}") from None
        out[path] = CRL_CACHE[path]
    return out


def _revoked(crl_data: bytes, cert: x509.Certificate) -> bool:
    try:
        crl = x509.load_pem_x509_crl(crl_data)
    except ValueError:
        try:
            crl = x509.load_der_x509_crl(crl_data)
        except ValueError:
            raise CertificateError("a CRL cannot be parsed (neither PEM nor DER)") from None
    return crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None


async def verify_crls(certs: list[x509.Certificate]) -> None:
    current: dict[str, bytes] = {}
    for index, cert in enumerate(certs):
        if index > 0 and any(_revoked(data, cert) for data in current.values()):
            raise CertificateError("Certificate is revoked or removed from CRL")
        if any(ext.oid == NO_REV_AVAIL for ext in cert.extensions):
            continue  # RFC 9608 §4
        uris = _crl_uris(cert)
        if uris:
            current = await crl_bytes(uris)
            if any(_revoked(data, cert) for data in current.values()):
                raise CertificateError("Certificate is revoked or removed from CRL")


# -- the operation ------------------------------------------------------------------------------------


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """Validate → ``ValidateResponse{ValidityIndicator: Valid}``, or a Certificate error."""
    given = [n.value for n in payload.children("Certificate")]
    uids: list[str] = []
    for node in payload.children("UniqueIdentifier"):
        if str(node.value) not in uids:
            uids.append(str(node.value))
    if not given and not uids:
        raise CertificateError("Empty chain cannot be validated")
    ders = [bytes(d) if isinstance(d, (bytes, bytearray)) else b"" for d in given]
    ders += [_by_uid(ctx, uid) for uid in uids]
    certs = [_load(d) for d in ders]
    if len(certs) > 1:
        certs = sort_certificates(certs)
    verify_chain_signature(certs)
    validate_chain_date(certs, payload.get_value("ValidityTime"))
    await verify_crls(certs)
    return TTLV.struct("ValidateResponse", [TTLV.enum("ValidityIndicator", "Valid")])
