"""ReKey, ReKeyKeyPair and the auto-rotation scheduler against a real sandbox, as Cosmian 5.26
does them: crate/server/src/core/operations/rekey/{common.rs,symmetric/sql.rs,keypair/sql.rs},
auto_rotate.rs, and the rotation helpers of crate/kmip/src/kmip_2_1/kmip_attributes.rs
(for_replacement, retire_for_replacement, set_rotation_metadata_from, clear_rotation_flags)."""

from __future__ import annotations

import time
import uuid

from tests.server.kmip import Kmip, _wait_for, aes, find, first, s, t, uid
from tests.support.sandbox import start_sandbox


def _links(kmip: Kmip, target: str) -> dict[str, str]:
    attrs = kmip.attributes(target)
    out = {}
    for node in attrs["value"][-1]["value"]:
        if node["tag"] == "Link":
            values = {c["tag"]: c["value"] for c in node["value"]}
            out[values["LinkType"]] = values["LinkedObjectIdentifier"]
    return out


def _named(name: str) -> dict:
    return s("Name", t("NameValue", "TextString", name), t("NameType", "Enumeration", "UninterpretedTextString"))


def _long(value: str) -> int:
    """A LongInteger as JSON TTLV writes it (``0x`` + 16 hex digits)."""
    return int(value, 16)


def _rekey(kmip: Kmip, target: str, *extra: dict) -> str:
    return first(kmip.ok(s("ReKey", uid(target), *extra)), "UniqueIdentifier")


def _material(kmip: Kmip, target: str) -> str:
    return first(kmip.ok(s("Export", uid(target))), "KeyMaterial")


def test_rekey_links_old_and_new_and_retires_the_old_key(kmip):
    body = aes(tags=("payroll",), extra=(_named("payroll-key"),))
    old = first(kmip.ok(body), "UniqueIdentifier")
    new = _rekey(kmip, old)
    assert new != old
    assert _links(kmip, old) == {"ReplacementObjectLink": new}
    assert _links(kmip, new) == {"ReplacedObjectLink": old}
    assert kmip.state(old) == "Deactivated" and kmip.state(new) == "Active"
    assert _material(kmip, new) != _material(kmip, old)
    old_attrs, new_attrs = kmip.attributes(old), kmip.attributes(new)
    # the name moves to the replacement; the old key gets a DeactivationDate and generation 0
    assert find(new_attrs, "NameValue") == ["payroll-key"] and find(old_attrs, "NameValue") == []
    assert first(old_attrs, "DeactivationDate") is not None
    assert (first(old_attrs, "RotateGeneration"), first(old_attrs, "RotateLatest")) == (0, False)
    assert first(new_attrs, "RotateGeneration") == 1 and first(new_attrs, "RotateLatest") is True
    assert _long(first(new_attrs, "RotateInterval")) == 0 and first(new_attrs, "RotateDate") is not None
    # same algorithm, length and usage; clean_for_generation drops the user tags
    for tag in ("CryptographicAlgorithm", "CryptographicLength", "CryptographicUsageMask"):
        assert first(new_attrs, tag) == first(old_attrs, tag)
    tags = [v for v in find(kmip.attributes(new, "Tag"), "AttributeValue")]
    assert tags == ['["_kk"]']


def test_rekey_of_a_re_keyed_key_chains_and_the_offset_delays_activation(kmip):
    first_key = kmip.create()
    second = _rekey(kmip, first_key)
    # the old key is Deactivated: still rotatable (Active, Deactivated, Compromised)
    third = _rekey(kmip, second, t("Offset", "LongInteger", 3600))
    assert _links(kmip, second) == {"ReplacedObjectLink": first_key, "ReplacementObjectLink": third}
    assert kmip.state(third) == "PreActive"
    assert first(kmip.attributes(third), "RotateGeneration") == 2


def test_rekey_refuses_a_pre_active_key_and_a_change_of_length(kmip):
    pre = kmip.create(active=False)
    assert kmip.fail(s("ReKey", uid(pre))) == (
        f"Invalid Request: key '{pre}' is in state 'PreActive' — only Active, Deactivated, or Compromised keys "
        "can be rotated"
    )
    key = kmip.create()
    msg = kmip.fail(s("ReKey", uid(key), s("Attributes", t("CryptographicLength", "Integer", 128))))
    assert msg == (
        "Constraint_Violation: ReKey: changing the cryptographic length is not allowed. "
        "Use Create/CreateKeyPair for a different key size."
    )
    assert (
        kmip.fail(s("ReKey", uid("no-such-key")))
        == "Item not found: ReKey: no valid key found for identifier: no-such-key"
    )
    assert kmip.fail(s("ReKey")) == "This KMIP server does not yet support place holder id"


