"""Requests for secret data and opaque objects, as ckms 5.26 builds them.

* ``ckms secret-data create`` without a value sends a Create (``secret_data_create_request`` in
  ``crate/kmip/src/kmip_2_1/requests/create.rs``): the server makes a random 32-byte Seed.
* with a value it Imports a SecretData built by ``create_secret_data_kmip_object`` (same file):
  KeyFormatType Raw, the bytes as KeyMaterial, the attributes embedded in the KeyValue and
  copied into the Import (``import_object_request`` in ``requests/import.rs``: ActivationDate now).
* ``ckms opaque-object create`` Imports an ``OpaqueObject`` (``opaque_object/create.rs``:
  OpaqueDataType Vendor unless ``--type unknown``); its Import attributes hold only the
  activation date and the tags.

Usage mask of secret data: DeriveKey | KeyAgreement | Authenticate, as ckms.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from kms_tui.kmip.enums import CryptographicUsageMask, KeyFormatType, ObjectType, SecretDataType
from kms_tui.kmip.models import operations as o
from kms_tui.kmip.models.attributes import COSMIAN, Attributes, Name
from kms_tui.kmip.models.objects import KeyBlock, KeyValue, OpaqueObject, SecretData
from kms_tui.kmip.ttlv import TTLV

_U = CryptographicUsageMask
SECRET_DATA_MASK = int(_U.DeriveKey | _U.KeyAgreement | _U.Authenticate)
# OpaqueDataType (crate/kmip/src/kmip_2_1/kmip_types.rs): Unknown 0x80000001, Vendor 0x80123456.
OPAQUE_DATA_TYPES = ("Vendor", "Unknown")
SECRET_DATA_TYPES = tuple(t.value for t in SecretDataType)  # Password, Seed
WRAPPING_KEY_ID = "wrapping_key_id"  # Attributes::set_wrapping_key_id's vendor attribute


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).replace(microsecond=0)


def _names(name: str | None) -> list[Name] | None:
    return [Name(name_value=name)] if name else None


def _secret_data_attributes(
    tags: Sequence[str], unique_id: str | None, name: str | None, activate: bool, now: datetime | None
) -> Attributes:
    """What ckms puts on secret data: Raw, DeriveKey|KeyAgreement|Authenticate, the tags."""
    attrs = Attributes(
        activation_date=_now(now) if activate else None,
        cryptographic_usage_mask=SECRET_DATA_MASK,
        key_format_type=KeyFormatType.Raw,
        name=_names(name),
        object_type=ObjectType.SecretData,
        unique_identifier=unique_id,
    )
    return attrs.set_tags(list(tags))


def secret_data_create_request(
    tags: Sequence[str] = (),
    *,
    unique_id: str | None = None,
    name: str | None = None,
    sensitive: bool = False,
    wrapping_key_id: str | None = None,
    activate: bool = True,
    now: datetime | None = None,
) -> o.Create:
    """Create a SecretData: the server generates a random 32-byte Seed (Cosmian 5.26); with
    ``wrapping_key_id`` it stores it wrapped by that key (``set_wrapping_key_id``: the
    ``cosmian``/``wrapping_key_id`` vendor attribute)."""
    attrs = _secret_data_attributes(tags, unique_id, name, activate, now)
    attrs.sensitive = True if sensitive else None
    if wrapping_key_id:
        attrs.set_vendor_attribute(COSMIAN, WRAPPING_KEY_ID, wrapping_key_id)
    return o.Create(object_type=ObjectType.SecretData, attributes=attrs)


def secret_data_import_request(
    value: bytes,
    data_type: str = "Password",
    tags: Sequence[str] = (),
    *,
    unique_id: str = "",
    name: str | None = None,
    sensitive: bool = False,
    activate: bool = True,
    now: datetime | None = None,
) -> o.Import:
    """Import ``value`` as a SecretData of ``data_type`` (Password or Seed), as ckms does with
    ``--value`` (the value travels in the request only: never log the request)."""
    kind = SecretDataType.from_wire(data_type)
    attrs = _secret_data_attributes(tags, unique_id or None, name, activate, now)
    attrs.sensitive = True if sensitive else None
    embedded = attrs.model_copy(deep=True)
    embedded.activation_date = None  # create_secret_data_kmip_object: no date; the Import adds it
    block = KeyBlock(key_format_type=KeyFormatType.Raw, key_value=KeyValue(key_material=value, attributes=embedded))
    return o.Import(
        unique_identifier=unique_id,
        object_type=ObjectType.SecretData,
        replace_existing=False,
        attributes=attrs,
        object=SecretData(secret_data_type=kind, key_block=block),
    )


def opaque_object_import_request(
    value: bytes,
    tags: Sequence[str] = (),
    *,
    opaque_type: str = "Vendor",
    unique_id: str = "",
    name: str | None = None,
    activate: bool = True,
    now: datetime | None = None,
) -> o.Import:
    """Import ``value`` as an OpaqueObject (``ckms opaque-object create --file``)."""
    if opaque_type not in OPAQUE_DATA_TYPES:
        raise ValueError(f"unknown opaque data type {opaque_type!r} (one of: {', '.join(OPAQUE_DATA_TYPES)})")
    attrs = Attributes(activation_date=_now(now) if activate else None, name=_names(name))
    attrs.set_tags(list(tags))
    obj = OpaqueObject(opaque_data_type=TTLV.enum("OpaqueDataType", opaque_type), opaque_data_value=value)
    return o.Import(
        unique_identifier=unique_id,
        object_type=ObjectType.OpaqueObject,
        replace_existing=False,
        attributes=attrs,
        object=obj,
    )
