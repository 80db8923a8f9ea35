"""Request and response payloads that create, find and fetch objects.

Field order = Cosmian's declaration order (``kmip_2_1/kmip_operations.rs``), which is the output
order. ``UniqueIdentifier`` may be a TextString (a uid, or a JSON array of tags), a placeholder
enumeration or an Integer index.
"""

from __future__ import annotations

from typing import Annotated

from kms_tui.kmip.enums import (
    CertificateRequestType,
    KeyCompressionType,
    KeyFormatType,
    KeyWrapType,
    ObjectGroupMember,
    ObjectType,
    Operation,
    QueryFunction,
)
from kms_tui.kmip.models.attributes import Attributes, UniqueIdentifierValue
from kms_tui.kmip.models.base import TTLVModel, W
from kms_tui.kmip.models.objects import ManagedObject, ObjectHolder
from kms_tui.kmip.ttlv import TTLV

__all__ = [
    "Create",
    "CreateResponse",
    "CreateKeyPair",
    "CreateKeyPairResponse",
    "Register",
    "RegisterResponse",
    "Import",
    "ImportResponse",
    "Locate",
    "LocateResponse",
    "Get",
    "GetResponse",
    "Export",
    "ExportResponse",
    "Certify",
    "CertifyResponse",
    "ProtocolVersion",
    "Query",
    "QueryResponse",
    "DiscoverVersions",
    "DiscoverVersionsResponse",
]


class Create(TTLVModel):
    TAG = "Create"
    object_type: ObjectType
    attributes: Attributes
    protection_storage_masks: int | None = None


class CreateResponse(TTLVModel):
    TAG = "CreateResponse"
    object_type: ObjectType
    unique_identifier: UniqueIdentifierValue


class CreateKeyPair(TTLVModel):
    TAG = "CreateKeyPair"
    common_attributes: Attributes | None = None
    private_key_attributes: Attributes | None = None
    public_key_attributes: Attributes | None = None
    common_protection_storage_masks: int | None = None
    private_protection_storage_masks: int | None = None
    public_protection_storage_masks: int | None = None


class CreateKeyPairResponse(TTLVModel):
    TAG = "CreateKeyPairResponse"
    private_key_unique_identifier: UniqueIdentifierValue
    public_key_unique_identifier: UniqueIdentifierValue


class Register(ObjectHolder):
    TAG = "Register"
    object_type: ObjectType
    attributes: Attributes
    object: ManagedObject
    protection_storage_masks: int | None = None


class RegisterResponse(TTLVModel):
    TAG = "RegisterResponse"
    unique_identifier: UniqueIdentifierValue


class Import(ObjectHolder):
    TAG = "Import"
    unique_identifier: UniqueIdentifierValue
    object_type: ObjectType
    replace_existing: bool | None = None
    key_wrap_type: KeyWrapType | None = None
    attributes: Attributes
    object: ManagedObject


class ImportResponse(TTLVModel):
    TAG = "ImportResponse"
    unique_identifier: UniqueIdentifierValue


class Locate(TTLVModel):
    TAG = "Locate"
    maximum_items: int | None = None
    offset_items: int | None = None
    storage_status_mask: int | None = None
    object_group_member: ObjectGroupMember | None = None
    attributes: Attributes


class LocateResponse(TTLVModel):
    TAG = "LocateResponse"
    located_items: int | None = None
    unique_identifier: list[UniqueIdentifierValue] | None = None

    @property
    def ids(self) -> list[str]:
        """The located ids as strings."""
        return [str(u) for u in self.unique_identifier or ()]


class Get(TTLVModel):
    TAG = "Get"
    unique_identifier: UniqueIdentifierValue | None = None
    key_format_type: KeyFormatType | None = None
    key_wrap_type: KeyWrapType | None = None
    key_compression_type: KeyCompressionType | None = None
    key_wrapping_specification: TTLV | None = None


class GetResponse(ObjectHolder):
    TAG = "GetResponse"
    object_type: ObjectType
    unique_identifier: UniqueIdentifierValue
    object: ManagedObject


class Export(Get):
    TAG = "Export"


class ExportResponse(ObjectHolder):
    TAG = "ExportResponse"
    object_type: ObjectType
    unique_identifier: UniqueIdentifierValue
    attributes: Attributes
    object: ManagedObject


class Certify(TTLVModel):
    TAG = "Certify"
    unique_identifier: UniqueIdentifierValue | None = None
    certificate_request_type: CertificateRequestType | None = None
    certificate_request_value: bytes | None = None
    attributes: Attributes | None = None
    protection_storage_masks: int | None = None


class CertifyResponse(TTLVModel):
    TAG = "CertifyResponse"
    unique_identifier: UniqueIdentifierValue


class ProtocolVersion(TTLVModel):
    TAG = "ProtocolVersion"
    protocol_version_major: int = 2
    protocol_version_minor: int = 1


class Query(TTLVModel):
    TAG = "Query"
    query_function: list[QueryFunction] | None = None


class QueryResponse(TTLVModel):
    TAG = "QueryResponse"
    operation: list[Operation] | None = None
    object_type: list[ObjectType] | None = None
    vendor_identification: str | None = None
    server_information: TTLV | None = None
    application_namespace: list[str] | None = None
    extension_information: list[TTLV] | None = None
    attestation_type: list[TTLV] | None = None
    rng_parameters: Annotated[list[TTLV] | None, W(tag="RNGParameters")] = None
    profile_information: list[TTLV] | None = None
    validation_information: list[TTLV] | None = None
    capability_information: list[TTLV] | None = None
    client_registration_method: list[TTLV] | None = None
    defaults_information: TTLV | None = None
    protection_storage_masks: list[int] | None = None


class DiscoverVersions(TTLVModel):
    TAG = "DiscoverVersions"
    protocol_version: list[ProtocolVersion] | None = None


class DiscoverVersionsResponse(TTLVModel):
    TAG = "DiscoverVersionsResponse"
    protocol_version: list[ProtocolVersion] | None = None
