"""Import of a PKCS#12 (``crate/server/src/core/operations/import.rs: process_pkcs12``): the
PFX sent as a PrivateKey in PKCS12 format, its password as a ``PKCS12PasswordLink`` (read, then
dropped: never stored), split into

* the private key ``{id}_sk`` (PKCS#8), linked to the certificate (``PKCS12CertificateLink``);
* the public key ``{id}_pk`` from the certificate, linked to the private key (``PrivateKeyLink``);
* the leaf certificate ``{id}`` linked to both keys and to its issuer (``CertificateLink`` to
  the first certificate of the chain);
* each chain certificate under a new UUID, root first, each linked to the one before it
  (always replaced if present, as Cosmian's upsert).

Each carries the user's tags plus its system tag; the ids are the leaf's with ``_sk``/``_pk``.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.serialization import pkcs12

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import attributes as A
from kms_tui.server import keys
from kms_tui.server.context import OpContext, new_uid
from kms_tui.server.errors import DatabaseError, InvalidRequest, KmipFailure, ServerError
from kms_tui.server.objects import new_stored, stored_attributes, user_tags


class CertificateError(KmipFailure):
    """``KmsError::Certificate``: 500 on bare operations (the body says only "Internal server error")."""

    status = 500
    prefix = "Certificate error"


def _certificate(cert: x509.Certificate) -> TTLV:
    return TTLV.struct(
        "Certificate",
        [TTLV.enum("CertificateType", "X509"), TTLV.bytes_("CertificateValue", cert.public_bytes(ser.Encoding.DER))],
    )


def _attributes(base: TTLV, links: dict[str, str]) -> TTLV:
    attrs = base.copy()
    for link_type, target in links.items():
        A.set_link(attrs, link_type, target)
    return attrs


async def store_pkcs12(ctx: OpContext, obj: TTLV, requested: TTLV | None, uid: str, *, replace: bool) -> str:
    """Store the objects of the PKCS#12 in ``obj``; returns the private key's id."""
    material = obj.find("KeyBlock/KeyValue/KeyMaterial")
    data = material.value if material is not None and material.type == "ByteString" else None
    if not isinstance(data, bytes):
        raise ServerError("The PKCS12 object is not correctly formatted")
    base = requested.copy() if requested is not None else TTLV.struct("Attributes")
    base.tag = "Attributes"
    password = A.links(base).get("PKCS12PasswordLink", "")
    base.value = [c for c in base.value if not (c.tag == "Link" and c.get_value("LinkType") == "PKCS12PasswordLink")]
    tags = user_tags(ctx, requested, strict=False)
    A.remove_vendor_attribute(base, ctx.vendor, "tag")
    try:
        key, cert, cas = await ctx.run_cpu(pkcs12.load_key_and_certificates, data, password.encode() or None)
    except (ValueError, TypeError) as exc:
        raise CertificateError(f"Unable to parse PKCS12 file: (bad/missing password?). {exc}") from None
    if key is None:
        raise InvalidRequest("Private key not found in PKCS12")
    if cert is None:
        raise InvalidRequest("X509 certificate not found in PKCS12")
    leaf_id = uid or new_uid()
    sk_id, pk_id = f"{leaf_id}_sk", f"{leaf_id}_pk"
    chain = [(new_uid(), c) for c in cas]
    records = []

    def add(oid: str, node: TTLV, attrs: TTLV) -> None:
        stored, state = stored_attributes(ctx, attrs, uid=oid, obj=node, tags=tags)
        records.append(new_stored(ctx, oid, node, stored, state))

    try:
        add(sk_id, keys.private_key_object(key), _attributes(base, {"PKCS12CertificateLink": leaf_id}))
        add(pk_id, keys.public_key_object(cert.public_key()), _attributes(base, {"PrivateKeyLink": sk_id}))
    except keys.KeyFormatError as exc:
        raise CertificateError(f"unsupported key in the PKCS12: {exc}") from None
    leaf_links = {"PrivateKeyLink": sk_id, "PublicKeyLink": pk_id}
    if chain:
        leaf_links["CertificateLink"] = chain[0][0]
    add(leaf_id, _certificate(cert), _attributes(base, leaf_links))
    parent = None
    for cid, c in reversed(chain):  # root first
        add(cid, _certificate(c), _attributes(base, {"CertificateLink": parent} if parent else {}))
        parent = cid
    chain_ids = {cid for cid, _ in chain}
    with ctx.store.transaction():
        for record in records:
            if ctx.store.exists(record.uid):
                if not (replace or record.uid in chain_ids):
                    raise DatabaseError(f"failed to insert objects: one or more objects already exist (`{record.uid}`)")
                ctx.store.replace(record)
            else:
                ctx.store.insert([record])
    return sk_id
