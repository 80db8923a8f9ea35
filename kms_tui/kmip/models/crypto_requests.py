"""Encrypt, Decrypt, Sign, SignatureVerify, MAC and MACVerify payloads as ckms sends them
(``crate/kmip/src/kmip_2_1/kmip_operations.rs`` field order; ``requests/encrypt.rs``,
``requests/decrypt.rs``; ckms ``actions/symmetric/*.rs``, ``rsa/*.rs``, ``shared/sign.rs``,
``shared/signature_verify.rs``, ``mac.rs``), the enumerations they use, and the ciphertext file
layout ckms writes (``nonce || ciphertext || tag``).

Builders return TTLV nodes; :func:`cryptographic_parameters` builds the structure in Cosmian's
field order (``kmip_types.rs: CryptographicParameters``).
"""

from __future__ import annotations

from kms_tui.kmip.enums import HashingAlgorithm, KmipEnum
from kms_tui.kmip.ttlv import TTLV

__all__ = [
    "BlockCipherMode",
    "PaddingMethod",
    "DigitalSignatureAlgorithm",
    "MaskGenerator",
    "ValidityIndicator",
    "CP_FIELDS",
    "DATA_ALGORITHMS",
    "RSA_ALGORITHMS",
    "cryptographic_parameters",
    "encrypt_request",
    "decrypt_request",
    "sign_request",
    "signature_verify_request",
    "mac_request",
    "mac_verify_request",
    "split_ciphertext",
]


class BlockCipherMode(KmipEnum):
    CBC = "CBC", 0x01
    ECB = "ECB", 0x02
    PCBC = "PCBC", 0x03
    CFB = "CFB", 0x04
    OFB = "OFB", 0x05
    CTR = "CTR", 0x06
    CMAC = "CMAC", 0x07
    CCM = "CCM", 0x08
    GCM = "GCM", 0x09
    CBCMAC = "CBCMAC", 0x0A
    XTS = "XTS", 0x0B
    AESKeyWrapPadding = "AESKeyWrapPadding", 0x0C
    NISTKeyWrap = "NISTKeyWrap", 0x0D
    X9102AESKW = "X9102AESKW", 0x0E
    X9102TDKW = "X9102TDKW", 0x0F
    X9102AKW1 = "X9102AKW1", 0x10
    X9102AKW2 = "X9102AKW2", 0x11
    AEAD = "AEAD", 0x12
    GCMSIV = "GCMSIV", 0x80000002
    LegacyNISTKeyWrap = "LegacyNISTKeyWrap", 0x8000000D


class PaddingMethod(KmipEnum):
    None_ = "None", 0x01
    OAEP = "OAEP", 0x02
    PKCS5 = "PKCS5", 0x03
    SSL3 = "SSL3", 0x04
    Zeros = "Zeros", 0x05
    ANSI_X923 = "ANSI_X923", 0x06
    ISO10126 = "ISO10126", 0x07
    PKCS1v15 = "PKCS1v15", 0x08
    X931 = "X931", 0x09
    PSS = "PSS", 0x0A


class DigitalSignatureAlgorithm(KmipEnum):
    MD2WithRSAEncryption = "MD2WithRSAEncryption", 0x01
    MD5WithRSAEncryption = "MD5WithRSAEncryption", 0x02
    SHA1WithRSAEncryption = "SHA1WithRSAEncryption", 0x03
    SHA224WithRSAEncryption = "SHA224WithRSAEncryption", 0x04
    SHA256WithRSAEncryption = "SHA256WithRSAEncryption", 0x05
    SHA384WithRSAEncryption = "SHA384WithRSAEncryption", 0x06
    SHA512WithRSAEncryption = "SHA512WithRSAEncryption", 0x07
    RSASSAPSS = "RSASSAPSS", 0x08
    DSAWithSHA1 = "DSAWithSHA1", 0x09
    DSAWithSHA224 = "DSAWithSHA224", 0x0A
    DSAWithSHA256 = "DSAWithSHA256", 0x0B
    ECDSAWithSHA1 = "ECDSAWithSHA1", 0x0C
    ECDSAWithSHA224 = "ECDSAWithSHA224", 0x0D
    ECDSAWithSHA256 = "ECDSAWithSHA256", 0x0E
    ECDSAWithSHA384 = "ECDSAWithSHA384", 0x0F
    ECDSAWithSHA512 = "ECDSAWithSHA512", 0x10
    SHA3256WithRSAEncryption = "SHA3256WithRSAEncryption", 0x11
    SHA3384WithRSAEncryption = "SHA3384WithRSAEncryption", 0x12
    SHA3512WithRSAEncryption = "SHA3512WithRSAEncryption", 0x13


