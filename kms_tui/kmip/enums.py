"""KMIP 2.1 enumerations exactly as Cosmian KMS 5.26 names them on the wire.

Every enumeration is a ``str`` Enum whose value is the Rust variant name (so
``ObjectType.SymmetricKey == "SymmetricKey"``) and which carries the KMIP code in ``.code``.
``Enum.from_wire(value)`` accepts a name or a code (Cosmian accepts both on input) and
``Enum.names()`` gives the set of valid names. Masks are :class:`enum.IntFlag` and travel as
plain JSON numbers. ``ENUMS_BY_TAG`` maps a TTLV tag to the enumeration its value belongs to.
"""

from __future__ import annotations

from enum import IntFlag, StrEnum
from typing import Any, TypeVar

__all__ = [
    "KmipEnum",
    "ObjectType",
    "CryptographicAlgorithm",
    "KeyFormatType",
    "State",
    "RevocationReasonCode",
    "LinkType",
    "RecommendedCurve",
    "NameType",
    "ResultStatus",
    "ResultReason",
    "ErrorReason",
    "Operation",
    "CertificateType",
    "CertificateRequestType",
    "KeyWrapType",
    "KeyCompressionType",
    "UniqueIdentifierEnum",
    "ObjectGroupMember",
    "HashingAlgorithm",
    "RNGAlgorithm",
    "SecretDataType",
    "BatchErrorContinuationOption",
    "QueryFunction",
    "CryptographicUsageMask",
    "StorageStatusMask",
    "mask_names",
    "mask_from_names",
    "FIPS_MASK_LIMITS",
    "fips_mask_limit",
    "ENUMS_BY_TAG",
    "enum_for_tag",
]

E = TypeVar("E", bound="KmipEnum")