def test_rekey_key_pair_links_both_keys(kmip):
    sk, pk = kmip.create_pair("RSA", length=2048)
    r = kmip.ok(s("ReKeyKeyPair", t("PrivateKeyUniqueIdentifier", "TextString", sk)))
    new_sk, new_pk = first(r, "PrivateKeyUniqueIdentifier"), first(r, "PublicKeyUniqueIdentifier")
    assert new_pk == new_sk + "_pk"
    assert _links(kmip, new_sk) == {"PublicKeyLink": new_pk, "ReplacedObjectLink": sk}
    assert _links(kmip, new_pk) == {"PrivateKeyLink": new_sk, "ReplacedObjectLink": pk}
    assert _links(kmip, sk)["ReplacementObjectLink"] == new_sk
    assert _links(kmip, pk)["ReplacementObjectLink"] == new_pk
    assert [kmip.state(x) for x in (sk, pk, new_sk, new_pk)] == ["Deactivated", "Deactivated", "Active", "Active"]
    assert first(kmip.attributes(new_sk), "CryptographicLength") == 2048
    # a symmetric ReKey on a private key finds no symmetric key
    assert "no valid key found" in kmip.fail(s("ReKey", uid(new_sk)))


def test_keysets_name_the_successor_and_only_the_latest_rotates(kmip):
    name = f"ring-{uuid.uuid4().hex[:8]}"
    kmip.ok(aes(extra=(t("UniqueIdentifier", "TextString", name), t("RotateName", "TextString", name))))
    assert _rekey(kmip, name) == f"{name}@1"
    # a bare keyset name resolves to its latest generation
    assert _rekey(kmip, name) == f"{name}@2"
    assert kmip.fail(s("ReKey", uid(f"{name}@1"))) == (
        f"Invalid Request: ReKey: key '{name}@1' is not the latest in its keyset — only the latest generation "
        "can be rotated"
    )
    assert first(kmip.attributes(f"{name}@2"), "RotateName") == name
    assert (
        kmip.fail(s("ReKey", uid("nothing-here@latest")))
        == "Invalid Request: ReKey: keyset 'nothing-here@latest' not found or has no resolvable latest key"
    )


def test_a_wrapped_key_is_re_wrapped_by_the_new_wrapping_key(kmip):
    wrap_mask = t("CryptographicUsageMask", "Integer", 2108)  # with WrapKey/UnwrapKey
    kek = first(
        kmip.ok(
            s(
                "Create",
                t("ObjectType", "Enumeration", "SymmetricKey"),
                s(
                    "Attributes",
                    t("ActivationDate", "DateTime", "2024-01-01T00:00:00Z"),
                    t("CryptographicAlgorithm", "Enumeration", "AES"),
                    t("CryptographicLength", "Integer", 256),
                    wrap_mask,
                ),
            )
        ),
        "UniqueIdentifier",
    )
    wrapped = kmip.ok(
        aes(
            extra=(
                s(
                    "Attribute",
                    t("VendorIdentification", "TextString", "cosmian"),
                    t("AttributeName", "TextString", "wrapping_key_id"),
                    t("AttributeValue", "TextString", kek),
                ),
            )
        )
    )
    dep = first(wrapped, "UniqueIdentifier")
    plain = _material(kmip, dep)
    new_kek = _rekey(kmip, kek)
    assert _links(kmip, dep)["WrappingKeyLink"] == new_kek
    assert _material(kmip, dep) == plain  # still unwraps to the same key


def test_the_scheduler_rotates_a_key_whose_policy_is_due(tmp_path):
    sb = start_sandbox(tmp_path / "sb", extra_args=["--auto-rotation-check-interval", "0.5"])
    kmip = Kmip(sb.url)
    try:
        key = kmip.create()
        sk, pk = kmip.create_pair("Ed25519")
        for target in (key, sk):
            kmip.ok(s("SetAttribute", uid(target), s("NewAttribute", t("RotateInterval", "LongInteger", 2))))
        new = _wait_for(lambda: _links(kmip, key).get("ReplacementObjectLink"))
        assert _links(kmip, new)["ReplacedObjectLink"] == key
        assert kmip.state(key) == "Deactivated"
        attrs = kmip.attributes(new)
        # rearm_rotation_policy: the replacement keeps rotating with the same interval
        assert (first(attrs, "RotateAutomatic"), _long(first(attrs, "RotateInterval"))) == (True, 2)
        new_sk = _wait_for(lambda: _links(kmip, sk).get("ReplacementObjectLink"))
        assert _links(kmip, new_sk)["ReplacedObjectLink"] == sk
        assert _links(kmip, pk)["ReplacementObjectLink"] == new_sk + "_pk"
        # a key without a policy is left alone
        other = kmip.create()
        time.sleep(1.5)
        assert "ReplacementObjectLink" not in _links(kmip, other)
    finally:
        kmip.close()
        sb.stop()