class MaskGenerator(KmipEnum):
    MFG1 = "MFG1", 0x01  # Cosmian's spelling


class ValidityIndicator(KmipEnum):
    Valid = "Valid", 0x01
    Invalid = "Invalid", 0x02
    Unknown = "Unknown", 0x03


# CryptographicParameters: (tag, TTLV type, enumeration) in Cosmian's declaration order.
CP_FIELDS: tuple[tuple[str, str, type[KmipEnum] | None], ...] = (
    ("BlockCipherMode", "Enumeration", BlockCipherMode),
    ("PaddingMethod", "Enumeration", PaddingMethod),
    ("HashingAlgorithm", "Enumeration", HashingAlgorithm),
    ("KeyRoleType", "Enumeration", None),
    ("DigitalSignatureAlgorithm", "Enumeration", DigitalSignatureAlgorithm),
    ("CryptographicAlgorithm", "Enumeration", None),  # kms_tui.kmip.enums.CryptographicAlgorithm
    ("RandomIV", "Boolean", None),
    ("IVLength", "Integer", None),
    ("TagLength", "Integer", None),
    ("FixedFieldLength", "Integer", None),
    ("InvocationFieldLength", "Integer", None),
    ("CounterLength", "Integer", None),
    ("InitialCounterValue", "Integer", None),
    ("SaltLength", "Integer", None),
    ("MaskGenerator", "Enumeration", MaskGenerator),
    ("MaskGeneratorHashingAlgorithm", "Enumeration", HashingAlgorithm),
    ("PSource", "ByteString", None),
    ("TrailerField", "Integer", None),
)
_CP_TYPES = {tag: typ for tag, typ, _ in CP_FIELDS}

# ckms `sym encrypt -d`: DataEncryptionAlgorithm → CryptographicParameters
# (crate/clients/client_utils/src/symmetric_utils.rs), with the nonce and tag sizes its
# `parse_decrypt_elements` cuts from a ciphertext file.
DATA_ALGORITHMS: dict[str, tuple[dict[str, str], int, int]] = {
    "aes-gcm": ({"CryptographicAlgorithm": "AES", "BlockCipherMode": "GCM"}, 12, 16),
    "aes-cbc": ({"CryptographicAlgorithm": "AES", "BlockCipherMode": "CBC"}, 16, 0),
    "aes-xts": ({"CryptographicAlgorithm": "AES", "BlockCipherMode": "XTS"}, 16, 0),
    "aes-gcm-siv": ({"CryptographicAlgorithm": "AES", "BlockCipherMode": "GCMSIV"}, 12, 16),
    "chacha20-poly1305": ({"CryptographicAlgorithm": "ChaCha20Poly1305"}, 12, 16),
}
# ckms `rsa encrypt -e` (client_utils/src/rsa_utils.rs: to_cryptographic_parameters); the hash is added
RSA_ALGORITHMS: dict[str, dict[str, str]] = {
    "ckm-rsa-pkcs-oaep": {"CryptographicAlgorithm": "RSA", "PaddingMethod": "OAEP"},
    "ckm-rsa-pkcs": {"CryptographicAlgorithm": "RSA", "PaddingMethod": "PKCS1v15"},
    "ckm-rsa-aes-key-wrap": {"CryptographicAlgorithm": "RSA", "PaddingMethod": "None"},
}


def cryptographic_parameters(**fields: object) -> TTLV:
    """A ``CryptographicParameters`` structure; keyword names are the TTLV tags
    (``BlockCipherMode="GCM"``, ``TagLength=16``, ``PSource=b"label"``), None values are left out."""
    unknown = set(fields) - set(_CP_TYPES)
    if unknown:
        raise ValueError(f"unknown CryptographicParameters field(s): {', '.join(sorted(unknown))}")
    children = []
    for tag, typ, _ in CP_FIELDS:
        value = fields.get(tag)
        if value is None:
            continue
        if typ == "Enumeration":
            value = str(value)
        children.append(TTLV(tag, typ, value))
    return TTLV.struct("CryptographicParameters", children)


