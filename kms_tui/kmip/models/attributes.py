"""The flat KMIP 2.1 ``Attributes`` structure and its sub-structures, as Cosmian 5.x emits them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from kms_tui.kmip.enums import (
    CertificateType,
    CryptographicAlgorithm,
    HashingAlgorithm,
    KeyFormatType,
    LinkType,
    NameType,
    ObjectGroupMember,
    ObjectType,
    RecommendedCurve,
    RevocationReasonCode,
    RNGAlgorithm,
    State,
    UniqueIdentifierEnum,
)
from kms_tui.kmip.models.base import TTLVModel, W, codec_error
from kms_tui.kmip.ttlv import TTLV

__all__ = [
    "COSMIAN",
    "TAG_ATTRIBUTE",
    "Link",
    "Name",
    "CryptographicDomainParameters",
    "Digest",
    "RevocationReason",
    "RNGParameters",
    "CertificateAttributes",
    "VendorAttribute",
    "VendorAttributeReference",
    "Attributes",
    "Long",
    "UniqueIdentifierValue",
]

COSMIAN = "cosmian"  # Cosmian's default --vendor-identification
TAG_ATTRIBUTE = "tag"  # vendor attribute name holding the JSON array of tags

Long = Annotated[int, W(type="LongInteger")]
Interval = Annotated[int, W(type="Interval")]
# An id: a TextString, a placeholder enumeration, or an index (Integer).
UniqueIdentifierValue = str | UniqueIdentifierEnum | int


class Link(TTLVModel):
    link_type: LinkType
    linked_object_identifier: Annotated[str | UniqueIdentifierEnum | int, W(type="LongInteger")]


class Name(TTLVModel):
    name_value: str
    name_type: NameType = NameType.UninterpretedTextString


class CryptographicDomainParameters(TTLVModel):
    qlength: int | None = None
    recommended_curve: RecommendedCurve | None = None


class Digest(TTLVModel):
    hashing_algorithm: HashingAlgorithm
    digest_value: bytes | None = None
    key_format_type: KeyFormatType | None = None


class RevocationReason(TTLVModel):
    revocation_reason_code: RevocationReasonCode
    revocation_message: str | None = None


class RNGParameters(TTLVModel):
    """``RandomNumberGenerator``: Cosmian always reports ANSI_X931 / AES / 256."""

    rng_algorithm: Annotated[RNGAlgorithm, W(tag="RNGAlgorithm")]
    cryptographic_algorithm: CryptographicAlgorithm | None = None
    cryptographic_length: int | None = None
    hashing_algorithm: HashingAlgorithm | None = None
    drbg_algorithm: Annotated[TTLV | None, W(tag="DRBGAlgorithm")] = None
    recommended_curve: RecommendedCurve | None = None
    fips186_variation: Annotated[TTLV | None, W(tag="FIPS186Variation")] = None
    prediction_resistance: bool | None = None


class AlternativeName(TTLVModel):
    alternative_name_type: TTLV
    alternative_name_value: str


class ApplicationSpecificInformation(TTLVModel):
    application_namespace: str
    application_data: str | None = None


class CertificateAttributes(TTLVModel):
    """Subject and issuer name parts; Cosmian requires all 24 (use ``""`` when unset)."""

    certificate_subject_cn: str = ""
    certificate_subject_o: str = ""
    certificate_subject_ou: str = ""
    certificate_subject_email: str = ""
    certificate_subject_c: str = ""
    certificate_subject_st: str = ""
    certificate_subject_l: str = ""
    certificate_subject_uid: str = ""
    certificate_subject_serial_number: str = ""
    certificate_subject_title: str = ""
    certificate_subject_dc: str = ""
    certificate_subject_dn_qualifier: str = ""
    certificate_issuer_cn: str = ""
    certificate_issuer_o: str = ""
    certificate_issuer_ou: str = ""
    certificate_issuer_email: str = ""
    certificate_issuer_c: str = ""
    certificate_issuer_st: str = ""
    certificate_issuer_l: str = ""
    certificate_issuer_uid: str = ""
    certificate_issuer_serial_number: str = ""
    certificate_issuer_title: str = ""
    certificate_issuer_dc: str = ""
    certificate_issuer_dn_qualifier: str = ""

    @classmethod
    def _build(cls, values: dict[str, Any], path: str) -> Any:
        # No serde default on the Rust side: every part must be present.
        for f in cls._wire_fields():
            if f.name not in values:
                raise codec_error(path, f"missing field `{f.tag}`")
        return super()._build(values, path)


_VENDOR_VALUE_TYPES = frozenset(
    {
        "TextString",
        "Integer",
        "LongInteger",
        "BigInteger",
        "ByteString",
        "Boolean",
        "DateTime",
        "Interval",
        "DateTimeExtended",
    }
)


class VendorAttribute(TTLVModel):
    """A vendor ``Attribute``: (vendor, name) and one primitive typed value."""

    vendor_identification: str
    attribute_name: str
    attribute_value: TTLV

    @classmethod
    def _decode_field(cls, f: Any, child: TTLV, path: str, seen: dict[str, Any]) -> Any:
        if f.name == "attribute_value" and child.type not in _VENDOR_VALUE_TYPES:
            raise codec_error(path, f"a vendor attribute value cannot be a {child.type}")
        return super()._decode_field(f, child, path, seen)

    @classmethod
    def of(cls, vendor: str, name: str, value: Any) -> VendorAttribute:
        """Build from a Python value (str, bool, int, bytes or datetime)."""
        if isinstance(value, TTLV):
            node = value
        elif isinstance(value, bool):
            node = TTLV("AttributeValue", "Boolean", value)
        elif isinstance(value, int):
            node = TTLV("AttributeValue", "Integer", value)
        elif isinstance(value, bytes):
            node = TTLV("AttributeValue", "ByteString", value)
        elif isinstance(value, datetime):
            node = TTLV("AttributeValue", "DateTime", value)
        else:
            node = TTLV("AttributeValue", "TextString", str(value))
        return cls(vendor_identification=vendor, attribute_name=name, attribute_value=node)

    @property
    def value(self) -> Any:
        return self.attribute_value.value


class VendorAttributeReference(TTLVModel):
    """``AttributeReference`` naming a vendor attribute."""

    vendor_identification: str
    attribute_name: str


class Attributes(TTLVModel):
    """KMIP 2.1 flat Attributes; output order = Cosmian's field order (kmip_attributes.rs)."""

    TAG = "Attributes"

    activation_date: datetime | None = None
    alternative_name: AlternativeName | None = None
    always_sensitive: bool | None = None
    application_specific_information: ApplicationSpecificInformation | None = None
    archive_date: datetime | None = None
    attribute_index: int | None = None
    certificate_attributes: CertificateAttributes | None = None
    certificate_type: CertificateType | None = None
    certificate_length: int | None = None
    comment: str | None = None
    compromise_date: datetime | None = None
    compromise_occurrence_date: datetime | None = None
    contact_information: str | None = None
    critical: bool | None = None
    cryptographic_algorithm: CryptographicAlgorithm | None = None
    cryptographic_domain_parameters: CryptographicDomainParameters | None = None
    cryptographic_length: int | None = None
    cryptographic_parameters: TTLV | None = None
    cryptographic_usage_mask: int | None = None
    deactivation_date: datetime | None = None
    description: str | None = None
    destroy_date: datetime | None = None
    digest: Digest | None = None
    digital_signature_algorithm: TTLV | None = None
    extractable: bool | None = None
    fresh: bool | None = None
    initial_date: datetime | None = None
    key_format_type: KeyFormatType | None = None
    key_value_location: TTLV | None = None
    key_value_present: bool | None = None
    last_change_date: datetime | None = None
    lease_time: Interval | None = None
    link: list[Link] | None = None
    name: list[Name] | None = None
    never_extractable: bool | None = None
    nist_key_type: TTLV | None = None
    object_group: str | None = None
    object_group_member: ObjectGroupMember | None = None
    object_type: ObjectType | None = None
    opaque_data_type: TTLV | None = None
    original_creation_date: datetime | None = None
    pkcs12_friendly_name: str | None = None
    process_start_date: datetime | None = None
    protect_stop_date: datetime | None = None
    protection_level: TTLV | None = None
    protection_period: Long | None = None
    protection_storage_masks: int | None = None
    quantum_safe: bool | None = None
    random_number_generator: RNGParameters | None = None
    revocation_reason: RevocationReason | None = None
    rotate_automatic: bool | None = None
    rotate_date: datetime | None = None
    rotate_generation: int | None = None
    rotate_interval: Long | None = None
    rotate_latest: bool | None = None
    rotate_name: str | None = None
    rotate_offset: Long | None = None
    sensitive: bool | None = None
    short_unique_identifier: str | None = None
    state: State | None = None
    unique_identifier: str | None = None
    usage_limits: TTLV | None = None
    vendor_attributes: Annotated[list[VendorAttribute] | None, W(tag="Attribute")] = None
    x509_certificate_identifier: TTLV | None = None
    x509_certificate_issuer: TTLV | None = None
    x509_certificate_subject: TTLV | None = None

    # -- vendor attributes --------------------------------------------------------------------
    def vendor_attribute(self, vendor: str, name: str) -> VendorAttribute | None:
        """The vendor attribute (vendor, name), if present."""
        for va in self.vendor_attributes or ():
            if va.vendor_identification == vendor and va.attribute_name == name:
                return va
        return None

    def set_vendor_attribute(self, vendor: str, name: str, value: Any) -> Attributes:
        """Set (replace) a vendor attribute; returns self."""
        kept = [
            va
            for va in self.vendor_attributes or ()
            if not (va.vendor_identification == vendor and va.attribute_name == name)
        ]
        kept.append(VendorAttribute.of(vendor, name, value))
        self.vendor_attributes = kept
        return self

    def remove_vendor_attribute(self, vendor: str, name: str) -> Attributes:
        """Drop the vendor attribute (vendor, name) if present; returns self."""
        kept = [
            va
            for va in self.vendor_attributes or ()
            if not (va.vendor_identification == vendor and va.attribute_name == name)
        ]
        self.vendor_attributes = kept or None
        return self

    # -- tags ---------------------------------------------------------------------------------
    def get_tags(self, vendor: str = COSMIAN) -> list[str]:
        """Tags from the ``(vendor, "tag")`` vendor attribute (a JSON array in a TextString)."""
        va = self.vendor_attribute(vendor, TAG_ATTRIBUTE)
        if va is None or va.attribute_value.type != "TextString":
            return []
        try:
            tags = json.loads(va.value)
        except ValueError:
            return []
        return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []

    def set_tags(self, tags: list[str] | tuple[str, ...] | set[str], vendor: str = COSMIAN) -> Attributes:
        """Replace the tags (empty → attribute removed); returns self."""
        if not tags:
            return self.remove_vendor_attribute(vendor, TAG_ATTRIBUTE)
        text = json.dumps(list(dict.fromkeys(tags)), separators=(",", ":"))
        return self.set_vendor_attribute(vendor, TAG_ATTRIBUTE, text)

    @property
    def tags(self) -> list[str]:
        """Tags stored in the cosmian ``tag`` vendor attribute (settable)."""
        return self.get_tags()

    @tags.setter
    def tags(self, value: list[str]) -> None:
        self.set_tags(value)

    # -- links and names ----------------------------------------------------------------------
    def get_link(self, link_type: LinkType | str) -> str | UniqueIdentifierEnum | int | None:
        """Linked object id for ``link_type`` (one link per type, as Cosmian), or None."""
        for link in self.link or ():
            if link.link_type == link_type:
                return link.linked_object_identifier
        return None

    def set_link(self, link_type: LinkType | str, target: str) -> Attributes:
        """Set the link of this type (replacing an existing one); returns self."""
        lt = LinkType.from_wire(link_type)
        kept = [lk for lk in self.link or () if lk.link_type != lt]
        kept.append(Link(link_type=lt, linked_object_identifier=target))
        self.link = kept
        return self

    @property
    def names(self) -> list[str]:
        """The ``NameValue`` of every Name."""
        return [n.name_value for n in self.name or ()]
