"""The store decodes a stored object once and hands out copies: what a handler changes in the
object it read never shows in the next read, and a written change always does."""

from __future__ import annotations

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server.store import Store, StoredObject


def _key(uid: str) -> StoredObject:
    attributes = TTLV.struct(
        "Attributes", [TTLV.enum("CryptographicAlgorithm", "AES"), TTLV.integer("CryptographicLength", 256)]
    )
    block = TTLV.struct("SymmetricKey", [TTLV.struct("KeyBlock", [TTLV.enum("KeyFormatType", "Raw")])])
    return StoredObject(uid, block, attributes, "PreActive", "admin")


def test_reads_are_independent_copies_and_writes_are_seen(tmp_path):
    store = Store(tmp_path / "store.sqlite")
    try:
        store.insert([_key("k1"), _key("k2")])
        first = store.get("k1")
        first.attributes.value.append(TTLV.text("Comment", "changed in memory only"))
        first.attributes.value[1] = TTLV.integer("CryptographicLength", 128)
        again = store.get("k1")
        assert [c.tag for c in again.attributes.value] == ["CryptographicAlgorithm", "CryptographicLength"]
        assert again.attributes.get_value("CryptographicLength") == 256
        assert store.get("k2").attributes.value is not again.attributes.value  # same text, own copy

        first.state = "Active"
        store.update(first)
        written = store.get("k1")
        assert written.state == "Active" and written.attributes.get_value("CryptographicLength") == 128
        assert written.attributes.get_value("Comment") == "changed in memory only"
    finally:
        store.close()