class KmipEnum(StrEnum):
    """A KMIP enumeration: value = Cosmian's variant name, ``code`` = the KMIP number."""

    _value_: str
    code: int

    # Members are declared as ``Name = "Name", code``. ``code`` has a default only so that type
    # checkers accept the lookup ``Kind("Name")``, which Enum routes past this __new__.
    def __new__(cls, name: str, code: int = 0) -> KmipEnum:
        obj = str.__new__(cls, name)
        obj._value_ = name
        obj.code = code
        return obj

    def __str__(self) -> str:
        return self._value_

    @classmethod
    def names(cls) -> frozenset[str]:
        """Every valid wire name."""
        return frozenset(m.value for m in cls)

    @classmethod
    def from_code(cls: type[E], code: int) -> E | None:
        """The member with KMIP code ``code``, or None."""
        for m in cls:
            if m.code == code:
                return m
        return None

    @classmethod
    def from_wire(cls: type[E], value: Any) -> E:
        """Member from a wire value (variant name or numeric code); ValueError if unknown."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            try:
                return cls(value)
            except ValueError:
                pass
        elif isinstance(value, int) and not isinstance(value, bool):
            m = cls.from_code(value)
            if m is not None:
                return m
        raise ValueError(f"unknown {cls.__name__} {value!r}")


class ObjectType(KmipEnum):
    Certificate = "Certificate", 0x01
    SymmetricKey = "SymmetricKey", 0x02
    PublicKey = "PublicKey", 0x03
    PrivateKey = "PrivateKey", 0x04
    SplitKey = "SplitKey", 0x05
    SecretData = "SecretData", 0x07
    OpaqueObject = "OpaqueObject", 0x08
    PGPKey = "PGPKey", 0x09
    CertificateRequest = "CertificateRequest", 0x0A


class CryptographicAlgorithm(KmipEnum):
    DES = "DES", 0x01
    THREE_DES = "THREE_DES", 0x02
    AES = "AES", 0x03
    RSA = "RSA", 0x04
    DSA = "DSA", 0x05
    ECDSA = "ECDSA", 0x06
    HMACSHA1 = "HMACSHA1", 0x07
    HMACSHA224 = "HMACSHA224", 0x08
    HMACSHA256 = "HMACSHA256", 0x09
    HMACSHA384 = "HMACSHA384", 0x0A
    HMACSHA512 = "HMACSHA512", 0x0B
    HMACMD5 = "HMACMD5", 0x0C
    DH = "DH", 0x0D
    ECDH = "ECDH", 0x0E
    ECMQV = "ECMQV", 0x0F
    Blowfish = "Blowfish", 0x10
    Camellia = "Camellia", 0x11
    CAST5 = "CAST5", 0x12
    IDEA = "IDEA", 0x13
    MARS = "MARS", 0x14
    RC2 = "RC2", 0x15
    RC4 = "RC4", 0x16
    RC5 = "RC5", 0x17
    SKIPJACK = "SKIPJACK", 0x18
    Twofish = "Twofish", 0x19
    EC = "EC", 0x1A
    OneTimePad = "OneTimePad", 0x1B
    ChaCha20 = "ChaCha20", 0x1C
    Poly1305 = "Poly1305", 0x1D
    ChaCha20Poly1305 = "ChaCha20Poly1305", 0x1E
    SHA3224 = "SHA3224", 0x1F
    SHA3256 = "SHA3256", 0x20
    SHA3384 = "SHA3384", 0x21
    SHA3512 = "SHA3512", 0x22
    HMACSHA3224 = "HMACSHA3224", 0x23
    HMACSHA3256 = "HMACSHA3256", 0x24
    HMACSHA3384 = "HMACSHA3384", 0x25
    HMACSHA3512 = "HMACSHA3512", 0x26
    SHAKE128 = "SHAKE128", 0x27
    SHAKE256 = "SHAKE256", 0x28
    ARIA = "ARIA", 0x29
    SEED = "SEED", 0x2A
    SM2 = "SM2", 0x2B
    SM3 = "SM3", 0x2C
    SM4 = "SM4", 0x2D
    GOSTR34102012 = "GOSTR34102012", 0x2E
    GOSTR34112012 = "GOSTR34112012", 0x2F
    GOSTR34132015 = "GOSTR34132015", 0x30
    GOST2814789 = "GOST2814789", 0x31
    XMSS = "XMSS", 0x32
    SPHINCS_256 = "SPHINCS_256", 0x33
    Page166Of230McEliece = "Page166Of230McEliece", 0x34
    McEliece6960119 = "McEliece6960119", 0x35
    McEliece8192128 = "McEliece8192128", 0x36
    Ed25519 = "Ed25519", 0x37
    Ed448 = "Ed448", 0x38
    MLKEM_512 = "MLKEM_512", 0x39
    MLKEM_768 = "MLKEM_768", 0x3A
    MLKEM_1024 = "MLKEM_1024", 0x3B
    # ML-DSA codes are not confirmed from Cosmian's source; names are what travels on the wire.
    MLDSA_44 = "MLDSA_44", 0x3C
    MLDSA_65 = "MLDSA_65", 0x3D
    MLDSA_87 = "MLDSA_87", 0x3E
    FPE_FF1 = "FPE_FF1", 0x8880_0001
    ConfigurableKEM = "ConfigurableKEM", 0x8880_0003
    CoverCrypt = "CoverCrypt", 0x8880_0004
    CoverCryptBulk = "CoverCryptBulk", 0x8880_0005


class KeyFormatType(KmipEnum):
    Raw = "Raw", 0x01
    Opaque = "Opaque", 0x02
    PKCS1 = "PKCS1", 0x03
    PKCS8 = "PKCS8", 0x04
    X509 = "X509", 0x05
    ECPrivateKey = "ECPrivateKey", 0x06
    TransparentSymmetricKey = "TransparentSymmetricKey", 0x07
    TransparentDSAPrivateKey = "TransparentDSAPrivateKey", 0x08
    TransparentDSAPublicKey = "TransparentDSAPublicKey", 0x09
    TransparentRSAPrivateKey = "TransparentRSAPrivateKey", 0x0A
    TransparentRSAPublicKey = "TransparentRSAPublicKey", 0x0B
    TransparentDHPrivateKey = "TransparentDHPrivateKey", 0x0C
    TransparentDHPublicKey = "TransparentDHPublicKey", 0x0D
    TransparentECPrivateKey = "TransparentECPrivateKey", 0x14
    TransparentECPublicKey = "TransparentECPublicKey", 0x15
    PKCS12 = "PKCS12", 0x16
    PKCS10 = "PKCS10", 0x17
    Pkcs12Legacy = "Pkcs12Legacy", 0x8880_0001
    PKCS7 = "PKCS7", 0x8880_0002
    ConfigurableKEM = "ConfigurableKEM", 0x8880_0003
    EnclaveECKeyPair = "EnclaveECKeyPair", 0x8880_0005
    EnclaveECSharedKey = "EnclaveECSharedKey", 0x8880_0006
    CoverCryptSecretKey = "CoverCryptSecretKey", 0x8880_000C
    CoverCryptPublicKey = "CoverCryptPublicKey", 0x8880_000D


class State(KmipEnum):
    PreActive = "PreActive", 0x01
    Active = "Active", 0x02
    Deactivated = "Deactivated", 0x03
    Compromised = "Compromised", 0x04
    Destroyed = "Destroyed", 0x05
    Destroyed_Compromised = "Destroyed_Compromised", 0x06


class RevocationReasonCode(KmipEnum):
    Unspecified = "Unspecified", 0x01
    KeyCompromise = "KeyCompromise", 0x02
    CACompromise = "CACompromise", 0x03
    AffiliationChanged = "AffiliationChanged", 0x04
    Superseded = "Superseded", 0x05
    CessationOfOperation = "CessationOfOperation", 0x06
    PrivilegeWithdrawn = "PrivilegeWithdrawn", 0x07


class LinkType(KmipEnum):
    CertificateLink = "CertificateLink", 0x101
    PublicKeyLink = "PublicKeyLink", 0x102
    PrivateKeyLink = "PrivateKeyLink", 0x103
    DerivationBaseObjectLink = "DerivationBaseObjectLink", 0x104
    DerivedKeyLink = "DerivedKeyLink", 0x105
    ReplacementObjectLink = "ReplacementObjectLink", 0x106
    ReplacedObjectLink = "ReplacedObjectLink", 0x107
    ParentLink = "ParentLink", 0x108
    ChildLink = "ChildLink", 0x109
    PreviousLink = "PreviousLink", 0x10A
    NextLink = "NextLink", 0x10B
    PKCS12CertificateLink = "PKCS12CertificateLink", 0x10C
    PKCS12PasswordLink = "PKCS12PasswordLink", 0x10D
    WrappingKeyLink = "WrappingKeyLink", 0x10E


class RecommendedCurve(KmipEnum):
    P192 = "P192", 0x01
    K163 = "K163", 0x02
    B163 = "B163", 0x03
    P224 = "P224", 0x04
    K233 = "K233", 0x05
    B233 = "B233", 0x06
    P256 = "P256", 0x07
    K283 = "K283", 0x08
    B283 = "B283", 0x09
    P384 = "P384", 0x0A
    K409 = "K409", 0x0B
    B409 = "B409", 0x0C
    P521 = "P521", 0x0D
    K571 = "K571", 0x0E
    B571 = "B571", 0x0F
    SECP112R1 = "SECP112R1", 0x10
    SECP112R2 = "SECP112R2", 0x11
    SECP128R1 = "SECP128R1", 0x12
    SECP128R2 = "SECP128R2", 0x13
    SECP160K1 = "SECP160K1", 0x14
    SECP160R1 = "SECP160R1", 0x15
    SECP160R2 = "SECP160R2", 0x16
    SECP192K1 = "SECP192K1", 0x17
    SECP224K1 = "SECP224K1", 0x18
    SECP256K1 = "SECP256K1", 0x19
    SECT113R1 = "SECT113R1", 0x1A
    SECT131R1 = "SECT131R1", 0x1C
    SECT131R2 = "SECT131R2", 0x1D
    SECT163R1 = "SECT163R1", 0x1E
    SECT193R1 = "SECT193R1", 0x1F
    SECT193R2 = "SECT193R2", 0x20
    SECT239K1 = "SECT239K1", 0x21
    ANSIX9P192V2 = "ANSIX9P192V2", 0x22
    ANSIX9P192V3 = "ANSIX9P192V3", 0x23
    ANSIX9P239V1 = "ANSIX9P239V1", 0x24
    ANSIX9P239V2 = "ANSIX9P239V2", 0x25
    ANSIX9P239V3 = "ANSIX9P239V3", 0x26
    ANSIX9C2PNB163V1 = "ANSIX9C2PNB163V1", 0x27
    ANSIX9C2PNB163V2 = "ANSIX9C2PNB163V2", 0x28
    ANSIX9C2PNB163V3 = "ANSIX9C2PNB163V3", 0x29
    ANSIX9C2PNB176V1 = "ANSIX9C2PNB176V1", 0x2A
    ANSIX9C2TNB191V1 = "ANSIX9C2TNB191V1", 0x2B
    ANSIX9C2TNB191V2 = "ANSIX9C2TNB191V2", 0x2C
    ANSIX9C2TNB191V3 = "ANSIX9C2TNB191V3", 0x2D
    ANSIX9C2PNB208W1 = "ANSIX9C2PNB208W1", 0x2E
    ANSIX9C2TNB239V1 = "ANSIX9C2TNB239V1", 0x2F
    ANSIX9C2TNB239V2 = "ANSIX9C2TNB239V2", 0x30
    ANSIX9C2TNB239V3 = "ANSIX9C2TNB239V3", 0x31
    ANSIX9C2PNB272W1 = "ANSIX9C2PNB272W1", 0x32
    ANSIX9C2PNB304W1 = "ANSIX9C2PNB304W1", 0x33
    ANSIX9C2TNB359V1 = "ANSIX9C2TNB359V1", 0x34
    ANSIX9C2PNB368W1 = "ANSIX9C2PNB368W1", 0x35
    ANSIX9C2TNB431R1 = "ANSIX9C2TNB431R1", 0x36
    BRAINPOOLP160R1 = "BRAINPOOLP160R1", 0x37
    BRAINPOOLP160T1 = "BRAINPOOLP160T1", 0x38
    BRAINPOOLP192R1 = "BRAINPOOLP192R1", 0x39
    BRAINPOOLP192T1 = "BRAINPOOLP192T1", 0x3A
    BRAINPOOLP224R1 = "BRAINPOOLP224R1", 0x3B
    BRAINPOOLP224T1 = "BRAINPOOLP224T1", 0x3C
    BRAINPOOLP256R1 = "BRAINPOOLP256R1", 0x3D
    BRAINPOOLP256T1 = "BRAINPOOLP256T1", 0x3E
    BRAINPOOLP320R1 = "BRAINPOOLP320R1", 0x3F
    BRAINPOOLP320T1 = "BRAINPOOLP320T1", 0x40
    BRAINPOOLP384R1 = "BRAINPOOLP384R1", 0x41
    BRAINPOOLP384T1 = "BRAINPOOLP384T1", 0x42
    BRAINPOOLP512R1 = "BRAINPOOLP512R1", 0x43
    BRAINPOOLP512T1 = "BRAINPOOLP512T1", 0x44
    CURVE25519 = "CURVE25519", 0x45
    CURVE448 = "CURVE448", 0x46
    CURVEED25519 = "CURVEED25519", 0x8000_0001
    CURVEED448 = "CURVEED448", 0x8000_0002


class NameType(KmipEnum):
    UninterpretedTextString = "UninterpretedTextString", 0x01
    URI = "URI", 0x02


class ResultStatus(KmipEnum):
    Success = "Success", 0x00
    OperationFailed = "OperationFailed", 0x01
    OperationPending = "OperationPending", 0x02
    OperationUndone = "OperationUndone", 0x03


class ResultReason(KmipEnum):
    """Cosmian's ``ErrorReason``: the ``ResultReason`` of a failed batch item."""

    Item_Not_Found = "Item_Not_Found", 0x01
    Response_Too_Large = "Response_Too_Large", 0x02
    Authentication_Not_Successful = "Authentication_Not_Successful", 0x03
    Invalid_Message = "Invalid_Message", 0x04
    Operation_Not_Supported = "Operation_Not_Supported", 0x05
    Missing_Data = "Missing_Data", 0x06
    Invalid_Field = "Invalid_Field", 0x07
    Feature_Not_Supported = "Feature_Not_Supported", 0x08
    Operation_Canceled_By_Requester = "Operation_Canceled_By_Requester", 0x09
    Cryptographic_Failure = "Cryptographic_Failure", 0x0A
    Permission_Denied = "Permission_Denied", 0x0C
    Object_Archived = "Object_Archived", 0x0D
    Application_Namespace_Not_Supported = "Application_Namespace_Not_Supported", 0x0F
    Key_Format_Type_Not_Supported = "Key_Format_Type_Not_Supported", 0x10
    Key_Compression_Type_Not_Supported = "Key_Compression_Type_Not_Supported", 0x11
    Encoding_Option_Error = "Encoding_Option_Error", 0x12
    Key_Value_Not_Present = "Key_Value_Not_Present", 0x13
    Attestation_Required = "Attestation_Required", 0x14
    Attestation_Failed = "Attestation_Failed", 0x15
    Sensitive = "Sensitive", 0x16
    Not_Extractable = "Not_Extractable", 0x17
    Object_Already_Exists = "Object_Already_Exists", 0x18
    Invalid_Ticket = "Invalid_Ticket", 0x19
    Usage_Limit_Exceeded = "Usage_Limit_Exceeded", 0x1A
    Numeric_Range = "Numeric_Range", 0x1B
    Invalid_Data_Type = "Invalid_Data_Type", 0x1C
    Read_Only_Attribute = "Read_Only_Attribute", 0x1D
    Multi_Valued_Attribute = "Multi_Valued_Attribute", 0x1E
    Unsupported_Attribute = "Unsupported_Attribute", 0x1F
    Attribute_Instance_Not_Found = "Attribute_Instance_Not_Found", 0x20
    Attribute_Not_Found = "Attribute_Not_Found", 0x21
    Attribute_Read_Only = "Attribute_Read_Only", 0x22
    Attribute_Single_Valued = "Attribute_Single_Valued", 0x23
    Bad_Cryptographic_Parameters = "Bad_Cryptographic_Parameters", 0x24
    Bad_Password = "Bad_Password", 0x25
    Codec_Error = "Codec_Error", 0x26
    Illegal_Object_Type = "Illegal_Object_Type", 0x28
    Incompatible_Cryptographic_Usage_Mask = "Incompatible_Cryptographic_Usage_Mask", 0x29
    Internal_Server_Error = "Internal_Server_Error", 0x2A
    Invalid_Asynchronous_Correlation_Value = "Invalid_Asynchronous_Correlation_Value", 0x2B
    Invalid_Attribute = "Invalid_Attribute", 0x2C
    Invalid_Attribute_Value = "Invalid_Attribute_Value", 0x2D
    Invalid_Correlation_Value = "Invalid_Correlation_Value", 0x2E
    Invalid_CSR = "Invalid_CSR", 0x2F
    Invalid_Object_Type = "Invalid_Object_Type", 0x30
    Key_Wrap_Type_Not_Supported = "Key_Wrap_Type_Not_Supported", 0x32
    Missing_Initialization_Vector = "Missing_Initialization_Vector", 0x34
    Non_Unique_Name_Attribute = "Non_Unique_Name_Attribute", 0x35
    Object_Destroyed = "Object_Destroyed", 0x36
    Object_Not_Found = "Object_Not_Found", 0x37
    Not_Authorised = "Not_Authorised", 0x39
    Server_Limit_Exceeded = "Server_Limit_Exceeded", 0x3A
    Unknown_Enumeration = "Unknown_Enumeration", 0x3B
    Unknown_Message_Extension = "Unknown_Message_Extension", 0x3C
    Unknown_Tag = "Unknown_Tag", 0x3D
    Unsupported_Cryptographic_Parameters = "Unsupported_Cryptographic_Parameters", 0x3E
    Unsupported_Protocol_Version = "Unsupported_Protocol_Version", 0x3F
    Wrapping_Object_Archived = "Wrapping_Object_Archived", 0x40
    Wrapping_Object_Destroyed = "Wrapping_Object_Destroyed", 0x41
    Wrapping_Object_Not_Found = "Wrapping_Object_Not_Found", 0x42
    Wrong_Key_Lifecycle_State = "Wrong_Key_Lifecycle_State", 0x43
    Protection_Storage_Unavailable = "Protection_Storage_Unavailable", 0x44
    PKCS_11_Codec_Error = "PKCS_11_Codec_Error", 0x45
    PKCS_11_Invalid_Function = "PKCS_11_Invalid_Function", 0x46
    PKCS_11_Invalid_Interface = "PKCS_11_Invalid_Interface", 0x47
    Private_Protection_Storage_Unavailable = "Private_Protection_Storage_Unavailable", 0x48
    Public_Protection_Storage_Unavailable = "Public_Protection_Storage_Unavailable", 0x49
    Unknown_Object_Group = "Unknown_Object_Group", 0x4A
    Constraint_Violation = "Constraint_Violation", 0x4B
    Duplicate_Process_Request = "Duplicate_Process_Request", 0x4C
    General_Failure = "General_Failure", 0x100


