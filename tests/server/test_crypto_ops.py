"""Encrypt, Decrypt, Sign, SignatureVerify, MAC and MACVerify against a real sandbox, as Cosmian
5.26 does them, checked independently with the `cryptography` package and Python's hmac on the
exported keys. Rust sources: crate/server/src/core/operations/{encrypt,decrypt,sign,
signature_verify,mac}.rs, key_ops/crypto_op.rs (select_unique_key, the state and permission
filters), crate/crypto/src/crypto/symmetric/symmetric_ciphers.rs, rsa/{sign,verify}.rs,
elliptic_curves/{sign,verify}.rs, and crate/server/src/error.rs (From<CryptoError>)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kms_tui.kmip.models.crypto_requests import (
    DATA_ALGORITHMS,
    cryptographic_parameters,
    decrypt_request,
    encrypt_request,
    mac_request,
    mac_verify_request,
    sign_request,
    signature_verify_request,
)
from kms_tui.kmip.ttlv import decode, encode, to_obj
from tests.conftest import DATA
from tests.server.kmip import first, revoke, s, t, uid
from tests.server.pki import JwtIssuer
from tests.server.two_users import JWT_USER, start_two_users

CAPTURE = DATA / "reference" / "cosmian_client_capture"
UNRESTRICTED = 0x200000
BAD_TAG = "Cryptographic_Failure: CRYPTO: error: OpenSSL Error: Error: OpenSSL error. Details: ErrorStack([])"


def _j(node) -> dict:
    return to_obj(node)


def _hex(value: str) -> bytes:
    return bytes.fromhex(value)


def _pair(kmip, algorithm: str, *, length: int | None = None, curve: str | None = None) -> tuple[str, str]:
    """A key pair as ckms creates it on a non-FIPS server: Active, usage mask Unrestricted."""
    common = [
        t("ActivationDate", "DateTime", "2024-01-01T00:00:00Z"),
        t("CryptographicAlgorithm", "Enumeration", algorithm),
        t("CryptographicUsageMask", "Integer", UNRESTRICTED),
    ]
    if length:
        common.append(t("CryptographicLength", "Integer", length))
    if curve:
        common.append(s("CryptographicDomainParameters", t("RecommendedCurve", "Enumeration", curve)))
    r = kmip.ok(s("CreateKeyPair", s("CommonAttributes", *common)))
    return first(r, "PrivateKeyUniqueIdentifier"), first(r, "PublicKeyUniqueIdentifier")


def _symmetric_key(kmip, key_id: str) -> bytes:
    return _hex(first(kmip.ok(s("Get", uid(key_id))), "KeyMaterial"))


def _public_key(kmip, key_id: str):
    r = kmip.ok(s("Get", uid(key_id), t("KeyFormatType", "Enumeration", "PKCS8")))
    return serialization.load_der_public_key(_hex(first(r, "KeyMaterial")))


def _private_key(kmip, key_id: str):
    r = kmip.ok(s("Get", uid(key_id), t("KeyFormatType", "Enumeration", "PKCS8")))
    return serialization.load_der_private_key(_hex(first(r, "KeyMaterial")), None)


def _encrypt(kmip, key: str, data: bytes, **kw) -> dict:
    return kmip.ok(_j(encrypt_request(key, data, **kw)))


def _aes_gcm_params():
    return cryptographic_parameters(**DATA_ALGORITHMS["aes-gcm"][0])


# -- symmetric ---------------------------------------------------------------------------------


def test_aes_gcm_round_trip_answers_nonce_and_tag(kmip):
    # encrypt.rs: encrypt_with_symmetric_key — AES-GCM, a random 12-byte nonce returned when the
    # request gave none, the 16-byte tag in AuthenticatedEncryptionTag; decrypt.rs gives it back.
    key = kmip.create()
    plaintext = b"attack at dawn"
    r = _encrypt(kmip, key, plaintext, params=_aes_gcm_params(), aad=b"header")
    assert r["tag"] == "EncryptResponse" and first(r, "UniqueIdentifier") == key
    nonce, ct, tag = (
        _hex(first(r, "IVCounterNonce")),
        _hex(first(r, "Data")),
        _hex(first(r, "AuthenticatedEncryptionTag")),
    )
    assert (len(nonce), len(ct), len(tag)) == (12, len(plaintext), 16)
    back = kmip.ok(_j(decrypt_request(key, ct, params=_aes_gcm_params(), nonce=nonce, tag=tag, aad=b"header")))
    assert back["tag"] == "DecryptResponse" and _hex(first(back, "Data")) == plaintext
    # two encryptions of the same text never share a nonce
    assert first(_encrypt(kmip, key, plaintext), "IVCounterNonce") != first(r, "IVCounterNonce")


def test_a_given_nonce_is_used_and_not_returned(kmip):
    # encrypt.rs (nonce-return-policy): IVCounterNonce only when the request carried none
    key = kmip.create()
    nonce = bytes(range(12))
    r = _encrypt(kmip, key, b"x" * 5, nonce=nonce)
    assert first(r, "IVCounterNonce") is None
    expected = AESGCM(_symmetric_key(kmip, key)).encrypt(nonce, b"x" * 5, None)
    assert _hex(first(r, "Data")) + _hex(first(r, "AuthenticatedEncryptionTag")) == expected


def test_a_sandbox_ciphertext_decrypts_with_the_exported_key(kmip):
    key = kmip.create()
    r = _encrypt(kmip, key, b"to be read elsewhere", aad=b"aad")
    material = _symmetric_key(kmip, key)
    assert len(material) == 32
    clear = AESGCM(material).decrypt(
        _hex(first(r, "IVCounterNonce")), _hex(first(r, "Data")) + _hex(first(r, "AuthenticatedEncryptionTag")), b"aad"
    )
    assert clear == b"to be read elsewhere"


def test_a_ciphertext_made_with_the_exported_key_decrypts_in_the_sandbox(kmip):
    key = kmip.create()
    nonce = os.urandom(12)
    sealed = AESGCM(_symmetric_key(kmip, key)).encrypt(nonce, b"written elsewhere", b"ctx")
    r = kmip.ok(_j(decrypt_request(key, sealed[:-16], nonce=nonce, tag=sealed[-16:], aad=b"ctx")))
    assert _hex(first(r, "Data")) == b"written elsewhere"


def test_aes_cbc_uses_pkcs5_padding_and_a_16_byte_iv(kmip):
    # symmetric_ciphers.rs: CBC, PKCS5 padding by default, no tag
    key = kmip.create()
    params = cryptographic_parameters(**DATA_ALGORITHMS["aes-cbc"][0])
    r = _encrypt(kmip, key, b"sixteen bytes!!!", params=params)
    iv, ct = _hex(first(r, "IVCounterNonce")), _hex(first(r, "Data"))
    assert len(iv) == 16 and len(ct) == 32 and first(r, "AuthenticatedEncryptionTag") is None
    d = Cipher(algorithms.AES(_symmetric_key(kmip, key)), modes.CBC(iv)).decryptor()
    assert (d.update(ct) + d.finalize())[:16] == b"sixteen bytes!!!"
    back = kmip.ok(_j(decrypt_request(key, ct, params=params, nonce=iv)))
    assert _hex(first(back, "Data")) == b"sixteen bytes!!!"


def test_a_bad_tag_is_a_cryptographic_failure(kmip):
    # decrypt.rs → symmetric_ciphers::decrypt → openssl decrypt_aead fails with an empty error
    # stack → error.rs maps CryptoError::OpenSSL to Cryptographic_Failure "CRYPTO: error: …"
    key = kmip.create()
    r = _encrypt(kmip, key, b"integrity")
    tag = bytearray(_hex(first(r, "AuthenticatedEncryptionTag")))
    tag[0] ^= 1
    body = decrypt_request(key, _hex(first(r, "Data")), nonce=_hex(first(r, "IVCounterNonce")), tag=bytes(tag))
    assert kmip.fail(_j(body)) == BAD_TAG


def test_decrypt_without_a_nonce_is_missing_iv(kmip):
    # decrypt.rs: decrypt_single_with_symmetric_key — an absent IVCounterNonce is refused
    key = kmip.create()
    assert kmip.fail(_j(decrypt_request(key, b"\x00" * 16, tag=b"\x00" * 16))) == "Invalid_Message: missing-iv"


def test_gcm_tag_length_outside_12_to_16_is_refused(kmip):
    # encrypt.rs: GCM TagLength validation
    key = kmip.create()
    params = cryptographic_parameters(CryptographicAlgorithm="AES", BlockCipherMode="GCM", TagLength=8)
    assert (
        kmip.fail(_j(encrypt_request(key, b"x", params=params)))
        == "General_Failure: L_KMIPCRYPTO_random:invalid-tag-length"
    )
    params = cryptographic_parameters(CryptographicAlgorithm="AES", BlockCipherMode="GCM", TagLength=12)
    assert len(_hex(first(_encrypt(kmip, key, b"x", params=params), "AuthenticatedEncryptionTag"))) == 12


# -- refusals: state, key type, identifier ----------------------------------------------------------


def test_encrypt_with_a_pre_active_key_is_refused_with_its_state(kmip):
    # key_ops/crypto_op.rs: select_unique_key — a live key in the wrong state → Permission_Denied
    key = kmip.create(active=False)
    assert (
        kmip.fail(_j(encrypt_request(key, b"x")))
        == f"Permission_Denied: Encrypt: key {key} is in state PreActive but operation requires one of [Active]"
    )


def test_a_deactivated_key_still_decrypts_but_no_longer_encrypts(kmip):
    # decrypt.rs: DecryptOp::accepted_states = [Active, Deactivated, Compromised]
    key = kmip.create()
    r = _encrypt(kmip, key, b"old data")
    kmip.ok(revoke(key))
    assert (
        kmip.fail(_j(encrypt_request(key, b"x")))
        == f"Permission_Denied: Encrypt: key {key} is in state Deactivated but operation requires one of [Active]"
    )
    back = kmip.ok(
        _j(
            decrypt_request(
                key,
                _hex(first(r, "Data")),
                nonce=_hex(first(r, "IVCounterNonce")),
                tag=_hex(first(r, "AuthenticatedEncryptionTag")),
            )
        )
    )
    assert _hex(first(back, "Data")) == b"old data"


def test_wrong_key_types_are_not_found_for_the_operation(kmip):
    # encrypt.rs: EncryptOp::map_selection_error; sign.rs: the default mapping (crypto_op.rs)
    sk, pk = _pair(kmip, "RSA", length=2048)
    aes = kmip.create()
    assert kmip.fail(_j(encrypt_request(sk, b"x"))) == f"Item not found: Encrypt: key id: {sk}, not found"
    assert kmip.fail(_j(decrypt_request(pk, b"x"))) == f"Item not found: Decrypt: failed to retrieve the key: {pk}"
    assert kmip.fail(_j(sign_request(aes, b"x"))) == f"Item_Not_Found: Sign: no valid key for id: {aes}"
    assert kmip.fail(_j(mac_request(sk, b"x"))) == f"Item_Not_Found: MAC: no valid key for id: {sk}"


def test_a_key_without_the_usage_is_not_eligible(kmip):
    # sign.rs: SignOp::is_key_eligible — has_usage_mask(Sign, lenient=false); a pair created
    # without a mask cannot sign, but SignatureVerify is lenient about a missing mask
    r = kmip.ok(
        s(
            "CreateKeyPair",
            s(
                "CommonAttributes",
                t("ActivationDate", "DateTime", "2024-01-01T00:00:00Z"),
                t("CryptographicAlgorithm", "Enumeration", "Ed25519"),
            ),
        )
    )
    sk = first(r, "PrivateKeyUniqueIdentifier")
    assert kmip.fail(_j(sign_request(sk, b"x"))) == f"Item_Not_Found: Sign: no valid key for id: {sk}"


def test_without_an_identifier_there_is_no_placeholder(kmip):
    # crypto_op.rs: perform_crypto_operation — UniqueIdentifier absent → UnsupportedPlaceholder
    body = {"tag": "Encrypt", "value": [t("Data", "ByteString", "00")]}
    assert kmip.fail(body) == "This KMIP server does not yet support place holder id"


def test_sign_with_data_and_digested_data_is_refused_first(kmip):
    # sign.rs: sign — checked before the key is looked up
    body = {
        "tag": "Sign",
        "value": [uid("no-such-key"), t("Data", "ByteString", "00"), t("DigestedData", "ByteString", "00")],
    }
    assert kmip.fail(body) == (
        "Invalid Request: Sign request must not set both 'data' and 'digested_data' simultaneously"
    )


# -- RSA ----------------------------------------------------------------------------------------------


def test_rsa_oaep_encrypt_and_decrypt(kmip):
    # encrypt.rs: encrypt_with_rsa (OAEP SHA-256 by default); decrypt.rs: decrypt_with_rsa
    sk, pk = _pair(kmip, "RSA", length=2048)
    params = cryptographic_parameters(CryptographicAlgorithm="RSA", PaddingMethod="OAEP", HashingAlgorithm="SHA256")
    r = _encrypt(kmip, pk, b"wrapped secret", params=params)
    ct = _hex(first(r, "Data"))
    assert len(ct) == 256 and first(r, "IVCounterNonce") is None and first(r, "AuthenticatedEncryptionTag") is None
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    assert _private_key(kmip, sk).decrypt(ct, oaep) == b"wrapped secret"
    assert _hex(first(kmip.ok(_j(decrypt_request(sk, ct))), "Data")) == b"wrapped secret"  # defaults: OAEP SHA-256
    mine = _public_key(kmip, pk).encrypt(b"from outside", oaep)
    assert _hex(first(kmip.ok(_j(decrypt_request(sk, mine, params=params))), "Data")) == b"from outside"


def test_rsa_pkcs1v15_encrypt(kmip):
    # encrypt.rs: encrypt_with_rsa — PaddingMethod PKCS1v15 (non-FIPS)
    sk, pk = _pair(kmip, "RSA", length=2048)
    params = cryptographic_parameters(CryptographicAlgorithm="RSA", PaddingMethod="PKCS1v15")
    ct = _hex(first(_encrypt(kmip, pk, b"legacy", params=params), "Data"))
    assert _private_key(kmip, sk).decrypt(ct, padding.PKCS1v15()) == b"legacy"


# -- signatures -----------------------------------------------------------------------------------------


def _verify_in_sandbox(kmip, key: str, data: bytes, signature: bytes, params=None) -> str:
    return first(kmip.ok(_j(signature_verify_request(key, data, signature, params=params))), "ValidityIndicator")


def test_rsa_pss_sign_verifies_independently(kmip):
    # ckms rsa sign: RSASSAPSS, SHA256, MGF1 SHA256; rsa/sign.rs: salt = digest length
    sk, pk = _pair(kmip, "RSA", length=2048)
    params = cryptographic_parameters(
        DigitalSignatureAlgorithm="RSASSAPSS", HashingAlgorithm="SHA256", MaskGeneratorHashingAlgorithm="SHA256"
    )
    r = kmip.ok(_j(sign_request(sk, b"contract", params=params)))
    assert r["tag"] == "SignResponse"
    signature = _hex(first(r, "SignatureData"))
    _public_key(kmip, pk).verify(
        signature, b"contract", padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256()
    )
    assert _verify_in_sandbox(kmip, pk, b"contract", signature, params) == "Valid"
    assert _verify_in_sandbox(kmip, pk, b"contract!", signature, params) == "Invalid"


def test_rsa_pkcs1v15_signature(kmip):
    sk, pk = _pair(kmip, "RSA", length=2048)
    params = cryptographic_parameters(DigitalSignatureAlgorithm="SHA256WithRSAEncryption")
    signature = _hex(first(kmip.ok(_j(sign_request(sk, b"doc", params=params))), "SignatureData"))
    _public_key(kmip, pk).verify(signature, b"doc", padding.PKCS1v15(), hashes.SHA256())
    assert _verify_in_sandbox(kmip, pk, b"doc", signature, params) == "Valid"


def test_ecdsa_p256_is_deterministic_sha256_as_the_p256_crate(kmip):
    # elliptic_curves/sign.rs: ecdsa_sign — P-256 through the p256 crate: SHA-256, RFC 6979
    sk, pk = _pair(kmip, "ECDSA", curve="P256")
    r = kmip.ok(_j(sign_request(sk, b"ledger")))  # ckms ec sign sends no CryptographicParameters
    signature = _hex(first(r, "SignatureData"))
    _public_key(kmip, pk).verify(signature, b"ledger", ec.ECDSA(hashes.SHA256()))
    expected = _private_key(kmip, sk).sign(b"ledger", ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    assert signature == expected
    assert _verify_in_sandbox(kmip, pk, b"ledger", signature) == "Valid"
    assert _verify_in_sandbox(kmip, pk, b"ledgers", signature) == "Invalid"


def test_ed25519_sign_verifies_independently(kmip):
    sk, pk = _pair(kmip, "Ed25519")
    signature = _hex(first(kmip.ok(_j(sign_request(sk, b"release v1"))), "SignatureData"))
    assert len(signature) == 64
    _public_key(kmip, pk).verify(signature, b"release v1")
    with pytest.raises(InvalidSignature):
        _public_key(kmip, pk).verify(signature, b"release v2")
    assert _verify_in_sandbox(kmip, pk, b"release v1", signature) == "Valid"
    assert _verify_in_sandbox(kmip, sk, b"release v1", signature) == "Valid"  # a private key verifies too
    assert _verify_in_sandbox(kmip, pk, b"release v2", signature) == "Invalid"


# -- MAC ----------------------------------------------------------------------------------------------


def test_hmac_sha256_matches_python_hmac(kmip):
    # mac.rs: compute_hmac with the key bytes; ckms mac compute sends the hash and false indicators
    key = kmip.create()
    r = kmip.ok(_j(mac_request(key, b"message", "SHA256")))
    assert r["tag"] == "MACResponse"
    expected = hmac.new(_symmetric_key(kmip, key), b"message", hashlib.sha256).digest()
    assert _hex(first(r, "MACData")) == expected
    verify = kmip.ok(_j(mac_verify_request(key, b"message", expected)))
    assert verify["tag"] == "MACVerifyResponse" and first(verify, "ValidityIndicator") == "Valid"
    assert first(kmip.ok(_j(mac_verify_request(key, b"message", b"\x00" * 32))), "ValidityIndicator") == "Invalid"


def test_mac_infers_the_hash_from_an_hmac_key(kmip):
    # mac.rs: infer_hmac_hashing_algorithm — no CryptographicParameters, an HMACSHA384 key
    body = s(
        "Create",
        t("ObjectType", "Enumeration", "SymmetricKey"),
        s(
            "Attributes",
            t("ActivationDate", "DateTime", "2024-01-01T00:00:00Z"),
            t("CryptographicAlgorithm", "Enumeration", "HMACSHA384"),
            t("CryptographicLength", "Integer", 384),
            t("ObjectType", "Enumeration", "SymmetricKey"),
        ),
    )
    key = first(kmip.ok(body), "UniqueIdentifier")
    r = kmip.ok({"tag": "Mac", "value": [uid(key), t("Data", "ByteString", b"abc".hex())]})
    assert _hex(first(r, "MACData")) == hmac.new(_symmetric_key(kmip, key), b"abc", hashlib.sha384).digest()
    aes = kmip.create()
    assert kmip.fail({"tag": "MAC", "value": [uid(aes), t("Data", "ByteString", "00")]}) == (
        "Invalid Request: Cryptographic parameters are required or inferable from key's cryptographic algorithm "
        "or attributes"
    )


# -- what Cosmian's clients send -------------------------------------------------------------------------


def test_the_python_clients_encrypt_request_is_what_our_builder_sends(kmip):
    # cosmian_client_capture/encrypt.json: UniqueIdentifier + Data, no CryptographicParameters
    recorded = decode((CAPTURE / "encrypt.json").read_text())
    assert encode(recorded) == encode(encrypt_request("abc", b"hello world"))
    key = kmip.create()
    r = kmip.ok(json.loads((CAPTURE / "encrypt.json").read_text().replace('"abc"', json.dumps(key))))
    assert len(_hex(first(r, "IVCounterNonce"))) == 12  # AES-GCM by default


def test_the_python_clients_iv_tag_is_ignored_so_decrypt_lacks_the_iv(kmip):
    # cosmian_client_capture/decrypt.json sends `IvCounterNonce`; Cosmian 5.26 reads `IVCounterNonce`
    # (serde PascalCase of i_v_counter_nonce) and ignores unknown tags → missing-iv
    key = kmip.create()
    body = (CAPTURE / "decrypt.json").read_text().replace('"abc"', json.dumps(key))
    assert kmip.fail(json.loads(body)) == "Invalid_Message: missing-iv"
    # what ckms sends (decrypt_request) carries the nonce under Cosmian's tag
    assert first(_j(decrypt_request(key, b"\x00", nonce=b"\x01" * 12)), "IVCounterNonce") == "01" * 12


def test_a_batch_reports_the_reason_and_the_bare_message(kmip):
    # message.rs: ItemNotFound → Item_Not_Found with the bare message; Kmip21Error keeps its reason
    key = kmip.create(active=False)
    item = s(
        "BatchItem",
        t("Operation", "Enumeration", "Encrypt"),
        s("RequestPayload", uid(key), t("Data", "ByteString", "00")),
    )
    missing = s(
        "BatchItem",
        t("Operation", "Enumeration", "Encrypt"),
        s("RequestPayload", uid("no-such-key"), t("Data", "ByteString", "00")),
    )
    header = s(
        "RequestHeader",
        s("ProtocolVersion", t("ProtocolVersionMajor", "Integer", 2), t("ProtocolVersionMinor", "Integer", 1)),
        t("BatchCount", "Integer", 2),
    )
    r = kmip.ok(s("RequestMessage", header, item, missing))
    items = [c for c in r["value"] if c["tag"] == "BatchItem"]
    assert (first(items[0], "ResultReason"), first(items[0], "ResultMessage")) == (
        "Permission_Denied",
        f"Encrypt: key {key} is in state PreActive but operation requires one of [Active]",
    )
    assert (first(items[1], "ResultReason"), first(items[1], "ResultMessage")) == (
        "Item_Not_Found",
        "Encrypt: key id: no-such-key, not found",
    )


# -- permissions --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def users(tmp_path_factory):
    issuer = JwtIssuer()
    issuer.add_key("rsa-1", "RS256")
    tu = start_two_users(tmp_path_factory.mktemp("crypto-authz"), issuer)
    yield tu
    tu.stop()
    issuer.close()


def test_another_user_needs_a_grant_and_get_stands_for_encrypt(users):
    # crypto_op.rs: select_unique_key → Unauthorized; EncryptOp::map_selection_error words it;
    # is_owm_authorized_with_get_wildcard: the operation's grant or `get`
    owner, other = users.tls(), users.jwt()
    key = owner.create()
    assert (
        other.fail(_j(encrypt_request(key, b"x")), status=401)
        == f"Access denied: Encrypt: the user {JWT_USER} does not have permission to encrypt using the key: {key}"
    )
    r = owner.http.post(
        "/access/grant", json={"unique_identifier": key, "user_id": JWT_USER, "operation_types": ["get"]}
    )
    assert r.status_code == 200, r.text
    assert first(other.ok(_j(encrypt_request(key, b"x"))), "UniqueIdentifier") == key
    sk, _ = _pair(owner, "Ed25519")
    r = owner.http.post(
        "/access/grant", json={"unique_identifier": sk, "user_id": JWT_USER, "operation_types": ["sign"]}
    )
    assert r.status_code == 200, r.text
    assert len(_hex(first(other.ok(_j(sign_request(sk, b"x"))), "SignatureData"))) == 64
    assert first(other.ok(_j(mac_request(key, b"x"))), "MACData")  # `get` on the AES key also allows MAC


# -- every symmetric mode Cosmian's non-FIPS build offers ------------------------------------------------


def _key(kmip, algorithm: str, length: int) -> str:
    body = s(
        "Create",
        t("ObjectType", "Enumeration", "SymmetricKey"),
        s(
            "Attributes",
            t("ActivationDate", "DateTime", "2024-01-01T00:00:00Z"),
            t("CryptographicAlgorithm", "Enumeration", algorithm),
            t("CryptographicLength", "Integer", length),
            t("CryptographicUsageMask", "Integer", 12),
            t("ObjectType", "Enumeration", "SymmetricKey"),
        ),
    )
    return first(kmip.ok(body), "UniqueIdentifier")


@pytest.mark.parametrize(
    "algorithm,length,params,nonce,tag",
    [
        ("AES", 128, {"BlockCipherMode": "ECB", "PaddingMethod": "PKCS5"}, 0, 0),
        ("AES", 192, {"BlockCipherMode": "CBC"}, 16, 0),
        ("AES", 512, {"BlockCipherMode": "XTS"}, 16, 0),
        ("AES", 256, {"BlockCipherMode": "GCMSIV"}, 12, 16),
        ("AES", 256, {"BlockCipherMode": "AESKeyWrapPadding"}, 0, 0),
        ("AES", 128, {"BlockCipherMode": "NISTKeyWrap"}, 0, 0),
        ("ChaCha20Poly1305", 256, {}, 12, 16),
        ("ChaCha20", 256, {}, 8, 0),
    ],
)
def test_each_symmetric_mode_round_trips(kmip, algorithm, length, params, nonce, tag):
    # symmetric_ciphers.rs: from_algorithm_and_key_size, encrypt, decrypt (nonce and tag sizes)
    key = _key(kmip, algorithm, length)
    cp = cryptographic_parameters(**params) if params else None
    plaintext = b"0123456789abcdef" * 2
    r = _encrypt(kmip, key, plaintext, params=cp)
    got_nonce, got_tag = first(r, "IVCounterNonce"), first(r, "AuthenticatedEncryptionTag")
    assert (len(_hex(got_nonce)) if got_nonce else 0, len(_hex(got_tag)) if got_tag else 0) == (nonce, tag)
    back = kmip.ok(
        _j(
            decrypt_request(
                key,
                _hex(first(r, "Data")),
                params=cp,
                nonce=_hex(got_nonce) if got_nonce else None,
                tag=_hex(got_tag) if got_tag else None,
            )
        )
    )
    assert _hex(first(back, "Data")) == plaintext


def test_ecb_without_padding_needs_whole_blocks(kmip):
    # encrypt.rs: ECB defaults to PaddingMethod None; symmetric_ciphers.rs: InvalidSize
    key = kmip.create()
    params = cryptographic_parameters(CryptographicAlgorithm="AES", BlockCipherMode="ECB")
    assert kmip.fail(_j(encrypt_request(key, b"short", params=params))) == (
        "Cryptographic_Failure: CRYPTO: error: Invalid size: Plaintext must be a multiple of the block size "
        "when no padding is used"
    )


def test_a_cbc_nonce_of_the_wrong_size_is_refused(kmip):
    key = kmip.create()
    params = cryptographic_parameters(CryptographicAlgorithm="AES", BlockCipherMode="CBC")
    assert (
        kmip.fail(_j(encrypt_request(key, b"x", params=params, nonce=b"\x00" * 12)))
        == "Invalid Request: Encrypt: invalid IV/nonce length: expected 16 bytes for Aes256Cbc, got 12"
    )


def test_enumerations_by_code_and_keys_by_tag(kmip):
    # JSON TTLV enumerations may be codes ("0x00000009" = GCM); a tag array names the key
    tag = "crypto-by-tag"
    key = kmip.create(tags=(tag,))
    cp = s("CryptographicParameters", t("BlockCipherMode", "Enumeration", "0x00000001"))  # CBC
    r = kmip.ok(s("Encrypt", uid(json.dumps([tag])), cp, t("Data", "ByteString", "00" * 16)))
    assert first(r, "UniqueIdentifier") == key and len(_hex(first(r, "IVCounterNonce"))) == 16


def test_an_rsa_signature_by_digest_verifies_as_of_the_data(kmip):
    # rsa/sign.rs: DigestedData of 32 bytes → SHA-256 prehash; verify.rs: digested verification
    sk, pk = _pair(kmip, "RSA", length=2048)
    digest = hashlib.sha256(b"big file").digest()
    signature = _hex(first(kmip.ok(_j(sign_request(sk, digest, digested=True))), "SignatureData"))
    _public_key(kmip, pk).verify(
        signature, b"big file", padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256()
    )
    assert (
        first(kmip.ok(_j(signature_verify_request(pk, digest, signature, digested=True))), "ValidityIndicator")
        == "Valid"
    )


def test_a_certificate_encrypts_with_its_public_key(kmip):
    # encrypt.rs: EncryptOp::is_key_eligible (a certificate, lenient mask), encrypt_with_certificate
    from tests.server.certify_kms import subject

    sk, pk = _pair(kmip, "RSA", length=2048)
    cert = first(kmip.ok(s("Certify", uid(pk), s("Attributes", subject("encrypt.example")))), "UniqueIdentifier")
    r = _encrypt(kmip, cert, b"for the certificate holder")
    assert first(r, "UniqueIdentifier") == cert
    assert (
        _hex(first(kmip.ok(_j(decrypt_request(sk, _hex(first(r, "Data"))))), "Data")) == b"for the certificate holder"
    )


@pytest.mark.parametrize("curve", ["P256", "P384", "P521"])
def test_ecies_on_nist_curves_has_cosmians_layout(kmip, curve):
    # elliptic_curves/ecies/standard_curves.rs: R compressed || AES-GCM ciphertext || tag, the key
    # SHAKE(S compressed), the nonce SHAKE(R || Q) — recomputed here with the exported private key
    sk, pk = _pair(kmip, "EC", curve=curve)
    r = _encrypt(kmip, pk, b"ecies payload")
    blob = _hex(first(r, "Data"))
    private = _private_key(kmip, sk)
    size = (private.curve.key_size + 7) // 8 + 1
    assert len(blob) == size + len(b"ecies payload") + 16
    ephemeral = ec.EllipticCurvePublicKey.from_encoded_point(private.curve, blob[:size])
    shared = private.exchange(ec.ECDH(), ephemeral)  # S's x coordinate
    shake, key_size = (hashlib.shake_128, 16) if curve == "P256" else (hashlib.shake_256, 32)
    q = private.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
    iv = shake(blob[:size] + q).digest(12)
    opened = None
    for prefix in (b"\x02", b"\x03"):  # S's y parity is not given by ECDH: one of the two keys opens it
        try:
            opened = AESGCM(shake(prefix + shared).digest(key_size)).decrypt(iv, blob[size:], None)
        except Exception:  # noqa: BLE001 - the other parity
            continue
    assert opened == b"ecies payload"
    assert _hex(first(kmip.ok(_j(decrypt_request(sk, blob))), "Data")) == b"ecies payload"
