"""The secret data and opaque object requests are the ones ckms 5.26 sends
(``crate/kmip/src/kmip_2_1/requests/create.rs``: ``secret_data_create_request``,
``create_secret_data_kmip_object``; ``requests/import.rs``: ``import_object_request``;
``clap/src/actions/opaque_object/create.rs``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kms_tui.client.secrets import SecretValue, random_password, value_of
from kms_tui.kmip.models import secret_requests as build
from kms_tui.kmip.ttlv import TTLV

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
MASK = 0x200 | 0x800 | 0x100000  # DeriveKey | KeyAgreement | Authenticate


def test_create_without_a_value_is_cosmians_create_of_a_seed():
    node = build.secret_data_create_request(["db"], now=NOW).to_ttlv()
    assert node.tag == "Create" and node.get_value("ObjectType") == "SecretData"
    attrs = node.get("Attributes")
    assert attrs.get_value("CryptographicUsageMask") == MASK == 1051136
    assert attrs.get_value("KeyFormatType") == "Raw" and attrs.get_value("ActivationDate") == NOW
    assert attrs.get_value("Sensitive") is None and attrs.get("CryptographicAlgorithm") is None


def test_a_value_is_imported_with_its_attributes_embedded():
    node = build.secret_data_import_request(b"hunter2", "Password", ["db"], now=NOW).to_ttlv()
    assert node.tag == "Import" and node.get_value("UniqueIdentifier") == ""
    assert node.get_value("ReplaceExisting") is False
    secret = node.get("SecretData")
    assert secret.get_value("SecretDataType") == "Password"
    block = secret.get("KeyBlock")
    assert block.get_value("KeyFormatType") == "Raw"
    assert block.get("KeyValue").get_value("KeyMaterial") == b"hunter2"
    embedded = block.get("KeyValue").get("Attributes")
    assert embedded.get_value("CryptographicUsageMask") == MASK and embedded.get("ActivationDate") is None
    assert node.get("Attributes").get_value("ActivationDate") == NOW  # the Import's own date
    assert value_of(TTLV.struct("GetResponse", [TTLV.enum("ObjectType", "SecretData"), secret])) == (
        "SecretData",
        "Password",
        b"hunter2",
    )


def test_an_opaque_object_is_vendor_typed_unless_asked():
    node = build.opaque_object_import_request(b"\x00\x01", ["blob"], now=NOW).to_ttlv()
    obj = node.get("OpaqueObject")
    assert obj.get_value("OpaqueDataType") == "Vendor" and obj.get_value("OpaqueDataValue") == b"\x00\x01"
    assert node.get("Attributes").get("ObjectType") is None  # ckms sends only the date and the tags
    unknown = build.opaque_object_import_request(b"x", opaque_type="Unknown").to_ttlv()
    assert unknown.get("OpaqueObject").get_value("OpaqueDataType") == "Unknown"
    with pytest.raises(ValueError):
        build.opaque_object_import_request(b"x", opaque_type="Other")


def test_a_value_never_shows_in_a_repr():
    value = SecretValue(b"hunter2")
    assert "hunter2" not in repr(value) and "hunter2" not in str(value) and "7 bytes" in repr(value)
    assert "hunter2" not in repr([value]) and len(random_password(30)) == 30