ErrorReason = ResultReason  # Cosmian's Rust name for the same enumeration


class Operation(KmipEnum):
    Create = "Create", 0x01
    CreateKeyPair = "CreateKeyPair", 0x02
    Register = "Register", 0x03
    ReKey = "ReKey", 0x04
    DeriveKey = "DeriveKey", 0x05
    Certify = "Certify", 0x06
    ReCertify = "ReCertify", 0x07
    Locate = "Locate", 0x08
    Check = "Check", 0x09
    Get = "Get", 0x0A
    GetAttributes = "GetAttributes", 0x0B
    GetAttributeList = "GetAttributeList", 0x0C
    AddAttribute = "AddAttribute", 0x0D
    ModifyAttribute = "ModifyAttribute", 0x0E
    DeleteAttribute = "DeleteAttribute", 0x0F
    ObtainLease = "ObtainLease", 0x10
    GetUsageAllocation = "GetUsageAllocation", 0x11
    Activate = "Activate", 0x12
    Revoke = "Revoke", 0x13
    Destroy = "Destroy", 0x14
    Archive = "Archive", 0x15
    Recover = "Recover", 0x16
    Validate = "Validate", 0x17
    Query = "Query", 0x18
    Cancel = "Cancel", 0x19
    Poll = "Poll", 0x1A
    Notify = "Notify", 0x1B
    Put = "Put", 0x1C
    ReKeyKeyPair = "ReKeyKeyPair", 0x1D
    DiscoverVersions = "DiscoverVersions", 0x1E
    Encrypt = "Encrypt", 0x1F
    Decrypt = "Decrypt", 0x20
    Sign = "Sign", 0x21
    SignatureVerify = "SignatureVerify", 0x22
    MAC = "MAC", 0x23
    MACVerify = "MACVerify", 0x24
    RNGRetrieve = "RNGRetrieve", 0x25
    RNGSeed = "RNGSeed", 0x26
    Hash = "Hash", 0x27
    CreateSplitKey = "CreateSplitKey", 0x28
    JoinSplitKey = "JoinSplitKey", 0x29
    Import = "Import", 0x2A
    Export = "Export", 0x2B
    Log = "Log", 0x2C
    Login = "Login", 0x2D
    Logout = "Logout", 0x2E
    DelegatedLogin = "DelegatedLogin", 0x2F
    AdjustAttribute = "AdjustAttribute", 0x30
    SetAttribute = "SetAttribute", 0x31
    SetEndpointRole = "SetEndpointRole", 0x32
    PKCS11 = "PKCS11", 0x33
    Interop = "Interop", 0x34
    ReProvision = "ReProvision", 0x35
    SetDefaults = "SetDefaults", 0x36
    SetConstraints = "SetConstraints", 0x37
    GetConstraints = "GetConstraints", 0x38
    QueryAsynchronousRequests = "QueryAsynchronousRequests", 0x39
    Process = "Process", 0x3A
    Ping = "Ping", 0x3B