def _uid(uid: str) -> TTLV:
    return TTLV.text("UniqueIdentifier", uid)


def _opt_bytes(tag: str, value: bytes | None) -> TTLV | None:
    return None if value is None else TTLV.bytes_(tag, bytes(value))


def encrypt_request(
    uid: str, data: bytes, *, params: TTLV | None = None, nonce: bytes | None = None, aad: bytes | None = None
) -> TTLV:
    """``encrypt_request`` (requests/encrypt.rs): UniqueIdentifier, CryptographicParameters, Data,
    IVCounterNonce, AuthenticatedEncryptionAdditionalData."""
    return TTLV.struct(
        "Encrypt",
        [
            _uid(uid),
            params,
            TTLV.bytes_("Data", bytes(data)),
            _opt_bytes("IVCounterNonce", nonce),
            _opt_bytes("AuthenticatedEncryptionAdditionalData", aad),
        ],
    )


def decrypt_request(
    uid: str,
    data: bytes,
    *,
    params: TTLV | None = None,
    nonce: bytes | None = None,
    tag: bytes | None = None,
    aad: bytes | None = None,
) -> TTLV:
    """``decrypt_request`` (requests/decrypt.rs): … Data, IVCounterNonce,
    AuthenticatedEncryptionAdditionalData, AuthenticatedEncryptionTag."""
    return TTLV.struct(
        "Decrypt",
        [
            _uid(uid),
            params,
            TTLV.bytes_("Data", bytes(data)),
            _opt_bytes("IVCounterNonce", nonce),
            _opt_bytes("AuthenticatedEncryptionAdditionalData", aad),
            _opt_bytes("AuthenticatedEncryptionTag", tag),
        ],
    )


def sign_request(uid: str, data: bytes, *, params: TTLV | None = None, digested: bool = False) -> TTLV:
    """``run_sign`` (shared/sign.rs): Data, or DigestedData with ``--digested``."""
    return TTLV.struct("Sign", [_uid(uid), params, TTLV.bytes_("DigestedData" if digested else "Data", bytes(data))])


def signature_verify_request(
    uid: str, data: bytes, signature: bytes, *, params: TTLV | None = None, digested: bool = False
) -> TTLV:
    """``run_signature_verify`` (shared/signature_verify.rs)."""
    return TTLV.struct(
        "SignatureVerify",
        [
            _uid(uid),
            params,
            TTLV.bytes_("DigestedData" if digested else "Data", bytes(data)),
            TTLV.bytes_("SignatureData", bytes(signature)),
        ],
    )


def mac_request(uid: str, data: bytes, hashing_algorithm: str = "SHA256") -> TTLV:
    """``ckms mac compute`` (actions/mac.rs): the hash in CryptographicParameters, Data, and
    InitIndicator/FinalIndicator false."""
    return TTLV.struct(
        "MAC",
        [
            _uid(uid),
            cryptographic_parameters(HashingAlgorithm=hashing_algorithm),
            TTLV.bytes_("Data", bytes(data)),
            TTLV.boolean("InitIndicator", False),
            TTLV.boolean("FinalIndicator", False),
        ],
    )


def mac_verify_request(uid: str, data: bytes, mac: bytes, hashing_algorithm: str = "SHA256") -> TTLV:
    """``ckms mac verify``: UniqueIdentifier, CryptographicParameters, Data, MACData."""
    return TTLV.struct(
        "MACVerify",
        [
            _uid(uid),
            cryptographic_parameters(HashingAlgorithm=hashing_algorithm),
            TTLV.bytes_("Data", bytes(data)),
            TTLV.bytes_("MACData", bytes(mac)),
        ],
    )


def split_ciphertext(blob: bytes, nonce_size: int, tag_size: int) -> tuple[bytes, bytes, bytes]:
    """``parse_decrypt_elements`` (client_utils/src/symmetric_utils.rs): a ckms ciphertext file
    ``nonce || ciphertext || tag`` → (ciphertext, nonce, tag); ValueError when too short."""
    if nonce_size + tag_size > len(blob):
        raise ValueError("The ciphertext is too short to contain the nonce/tweak and the tag")
    nonce = blob[:nonce_size]
    body = blob[nonce_size : len(blob) - tag_size]
    tag = blob[len(blob) - tag_size :] if tag_size else b""
    return body, nonce, tag
