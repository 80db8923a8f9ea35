"""Request builders that send what ckms sends (``kmip_2_1/requests/*.rs`` in Cosmian's client).

Every builder returns a typed payload model; call ``.to_ttlv()`` for the wire form. ``now`` may be
passed for reproducible ``ActivationDate`` values (whole seconds, UTC, like the server's clock).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from pydantic import BaseModel

from kms_tui.kmip.enums import (
    CryptographicAlgorithm,
    CryptographicUsageMask,
    KeyFormatType,
    KeyWrapType,
    LinkType,
    ObjectType,
    QueryFunction,
    RecommendedCurve,
    RevocationReasonCode,
    State,
    fips_mask_limit,
)
from kms_tui.kmip.models import admin_ops as a
from kms_tui.kmip.models import operations as o
from kms_tui.kmip.models.attributes import (
    COSMIAN,
    Attributes,
    CertificateAttributes,
    CryptographicDomainParameters,
    Link,
    Name,
    RevocationReason,
    VendorAttributeReference,
)
from kms_tui.kmip.models.objects import KeyBlock, KeyValue, SymmetricKey, TransparentSymmetricKey

__all__ = [
    "SYMMETRIC_DEFAULT_MASK",
    "UNRESTRICTED",
    "tag_query",
    "create_symmetric_key_request",
    "create_key_pair_request",
    "import_symmetric_key_request",
    "LocateFilters",
    "locate_request",
    "get_request",
    "export_request",
    "get_attributes_request",
    "get_attribute_list_request",
    "set_attribute_request",
    "activate_request",
    "revoke_request",
    "destroy_request",
    "certify_request",
    "query_request",
    "discover_versions_request",
]

_U = CryptographicUsageMask
# Encrypt|Decrypt|WrapKey|UnwrapKey|KeyAgreement: ckms's default for symmetric keys.
SYMMETRIC_DEFAULT_MASK = int(_U.Encrypt | _U.Decrypt | _U.WrapKey | _U.UnwrapKey | _U.KeyAgreement)
UNRESTRICTED = int(_U.Unrestricted)  # what a non-FIPS ckms puts on key pairs

_EC_CURVES = {
    "P192",
    "P224",
    "P256",
    "P384",
    "P521",
    "SECP224K1",
    "SECP256K1",
    "CURVE25519",
    "CURVE448",
}
_EDWARDS = {"CURVEED25519": "Ed25519", "CURVEED448": "Ed448"}


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).replace(microsecond=0)


def tag_query(tags: Iterable[str]) -> str:
    """The UID form that selects objects by tags: a JSON array string (``["a","b"]``)."""
    return json.dumps(list(tags), separators=(",", ":"))


def _names(name: str | Sequence[str] | None) -> list[Name] | None:
    if not name:
        return None
    values = [name] if isinstance(name, str) else list(name)
    return [Name(name_value=v) for v in values]


def create_symmetric_key_request(
    algorithm: CryptographicAlgorithm | str = CryptographicAlgorithm.AES,
    length: int = 256,
    tags: Sequence[str] = (),
    *,
    name: str | Sequence[str] | None = None,
    unique_id: str | None = None,
    activate: bool = True,
    usage_mask: int = SYMMETRIC_DEFAULT_MASK,
    sensitive: bool = False,
    now: datetime | None = None,
) -> o.Create:
    """``ckms sym keys create``: Active (ActivationDate=now) unless ``activate`` is False."""
    attrs = Attributes(
        activation_date=_now(now) if activate else None,
        cryptographic_algorithm=CryptographicAlgorithm.from_wire(algorithm),
        cryptographic_length=length,
        cryptographic_usage_mask=usage_mask,
        key_format_type=KeyFormatType.TransparentSymmetricKey,
        name=_names(name),
        object_type=ObjectType.SymmetricKey,
        sensitive=True if sensitive else None,
        unique_identifier=unique_id,
    )
    attrs.set_tags(list(tags))
    return o.Create(object_type=ObjectType.SymmetricKey, attributes=attrs)


def _pair_family(algorithm: str, curve: str | None) -> tuple[CryptographicAlgorithm, str | None]:
    """Normalized (algorithm, curve) as ckms sends them."""
    alg = algorithm.upper() if algorithm.upper() in ("RSA", "EC", "ECDH", "ECDSA") else algorithm
    if alg == "RSA":
        return CryptographicAlgorithm.RSA, None
    if alg in ("Ed25519", "Ed448"):
        return CryptographicAlgorithm.from_wire(alg), f"CURVEED{alg[2:]}"
    if alg in ("EC", "ECDH", "ECDSA"):
        c = (curve or "P256").upper()
        if c in _EDWARDS:  # ckms turns an Edwards curve into the EdDSA algorithm
            return CryptographicAlgorithm.from_wire(_EDWARDS[c]), c
        if c not in _EC_CURVES:
            raise ValueError(f"unsupported curve {curve!r} (use P256, P384, P521, ...)")
        return CryptographicAlgorithm.ECDH if alg == "EC" else CryptographicAlgorithm(alg), c
    raise ValueError(f"unsupported key-pair algorithm {algorithm!r} (RSA, EC, ECDSA, Ed25519, Ed448)")


def create_key_pair_request(
    algorithm: str,
    size: int | None = None,
    curve: str | None = None,
    tags: Sequence[str] = (),
    *,
    name: str | Sequence[str] | None = None,
    private_key_id: str | None = None,
    activate: bool = True,
    fips: bool = True,
    sensitive: bool = False,
    now: datetime | None = None,
) -> o.CreateKeyPair:
    """``ckms rsa|ec keys create``: Common + Private + Public attributes.

    ``fips=True`` uses the largest usage masks a FIPS server accepts (private and public masks
    within the limits of reference §3.2); ``fips=False`` sends Unrestricted as a non-FIPS ckms.
    Tags and names go in CommonAttributes (the server applies them to both keys).
    """
    alg, crv = _pair_family(algorithm, curve)
    if alg == CryptographicAlgorithm.RSA:
        if not size:
            raise ValueError("an RSA key pair needs a size in bits (e.g. 2048, 3072, 4096)")
        family = "RSA"
    else:
        family = "ECDSA" if alg in ("ECDSA", "Ed25519", "Ed448") else "EC"
    priv_mask, pub_mask = fips_mask_limit(family) if fips else (UNRESTRICTED, UNRESTRICTED)
    common_mask = priv_mask | pub_mask if fips else UNRESTRICTED
    activation = _now(now) if activate else None
    params = CryptographicDomainParameters(qlength=256, recommended_curve=RecommendedCurve(crv)) if crv else None
    rsa = alg == CryptographicAlgorithm.RSA
    # ckms quirk kept: RSA public-key attributes also say TransparentRSAPrivateKey / PrivateKey.
    priv_fmt = KeyFormatType.TransparentRSAPrivateKey if rsa else KeyFormatType.ECPrivateKey
    pub_fmt = KeyFormatType.TransparentRSAPrivateKey if rsa else KeyFormatType.TransparentECPublicKey
    pub_type = ObjectType.PrivateKey if rsa else ObjectType.PublicKey

    def attrs(mask: int, fmt: KeyFormatType | None, otype: ObjectType) -> Attributes:
        return Attributes(
            activation_date=activation,
            cryptographic_algorithm=alg,
            cryptographic_domain_parameters=params,
            cryptographic_length=size if rsa else None,
            cryptographic_usage_mask=mask,
            key_format_type=fmt,
            object_type=otype,
            sensitive=True if sensitive else None,
        )

    common = attrs(common_mask, priv_fmt if rsa else None, ObjectType.PrivateKey)
    common.name = _names(name)
    common.set_tags(list(tags))
    private = attrs(priv_mask, priv_fmt, ObjectType.PrivateKey)
    private.unique_identifier = private_key_id
    return o.CreateKeyPair(
        common_attributes=common,
        private_key_attributes=private,
        public_key_attributes=attrs(pub_mask, pub_fmt, pub_type),
    )


def import_symmetric_key_request(
    key: bytes,
    unique_id: str = "",
    tags: Sequence[str] = (),
    *,
    algorithm: CryptographicAlgorithm | str = CryptographicAlgorithm.AES,
    usage_mask: int = SYMMETRIC_DEFAULT_MASK,
    replace_existing: bool = False,
    activate: bool = True,
    now: datetime | None = None,
) -> o.Import:
    """Import raw key bytes as a TransparentSymmetricKey (``""`` id → server picks a UUID)."""
    alg = CryptographicAlgorithm.from_wire(algorithm)
    attrs = Attributes(
        activation_date=_now(now) if activate else None,
        cryptographic_algorithm=alg,
        cryptographic_length=len(key) * 8,
        cryptographic_usage_mask=usage_mask,
        key_format_type=KeyFormatType.TransparentSymmetricKey,
        object_type=ObjectType.SymmetricKey,
    )
    attrs.set_tags(list(tags))
    block = KeyBlock(
        key_format_type=KeyFormatType.TransparentSymmetricKey,
        key_value=KeyValue(key_material=TransparentSymmetricKey(key=key)),
        cryptographic_algorithm=alg,
        cryptographic_length=len(key) * 8,
    )
    return o.Import(
        unique_identifier=unique_id,
        object_type=ObjectType.SymmetricKey,
        replace_existing=replace_existing,
        attributes=attrs,
        object=SymmetricKey(key_block=block),
    )


class LocateFilters(BaseModel):
    """The filters Cosmian's Locate applies (others are ignored by the server)."""

    tags: list[str] = []
    object_type: ObjectType | None = None
    cryptographic_algorithm: CryptographicAlgorithm | None = None
    cryptographic_length: int | None = None
    key_format_type: KeyFormatType | None = None
    state: State | None = None
    name: str | None = None
    unique_identifier: str | None = None
    object_group: str | None = None
    links: dict[LinkType, str] = {}
    max_items: int | None = None
    offset_items: int | None = None