class CertificateType(KmipEnum):
    X509 = "X509", 0x01
    PGP = "PGP", 0x02
    PKCS7 = "PKCS7", 0x8000_0001


class CertificateRequestType(KmipEnum):
    CRMF = "CRMF", 0x01
    PKCS10 = "PKCS10", 0x02
    PEM = "PEM", 0x03


class KeyWrapType(KmipEnum):
    NotWrapped = "NotWrapped", 0x01
    AsRegistered = "AsRegistered", 0x02


class KeyCompressionType(KmipEnum):
    ECPublicKeyTypeUncompressed = "ECPublicKeyTypeUncompressed", 0x01
    ECPublicKeyTypeX962CompressedPrime = "ECPublicKeyTypeX962CompressedPrime", 0x02
    ECPublicKeyTypeX962CompressedChar2 = "ECPublicKeyTypeX962CompressedChar2", 0x03
    ECPublicKeyTypeX962Hybrid = "ECPublicKeyTypeX962Hybrid", 0x04


class UniqueIdentifierEnum(KmipEnum):
    """``UniqueIdentifierEnumeration``: placeholders a batch item may use for an id."""

    IDPlaceholder = "IDPlaceholder", 0x01
    Certify = "Certify", 0x02
    Create = "Create", 0x03
    CreateKeyPair = "CreateKeyPair", 0x04
    CreateKeyPairPrivateKey = "CreateKeyPairPrivateKey", 0x05
    CreateKeyPairPublicKey = "CreateKeyPairPublicKey", 0x06
    CreateSplitKey = "CreateSplitKey", 0x07
    DeriveKey = "DeriveKey", 0x08
    Import = "Import", 0x09
    JoinSplitKey = "JoinSplitKey", 0x0A
    Locate = "Locate", 0x0B
    Register = "Register", 0x0C
    Rekey = "Rekey", 0x0D
    Recertify = "Recertify", 0x0E
    RekeyKeyPair = "RekeyKeyPair", 0x0F
    RekeyKeyPairPrivateKey = "RekeyKeyPairPrivateKey", 0x10
    RekeyKeyPairPublicKey = "RekeyKeyPairPublicKey", 0x11


