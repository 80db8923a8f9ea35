"""Attribute edits the way ckms sends them (``crate/clients/clap/src/actions/attributes/`` in
Cosmian's client, 5.26): one attribute per request.

* ``ckms attributes set`` sends one ``SetAttribute`` per attribute, ``NewAttribute`` holding that
  one attribute node (a Name is an ``UninterpretedTextString``; a link ``Link{LinkType,
  LinkedObjectIdentifier}``; a vendor attribute ``Attribute{VendorIdentification, AttributeName,
  AttributeValue}``).
* ``ckms attributes delete`` sends one ``DeleteAttribute`` per attribute with ``CurrentAttribute``
  holding it (the server removes a name, a date or a vendor attribute whose value matches, a link
  by its type, a vendor attribute by vendor and name), or one with ``AttributeReferences``.
* ``ckms attributes modify`` sends ``ModifyAttribute`` (``NewAttribute`` only).

The builders return typed payload models; ``.to_ttlv()`` gives the wire form.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from kms_tui.kmip.enums import LinkType
from kms_tui.kmip.models import admin_ops as a
from kms_tui.kmip.models.attributes import (
    COSMIAN,
    TAG_ATTRIBUTE,
    Attributes,
    Link,
    Name,
    VendorAttribute,
    VendorAttributeReference,
)

__all__ = [
    "name_attribute",
    "activation_date_attribute",
    "deactivation_date_attribute",
    "link_attribute",
    "vendor_attribute",
    "tags_attribute",
    "set_attribute",
    "add_attribute",
    "modify_attribute",
    "delete_attribute",
    "delete_attribute_references",
    "LINK_TYPES",
]

LINK_TYPES = tuple(t.name for t in LinkType)


def _whole_seconds(when: datetime) -> datetime:
    """UTC, whole seconds: what a KMIP DateTime carries (ckms takes a Unix timestamp)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).replace(microsecond=0)


def name_attribute(name: str) -> Attributes:
    """``Name{NameValue, NameType=UninterpretedTextString}`` (ckms ``--name``)."""
    return Attributes(name=[Name(name_value=name)])


def activation_date_attribute(when: datetime) -> Attributes:
    return Attributes(activation_date=_whole_seconds(when))


def deactivation_date_attribute(when: datetime) -> Attributes:
    return Attributes(deactivation_date=_whole_seconds(when))


def link_attribute(link_type: LinkType | str, target: str) -> Attributes:
    """``Link{LinkType, LinkedObjectIdentifier}`` (ckms ``--public-key-id`` and friends)."""
    return Attributes(link=[Link(link_type=LinkType.from_wire(link_type), linked_object_identifier=target)])


def vendor_attribute(vendor: str, name: str, value: Any) -> Attributes:
    """One vendor ``Attribute``; ``value`` bytes is a ByteString (ckms ``--attribute-value`` hex),
    a str a TextString, an int an Integer."""
    return Attributes(vendor_attributes=[VendorAttribute.of(vendor, name, value)])


def tags_attribute(tags: Iterable[str], vendor: str = COSMIAN) -> Attributes:
    """The ``(vendor, "tag")`` vendor attribute: a TextString holding a JSON array of tags, as
    ckms sends tags on Create (an empty list is ``"[]"``)."""
    import json

    return Attributes(
        vendor_attributes=[
            VendorAttribute.of(vendor, TAG_ATTRIBUTE, json.dumps(sorted(set(tags)), separators=(",", ":")))
        ]
    )


def set_attribute(uid: str, attribute: Attributes) -> a.SetAttribute:
    return a.SetAttribute(unique_identifier=uid, new_attribute=attribute)


def add_attribute(uid: str, attribute: Attributes) -> a.AddAttribute:
    return a.AddAttribute(unique_identifier=uid, new_attribute=attribute)


def modify_attribute(uid: str, attribute: Attributes) -> a.ModifyAttribute:
    return a.ModifyAttribute(unique_identifier=uid, new_attribute=attribute)


def delete_attribute(uid: str, current: Attributes) -> a.DeleteAttribute:
    """DeleteAttribute naming the attribute by its current value (``CurrentAttribute``)."""
    return a.DeleteAttribute(unique_identifier=uid, current_attribute=current)


def delete_attribute_references(uid: str, references: Sequence[str | tuple[str, str]]) -> a.DeleteAttribute:
    """DeleteAttribute by ``AttributeReferences``: standard tags (``"DeactivationDate"``) or
    ``(vendor, name)`` pairs (ckms ``delete --attribute TAG``)."""
    refs: list[str | VendorAttributeReference] = [
        r if isinstance(r, str) else VendorAttributeReference(vendor_identification=r[0], attribute_name=r[1])
        for r in references
    ]
    return a.DeleteAttribute(unique_identifier=uid, attribute_references=refs)
