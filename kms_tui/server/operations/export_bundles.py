"""PKCS#12 and PKCS#7 exports (``crate/server/src/core/operations/export_get.rs:
build_pkcs12_for_private_key, post_process_pkcs7``; ``core/certificate/find.rs``).

* A certificate asked as PKCS12 (or a private key asked as PKCS12) becomes a PrivateKey whose
  KeyMaterial is the PFX: the private key, its certificate and the chain up the
  ``CertificateLink``s, under the password sent as the wrapping key's UniqueIdentifier.
* A certificate asked as PKCS7 becomes a Certificate of type PKCS7: a signed-data structure
  (empty content) signed by the certificate's private key, holding the leaf and the chain.
  Without a private key (no ``PublicKeyLink`` → ``PrivateKeyLink``), the certificate is returned
  as it is, as Cosmian does.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server import keys, wrapping
from kms_tui.server.context import OpContext
from kms_tui.server.errors import InvalidRequest, Kmip21Error, ServerError
from kms_tui.server.store import StoredObject


def _x509(obj: StoredObject) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(obj.object.get_value("CertificateValue"))
    except (TypeError, ValueError):
        raise ServerError("export: unable to parse the certificate to openssl") from None


def _linked(ctx: OpContext, obj: StoredObject, link: str) -> str | None:
    return A.links(obj.attributes).get(link)


def _linked_through(
    ctx: OpContext, obj: StoredObject, direct: tuple[str, ...], via_public: str, op: str, no_public: str
) -> StoredObject:
    """The object ``obj`` links to by one of ``direct``, else by its public key's ``via_public``."""
    target = next((t for t in (_linked(ctx, obj, link) for link in direct) if t), None)
    if target is None:
        pk_id = _linked(ctx, obj, "PublicKeyLink")
        if pk_id is None:
            raise InvalidRequest(no_public)
        target = _linked(ctx, ctx.retrieve(pk_id, op), via_public)
        if target is None:
            raise InvalidRequest(f"No {via_public} found in the public key {pk_id}")
    return ctx.retrieve(target, op)


def private_key_for_certificate(ctx: OpContext, cert: StoredObject, op: str) -> StoredObject:
    """``retrieve_private_key_for_certificate``: PrivateKeyLink, else the public key's."""
    return _linked_through(
        ctx, cert, ("PrivateKeyLink",), "PrivateKeyLink", op, "No private or public key link found for the certificate"
    )


def certificate_for_private_key(ctx: OpContext, key: StoredObject, op: str) -> StoredObject:
    """``retrieve_certificate_for_private_key``: PKCS12CertificateLink or CertificateLink, else
    the public key's CertificateLink."""
    return _linked_through(
        ctx,
        key,
        ("PKCS12CertificateLink", "CertificateLink"),
        "CertificateLink",
        op,
        "No public key link found for the private key",
    )


def _chain(ctx: OpContext, cert: StoredObject, op: str) -> list[x509.Certificate]:
    out: list[x509.Certificate] = []
    seen = {cert.uid}
    while True:
        parent = _linked(ctx, cert, "CertificateLink")
        if parent is None or parent in seen:  # self-signed (or a loop): stop
            return out
        seen.add(parent)
        cert = ctx.retrieve(parent, op)
        out.append(_x509(cert))


def _private(ctx: OpContext, key: StoredObject) -> PrivateKeyTypes:
    if key.attributes.get_value("Sensitive") is True:
        raise Kmip21Error("Sensitive", "DENIED")
    node = wrapping.unwrapped(ctx, key) if wrapping.is_wrapped(key.object) else key.object
    try:
        return keys.load_private(node)
    except keys.KeyFormatError:
        raise ServerError("export: unable to parse the private key to openssl") from None


async def pkcs12_body(ctx: OpContext, key: StoredObject, password: str, op: str, *, legacy: bool) -> TTLV:
    """The PrivateKey node holding the PFX of ``key``, its certificate and chain."""
    cert = certificate_for_private_key(ctx, key, op)
    leaf = _x509(cert)
    chain = _chain(ctx, cert, op)
    private = _private(ctx, key)
    if legacy:
        encryption = (
            ser.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(2048)
            .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
            .hmac_hash(hashes.SHA1())
            .build(password.encode())
        )
    elif password:
        encryption = ser.BestAvailableEncryption(password.encode())
    else:
        encryption = ser.NoEncryption()
    try:
        pfx = await ctx.run_cpu(pkcs12.serialize_key_and_certificates, None, private, leaf, chain or None, encryption)
    except (ValueError, TypeError) as exc:
        raise ServerError(f"export: unable to build the PKCS12: {exc}") from None
    return TTLV.struct(
        "PrivateKey",
        [
            TTLV.struct(
                "KeyBlock",
                [
                    TTLV.enum("KeyFormatType", "PKCS12"),
                    TTLV.struct("KeyValue", [TTLV.bytes_("KeyMaterial", pfx)]),
                ],
            )
        ],
    )


async def pkcs7_body(ctx: OpContext, cert: StoredObject, op: str) -> TTLV:
    """The PKCS7 Certificate node of ``cert`` (or ``cert`` itself when it has no private key)."""
    pk_id = _linked(ctx, cert, "PublicKeyLink")
    if pk_id is None:
        raise ServerError("No Public Key found in the leaf certificate")
    sk_id = _linked(ctx, ctx.retrieve(pk_id, op), "PrivateKeyLink")
    if sk_id is None:
        return cert.object
    private = _private(ctx, ctx.retrieve(sk_id, op))
    leaf = _x509(cert)
    # Only RSA and EC keys sign a PKCS#7: cryptography raises TypeError for others (a codec error).
    builder = pkcs7.PKCS7SignatureBuilder().set_data(b"").add_signer(leaf, private, hashes.SHA256())  # type: ignore[arg-type]
    for c in _chain(ctx, cert, op):
        builder = builder.add_certificate(c)
    try:
        der = await ctx.run_cpu(builder.sign, ser.Encoding.DER, [])
    except (ValueError, TypeError) as exc:
        raise ServerError(f"export: unable to build the PKCS7: {exc}") from None
    return TTLV.struct("Certificate", [TTLV.enum("CertificateType", "PKCS7"), TTLV.bytes_("CertificateValue", der)])