class ObjectGroupMember(KmipEnum):
    Group_Member_Fresh = "Group_Member_Fresh", 0x01
    Group_Member_Default = "Group_Member_Default", 0x02


class HashingAlgorithm(KmipEnum):
    MD2 = "MD2", 0x01
    MD4 = "MD4", 0x02
    MD5 = "MD5", 0x03
    SHA1 = "SHA1", 0x04
    SHA224 = "SHA224", 0x05
    SHA256 = "SHA256", 0x06
    SHA384 = "SHA384", 0x07
    SHA512 = "SHA512", 0x08
    RIPEMD160 = "RIPEMD160", 0x09
    Tiger = "Tiger", 0x0A
    Whirlpool = "Whirlpool", 0x0B
    SHA512224 = "SHA512224", 0x0C
    SHA512256 = "SHA512256", 0x0D
    SHA3224 = "SHA3224", 0x0E
    SHA3256 = "SHA3256", 0x0F
    SHA3384 = "SHA3384", 0x10
    SHA3512 = "SHA3512", 0x11


class RNGAlgorithm(KmipEnum):
    Unspecified = "Unspecified", 0x01
    FIPS186_2 = "FIPS186_2", 0x02
    DRBG = "DRBG", 0x03
    NRBG = "NRBG", 0x04
    ANSI_X931 = "ANSI_X931", 0x05
    ANSI_X962 = "ANSI_X962", 0x06