def locate_request(filters: LocateFilters | None = None, **kwargs: object) -> o.Locate:
    """Locate with ``filters`` (or the same as keyword arguments); no filter = everything."""
    f = filters or LocateFilters.model_validate(kwargs)
    attrs = Attributes(
        cryptographic_algorithm=f.cryptographic_algorithm,
        cryptographic_length=f.cryptographic_length,
        key_format_type=f.key_format_type,
        link=[Link(link_type=t, linked_object_identifier=uid) for t, uid in f.links.items()] or None,
        name=_names(f.name),
        object_group=f.object_group,
        object_type=f.object_type,
        state=f.state,
        unique_identifier=f.unique_identifier,
    )
    attrs.set_tags(f.tags)
    return o.Locate(maximum_items=f.max_items, offset_items=f.offset_items, attributes=attrs)


def get_request(
    uid: str, key_format: KeyFormatType | str | None = None, wrap_type: KeyWrapType | str | None = None
) -> o.Get:
    """Get an object (server default format when ``key_format`` is None)."""
    return o.Get(
        unique_identifier=uid,
        key_format_type=KeyFormatType.from_wire(key_format) if key_format else None,
        key_wrap_type=KeyWrapType.from_wire(wrap_type) if wrap_type else None,
    )


def export_request(
    uid: str, key_format: KeyFormatType | str | None = None, wrap_type: KeyWrapType | str | None = None
) -> o.Export:
    """Export an object with its attributes (allowed on Deactivated/Compromised objects)."""
    g = get_request(uid, key_format, wrap_type)
    return o.Export(**g.model_dump(exclude_none=True))


