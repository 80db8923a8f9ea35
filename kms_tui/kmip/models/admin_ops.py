"""Request and response payloads that read or change attributes and the lifecycle state."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from kms_tui.kmip.enums import ObjectType
from kms_tui.kmip.models.attributes import (
    Attributes,
    RevocationReason,
    UniqueIdentifierValue,
    VendorAttributeReference,
)
from kms_tui.kmip.models.base import TTLVModel, W

__all__ = [
    "AttributeReference",
    "GetAttributes",
    "GetAttributesResponse",
    "GetAttributeList",
    "GetAttributeListResponse",
    "SetAttribute",
    "SetAttributeResponse",
    "AddAttribute",
    "AddAttributeResponse",
    "DeleteAttribute",
    "DeleteAttributeResponse",
    "ModifyAttribute",
    "ModifyAttributeResponse",
    "Activate",
    "ActivateResponse",
    "Revoke",
    "RevokeResponse",
    "Destroy",
    "DestroyResponse",
]

# An attribute reference: the attribute's tag name as an Enumeration (e.g. "Tag", "State"),
# or a vendor attribute {VendorIdentification, AttributeName}.
AttributeReference = Annotated[str | VendorAttributeReference, W(type="Enumeration")]
_AttrRef = AttributeReference


class _UidResponse(TTLVModel):
    unique_identifier: UniqueIdentifierValue


class GetAttributes(TTLVModel):
    TAG = "GetAttributes"
    unique_identifier: UniqueIdentifierValue | None = None
    attribute_reference: list[_AttrRef] | None = None


class GetAttributesResponse(TTLVModel):
    TAG = "GetAttributesResponse"
    unique_identifier: UniqueIdentifierValue
    attributes: Attributes


class GetAttributeList(TTLVModel):
    TAG = "GetAttributeList"
    unique_identifier: UniqueIdentifierValue | None = None


class GetAttributeListResponse(TTLVModel):
    TAG = "GetAttributeListResponse"
    unique_identifier: UniqueIdentifierValue
    attribute_reference: list[_AttrRef] | None = None


class SetAttribute(TTLVModel):
    """``NewAttribute`` holds one attribute node: an Attributes with a single field set."""

    TAG = "SetAttribute"
    unique_identifier: UniqueIdentifierValue | None = None
    new_attribute: Attributes


class SetAttributeResponse(_UidResponse):
    TAG = "SetAttributeResponse"


class AddAttribute(TTLVModel):
    TAG = "AddAttribute"
    unique_identifier: UniqueIdentifierValue
    new_attribute: Attributes


class AddAttributeResponse(_UidResponse):
    TAG = "AddAttributeResponse"


class DeleteAttribute(TTLVModel):
    TAG = "DeleteAttribute"
    unique_identifier: UniqueIdentifierValue | None = None
    current_attribute: Attributes | None = None
    attribute_references: list[_AttrRef] | None = None  # tag AttributeReferences (Cosmian)


class DeleteAttributeResponse(_UidResponse):
    TAG = "DeleteAttributeResponse"


class ModifyAttribute(TTLVModel):
    TAG = "ModifyAttribute"
    unique_identifier: UniqueIdentifierValue | None = None
    current_attribute: Attributes | None = None
    new_attribute: Attributes


class ModifyAttributeResponse(_UidResponse):
    TAG = "ModifyAttributeResponse"


class Activate(TTLVModel):
    TAG = "Activate"
    unique_identifier: UniqueIdentifierValue


class ActivateResponse(_UidResponse):
    TAG = "ActivateResponse"


class Revoke(TTLVModel):
    TAG = "Revoke"
    unique_identifier: UniqueIdentifierValue | None = None
    revocation_reason: RevocationReason
    compromise_occurrence_date: datetime | None = None
    cascade: bool | None = None  # Cosmian extension; the CLI sends true


class RevokeResponse(_UidResponse):
    TAG = "RevokeResponse"


class Destroy(TTLVModel):
    TAG = "Destroy"
    unique_identifier: UniqueIdentifierValue | None = None
    remove: bool | None = None  # Cosmian: hard delete
    cascade: bool | None = None  # Cosmian: also the linked key of a pair
    expected_object_type: ObjectType | None = None


class DestroyResponse(_UidResponse):
    TAG = "DestroyResponse"