class SecretDataType(KmipEnum):
    Password = "Password", 0x01
    Seed = "Seed", 0x02


class BatchErrorContinuationOption(KmipEnum):
    Continue = "Continue", 0x01
    Stop = "Stop", 0x02
    Undo = "Undo", 0x03


class QueryFunction(KmipEnum):
    QueryOperations = "QueryOperations", 0x01
    QueryObjects = "QueryObjects", 0x02
    QueryServerInformation = "QueryServerInformation", 0x03
    QueryApplicationNamespaces = "QueryApplicationNamespaces", 0x04
    QueryExtensionList = "QueryExtensionList", 0x05
    QueryExtensionMap = "QueryExtensionMap", 0x06
    QueryAttestationTypes = "QueryAttestationTypes", 0x07
    QueryRNGs = "QueryRNGs", 0x08
    QueryValidations = "QueryValidations", 0x09
    QueryProfiles = "QueryProfiles", 0x0A
    QueryCapabilities = "QueryCapabilities", 0x0B
    QueryClientRegistrationMethods = "QueryClientRegistrationMethods", 0x0C
    QueryDefaultsInformation = "QueryDefaultsInformation", 0x0D
    QueryStorageProtectionMasks = "QueryStorageProtectionMasks", 0x0E


# ------------------------------------------------------------------------------------------------
# Masks (plain JSON numbers on the wire)
# ------------------------------------------------------------------------------------------------