def get_attributes_request(uid: str, refs: Sequence[str] = (), include_tags: bool = False) -> a.GetAttributes:
    """GetAttributes; no ``refs`` = every standard attribute (tags only with ``include_tags``)."""
    references: list[str | VendorAttributeReference] = list(refs)
    if include_tags and "Tag" not in references:
        references.append("Tag")
    return a.GetAttributes(unique_identifier=uid, attribute_reference=references or None)


def get_attribute_list_request(uid: str) -> a.GetAttributeList:
    """GetAttributeList: the names of the attributes an object has."""
    return a.GetAttributeList(unique_identifier=uid)


def set_attribute_request(uid: str, attribute: Attributes) -> a.SetAttribute:
    """SetAttribute with ``attribute`` holding the one attribute to set."""
    return a.SetAttribute(unique_identifier=uid, new_attribute=attribute)


def activate_request(uid: str) -> a.Activate:
    """Activate a PreActive object."""
    return a.Activate(unique_identifier=uid)


def revoke_request(
    uid: str,
    reason: RevocationReasonCode | str = RevocationReasonCode.Unspecified,
    message: str | None = None,
    *,
    cascade: bool = True,
    compromise_date: datetime | None = None,
) -> a.Revoke:
    """``ckms … revoke``: reason code + free-text message, Cascade=true like the CLI."""
    return a.Revoke(
        unique_identifier=uid,
        revocation_reason=RevocationReason(
            revocation_reason_code=RevocationReasonCode.from_wire(reason), revocation_message=message
        ),
        compromise_occurrence_date=compromise_date,
        cascade=True if cascade else None,
    )


def destroy_request(uid: str, *, remove: bool = False, cascade: bool = True) -> a.Destroy:
    """``ckms … destroy`` (Cascade=true like the CLI); ``remove`` deletes the row for good."""
    return a.Destroy(unique_identifier=uid, remove=True if remove else None, cascade=True if cascade else None)


def certify_request(
    public_key_id: str | None,
    subject: CertificateAttributes | None = None,
    *,
    issuer_certificate_id: str | None = None,
    issuer_private_key_id: str | None = None,
    days: int | None = 365,
    tags: Sequence[str] = (),
    certificate_id: str | None = None,
    now: datetime | None = None,
) -> o.Certify:
    """Certify a public key (self-signed without issuer ids), as ckms ``certificates certify``."""
    attrs = Attributes(
        activation_date=_now(now),
        certificate_attributes=subject or CertificateAttributes(),
        object_type=ObjectType.Certificate,
        unique_identifier=certificate_id,
    )
    if issuer_certificate_id:
        attrs.set_link(LinkType.CertificateLink, issuer_certificate_id)
    if issuer_private_key_id:
        attrs.set_link(LinkType.PrivateKeyLink, issuer_private_key_id)
    if days is not None:
        attrs.set_vendor_attribute(COSMIAN, "requested_validity_days", days)
    attrs.set_tags(list(tags))
    return o.Certify(unique_identifier=public_key_id, attributes=attrs)


def query_request(*functions: QueryFunction | str) -> o.Query:
    """Query the server's capabilities (default: operations and objects)."""
    fs = [QueryFunction.from_wire(f) for f in functions] or [
        QueryFunction.QueryOperations,
        QueryFunction.QueryObjects,
    ]
    return o.Query(query_function=fs)


def discover_versions_request() -> o.DiscoverVersions:
    """DiscoverVersions with no preference (the server lists what it speaks)."""
    return o.DiscoverVersions()