def test_another_user_needs_an_explicit_rekey_grant(tmp_path):
    # symmetric/sql.rs: strict_permission_check → user_can_perform_operation: `get` does not stand for it
    from tests.server.pki import JwtIssuer
    from tests.server.two_users import JWT_USER, start_two_users

    issuer = JwtIssuer()
    issuer.add_key("rsa-1", "RS256")
    users = start_two_users(tmp_path, issuer)
    try:
        owner, other = users.tls(), users.jwt()
        key = owner.create()

        def grant(*ops: str) -> None:
            r = owner.http.post(
                "/access/grant", json={"unique_identifier": key, "user_id": JWT_USER, "operation_types": list(ops)}
            )
            assert r.status_code == 200, r.text

        grant("get")
        assert (
            other.fail(s("ReKey", uid(key)), status=401)
            == f"Access denied: ReKey: user {JWT_USER} does not have permission to use key: {key}"
        )
        grant("rekey")
        new = _rekey(other, key)
        assert _links(owner, key) == {"ReplacementObjectLink": new}
    finally:
        users.stop()
        issuer.close()


def test_rekey_and_rekey_key_pair_run_in_a_batch(kmip):
    from tests.server.kmip import _item, _items, _message

    key = kmip.create()
    sk, _ = kmip.create_pair("Ed25519")
    items = _items(
        kmip.ok(
            _message(
                _item("ReKey", uid(key)),
                _item("ReKeyKeyPair", t("PrivateKeyUniqueIdentifier", "TextString", sk)),
                _item("ReKey", uid("missing-key")),
            )
        )
    )
    assert [first(i, "ResultStatus") for i in items] == ["Success", "Success", "OperationFailed"]
    assert first(items[2], "ResultReason") == "Item_Not_Found"
    assert _links(kmip, key)["ReplacementObjectLink"] == first(items[0], "UniqueIdentifier")
    assert _links(kmip, sk)["ReplacementObjectLink"] == first(items[1], "PrivateKeyUniqueIdentifier")


def test_keyset_names_on_key_operations(kmip):
    # crypto_op.rs: resolve_key_for_operation — Encrypt takes the latest key of the keyset
    # (SingleLatest); Decrypt tries the keyset's keys newest first (TryEach, execute_keyset_try_each)
    from kms_tui.kmip.models.crypto_requests import decrypt_request, encrypt_request
    from kms_tui.kmip.ttlv import to_obj

    name = f"vault-{uuid.uuid4().hex[:8]}"
    kmip.ok(aes(extra=(t("UniqueIdentifier", "TextString", name), t("RotateName", "TextString", name))))

    def seal(target: str) -> dict:
        return kmip.ok(to_obj(encrypt_request(target, b"payroll 2026")))

    def open_(target: str, sealed: dict):
        return kmip.post(
            to_obj(
                decrypt_request(
                    target,
                    bytes.fromhex(first(sealed, "Data")),
                    nonce=bytes.fromhex(first(sealed, "IVCounterNonce")),
                    tag=bytes.fromhex(first(sealed, "AuthenticatedEncryptionTag")),
                )
            )
        )

    gen0 = seal(name)
    assert first(gen0, "UniqueIdentifier") == name
    _rekey(kmip, name)
    _rekey(kmip, name)  # the bare name re-keys the latest: name@2
    latest = seal(f"{name}@latest")
    assert first(latest, "UniqueIdentifier") == f"{name}@2"
    assert first(seal(name), "UniqueIdentifier") == f"{name}@2"  # a bare name encrypts with the latest
    # decrypting by the bare name walks name@2 → name@1 → name: the old ciphertext still opens
    r = open_(name, gen0)
    assert r.status_code == 200, r.text
    assert bytes.fromhex(first(r.json(), "Data")) == b"payroll 2026" and first(r.json(), "UniqueIdentifier") == name
    # an explicit generation is that key only: name@1 cannot open what name made
    r = open_(f"{name}@first", gen0)
    assert r.status_code == 200 and first(r.json(), "UniqueIdentifier") == name
    assert open_(f"{name}@1", gen0).status_code == 422
    # a Deactivated generation cannot encrypt any more, by name or by version
    assert kmip.fail(to_obj(encrypt_request(f"{name}@0", b"x"))) == (
        f"Permission_Denied: Encrypt: key {name} is in state Deactivated but operation requires one of [Active]"
    )