class CryptographicUsageMask(IntFlag):
    Sign = 0x0000_0001
    Verify = 0x0000_0002
    Encrypt = 0x0000_0004
    Decrypt = 0x0000_0008
    WrapKey = 0x0000_0010
    UnwrapKey = 0x0000_0020
    MACGenerate = 0x0000_0080
    MACVerify = 0x0000_0100
    DeriveKey = 0x0000_0200
    KeyAgreement = 0x0000_0800
    CertificateSign = 0x0000_1000
    CRLSign = 0x0000_2000
    Authenticate = 0x0010_0000
    Unrestricted = 0x0020_0000


class StorageStatusMask(IntFlag):
    OnlineStorage = 0x1
    ArchivalStorage = 0x2
    DestroyedStorage = 0x4


def mask_names(mask: int) -> list[str]:
    """Names of the usage-mask bits set in ``mask``, lowest bit first; unknown bits as hex."""
    names = [m.name for m in CryptographicUsageMask if mask & m.value and m.name]
    known = sum(m.value for m in CryptographicUsageMask)
    if mask & ~known:
        names.append(f"0x{mask & ~known:X}")
    return names


def mask_from_names(names: list[str] | tuple[str, ...]) -> int:
    """The usage mask with the named bits set; ValueError naming an unknown bit."""
    value = 0
    for n in names:
        try:
            value |= CryptographicUsageMask[n]
        except KeyError:
            raise ValueError(f"unknown usage mask bit {n!r}") from None
    return value


_U = CryptographicUsageMask

# The most a FIPS build of Cosmian KMS accepts on CreateKeyPair, per algorithm family
# (private, public). Unrestricted is never allowed in FIPS mode.
FIPS_MASK_LIMITS: dict[str, tuple[int, int]] = {
    "RSA": (
        int(_U.Sign | _U.Decrypt | _U.UnwrapKey | _U.DeriveKey | _U.KeyAgreement),  # 2601
        int(_U.Verify | _U.Encrypt | _U.WrapKey | _U.DeriveKey | _U.KeyAgreement),  # 2582
    ),
    "EC": (1063425, 1051138),  # ECDH / EC
    "ECDSA": (1060865, 1048578),  # also Ed25519 / Ed448
}


def fips_mask_limit(algorithm: str) -> tuple[int, int]:
    """(private, public) usage-mask ceilings a FIPS server allows for ``algorithm``."""
    if algorithm == "RSA":
        return FIPS_MASK_LIMITS["RSA"]
    if algorithm in ("EC", "ECDH"):
        return FIPS_MASK_LIMITS["EC"]
    if algorithm in ("ECDSA", "Ed25519", "Ed448"):
        return FIPS_MASK_LIMITS["ECDSA"]
    raise ValueError(f"no FIPS key-pair mask limit for algorithm {algorithm!r}")


# ------------------------------------------------------------------------------------------------
# Which enumeration a tag's value belongs to
# ------------------------------------------------------------------------------------------------

ENUMS_BY_TAG: dict[str, type[KmipEnum]] = {
    "ObjectType": ObjectType,
    "ExpectedObjectType": ObjectType,
    "CryptographicAlgorithm": CryptographicAlgorithm,
    "KeyFormatType": KeyFormatType,
    "State": State,
    "RevocationReasonCode": RevocationReasonCode,
    "LinkType": LinkType,
    "RecommendedCurve": RecommendedCurve,
    "NameType": NameType,
    "ResultStatus": ResultStatus,
    "ResultReason": ResultReason,
    "Operation": Operation,
    "CertificateType": CertificateType,
    "CertificateRequestType": CertificateRequestType,
    "KeyWrapType": KeyWrapType,
    "KeyCompressionType": KeyCompressionType,
    "UniqueIdentifier": UniqueIdentifierEnum,
    "LinkedObjectIdentifier": UniqueIdentifierEnum,
    "PrivateKeyUniqueIdentifier": UniqueIdentifierEnum,
    "PublicKeyUniqueIdentifier": UniqueIdentifierEnum,
    "ObjectGroupMember": ObjectGroupMember,
    "HashingAlgorithm": HashingAlgorithm,
    "RNGAlgorithm": RNGAlgorithm,
    "SecretDataType": SecretDataType,
    "BatchErrorContinuationOption": BatchErrorContinuationOption,
    "QueryFunction": QueryFunction,
}


def enum_for_tag(tag: str) -> type[KmipEnum] | None:
    """The enumeration class for an Enumeration node carrying ``tag``, if known."""
    return ENUMS_BY_TAG.get(tag)
