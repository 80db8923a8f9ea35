"""Import and export requests as ckms 5.26 builds them (pure: no I/O, no parsing of key files).

* ``import_request``: ``crate/kmip/src/kmip_2_1/requests/import.rs: import_object_request`` with
  the attributes of ``crate/clients/client_utils/src/import_utils.rs:
  prepare_key_import_elements`` (usage mask from ``--key-usage``, links, ActivationDate now,
  ``KeyWrapType`` only for a wrapped object: NotWrapped with ``--unwrap``, else AsRegistered).
* ``export_request``: ``crate/clients/client_utils/src/export_utils.rs``: ``ExportKeyFormat`` →
  KeyFormatType, ``WrappingAlgorithm`` → CryptographicParameters, the KeyWrappingSpecification
  (a PKCS#12 password travels as the wrapping key's UniqueIdentifier, as ckms sends it); Get
  unless ``allow_revoked`` (then Export, which the server allows on revoked objects).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from kms_tui.kmip.enums import CryptographicUsageMask, LinkType
from kms_tui.kmip.models.attributes import Attributes, Link
from kms_tui.kmip.ttlv import TTLV

# ImportKeyFormat (kebab-case, as ckms spells them) → what the file holds.
IMPORT_KEY_FORMATS = (
    "json-ttlv",
    "pem",
    "sec1",
    "pkcs1-priv",
    "pkcs1-pub",
    "pkcs8-priv",
    "pkcs8-pub",
    "aes",
    "chacha20",
)
# CertificateInputFormat (ccadb left out: it fetches a list from the Internet).
IMPORT_CERTIFICATE_FORMATS = ("pem", "der", "chain", "pkcs12")

# KeyUsage (import_utils.rs) → CryptographicUsageMask bit.
KEY_USAGES: dict[str, int] = {
    "sign": CryptographicUsageMask.Sign,
    "verify": CryptographicUsageMask.Verify,
    "encrypt": CryptographicUsageMask.Encrypt,
    "decrypt": CryptographicUsageMask.Decrypt,
    "wrap-key": CryptographicUsageMask.WrapKey,
    "unwrap-key": CryptographicUsageMask.UnwrapKey,
    "mac-generate": CryptographicUsageMask.MACGenerate,
    "mac-verify": CryptographicUsageMask.MACVerify,
    "derive-key": CryptographicUsageMask.DeriveKey,
    "key-agreement": CryptographicUsageMask.KeyAgreement,
    "certificate-sign": CryptographicUsageMask.CertificateSign,
    "crl-sign": CryptographicUsageMask.CRLSign,
    "authenticate": CryptographicUsageMask.Authenticate,
    "unrestricted": CryptographicUsageMask.Unrestricted,
}


@dataclass(frozen=True)
class ExportFormat:
    """One ``--format`` of ``kms-tui export``: the KeyFormatType asked of the server and how
    the answer is written (``encoding``: ttlv | pem | der | base64 | raw | pkcs12 | pkcs7)."""

    name: str
    key_format: str | None
    encoding: str
    pem_label: str = ""
    for_certificates: bool = False


# ExportKeyFormat and CertificateExportFormat, plus certificate DER (ckms has it only as import).
EXPORT_FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("json-ttlv", None, "ttlv"),
        ExportFormat("sec1-pem", "ECPrivateKey", "pem"),
        ExportFormat("sec1-der", "ECPrivateKey", "der"),
        ExportFormat("pkcs1-pem", "PKCS1", "pem"),
        ExportFormat("pkcs1-der", "PKCS1", "der"),
        ExportFormat("pkcs8-pem", "PKCS8", "pem"),
        ExportFormat("pkcs8-der", "PKCS8", "der"),
        ExportFormat("base64", None, "base64"),
        ExportFormat("raw", None, "raw"),
        ExportFormat("pem", "X509", "pem", "CERTIFICATE", True),
        ExportFormat("der", "X509", "der", "", True),
        ExportFormat("pkcs12", "PKCS12", "pkcs12", "", True),
        ExportFormat("pkcs7", "PKCS7", "pem", "PKCS7", True),
    )
}
KEY_EXPORT_FORMATS = tuple(n for n, f in EXPORT_FORMATS.items() if not f.for_certificates)
CERTIFICATE_EXPORT_FORMATS = ("json-ttlv",) + tuple(n for n, f in EXPORT_FORMATS.items() if f.for_certificates)

# WrappingAlgorithm (export_utils.rs) → CryptographicParameters; the short names of the brief
# (rfc5649, rfc3394, aes-gcm, rsa-pkcs1v15, rsa-oaep, rsa-aes-kw) stand for ckms's names.
WRAPPING_ALGORITHMS: dict[str, dict[str, str]] = {
    "aes-key-wrap-padding": {"CryptographicAlgorithm": "AES", "BlockCipherMode": "AESKeyWrapPadding"},
    "nist-key-wrap": {"CryptographicAlgorithm": "AES", "BlockCipherMode": "NISTKeyWrap"},
    "aes-gcm": {"CryptographicAlgorithm": "AES", "BlockCipherMode": "GCM"},
    "rsa-pkcs-v15": {"CryptographicAlgorithm": "RSA", "PaddingMethod": "PKCS1v15", "HashingAlgorithm": "SHA256"},
    "rsa-pkcs-v15-sha1": {"CryptographicAlgorithm": "RSA", "PaddingMethod": "PKCS1v15", "HashingAlgorithm": "SHA1"},
    "rsa-oaep": {"CryptographicAlgorithm": "RSA", "PaddingMethod": "OAEP", "HashingAlgorithm": "SHA256"},
    "rsa-oaep-sha1": {"CryptographicAlgorithm": "RSA", "PaddingMethod": "OAEP", "HashingAlgorithm": "SHA1"},
    "rsa-aes-key-wrap": {"CryptographicAlgorithm": "RSA", "PaddingMethod": "None", "HashingAlgorithm": "SHA256"},
    "rsa-aes-key-wrap-sha1": {"CryptographicAlgorithm": "RSA", "PaddingMethod": "None", "HashingAlgorithm": "SHA1"},
    # kms-tui's name for what ckms sends without --wrapping-algorithm: no parameters; an EC
    # wrapping key then wraps with ECIES (wrap_with_public_key ignores the parameters for EC)
    "ecies": {},
}
WRAP_ALIASES = {
    "rfc5649": "aes-key-wrap-padding",
    "rfc3394": "nist-key-wrap",
    "rsa-pkcs1v15": "rsa-pkcs-v15",
    "rsa-aes-kw": "rsa-aes-key-wrap",
}


def wrap_algorithm(name: str) -> str:
    """ckms's name of a wrapping algorithm given by its name or a short alias; ValueError else."""
    key = name.strip().lower()
    key = WRAP_ALIASES.get(key, key)
    if key not in WRAPPING_ALGORITHMS:
        raise ValueError(f"unknown wrapping algorithm {name!r}")
    return key


def usage_mask(usages: Iterable[str]) -> int | None:
    """``build_usage_mask_from_key_usage``: None when no usage is given."""
    mask = 0
    for u in usages:
        if u not in KEY_USAGES:
            raise ValueError(f"unknown key usage {u!r} (one of: {', '.join(KEY_USAGES)})")
        mask |= int(KEY_USAGES[u])
    return mask or None


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).replace(microsecond=0)


def is_wrapped(obj: TTLV) -> bool:
    block = obj.get("KeyBlock")
    return block is not None and block.get("KeyWrappingData") is not None


def import_attributes(
    *,
    tags: Iterable[str] = (),
    mask: int | None = None,
    links: Mapping[str, str] | None = None,
    activate: bool = True,
    now: datetime | None = None,
    embedded: TTLV | None = None,
    wrapping_key_id: str | None = None,
) -> TTLV:
    """The Import's Attributes: the object's embedded ones (json-ttlv), then ckms's additions."""
    attrs = Attributes.from_ttlv(embedded) if embedded is not None else Attributes()
    if mask is not None:
        attrs.cryptographic_usage_mask = mask
    if links:
        kept = [lk for lk in attrs.link or () if str(lk.link_type) not in links]
        attrs.link = kept + [Link(link_type=LinkType(t), linked_object_identifier=i) for t, i in links.items()]
    if activate:
        attrs.activation_date = _now(now)
    attrs.set_tags(list(tags))
    if wrapping_key_id:  # Attributes::set_wrapping_key_id: the server stores the key wrapped by it
        attrs.set_vendor_attribute("cosmian", "wrapping_key_id", wrapping_key_id)
    node = attrs.to_ttlv()
    node.tag = "Attributes"
    return node


def import_request(
    obj: TTLV,
    *,
    uid: str = "",
    tags: Iterable[str] = (),
    mask: int | None = None,
    links: Mapping[str, str] | None = None,
    replace: bool = False,
    unwrap: bool = False,
    now: datetime | None = None,
    wrapping_key_id: str | None = None,
) -> TTLV:
    """An Import of ``obj`` (a PrivateKey, PublicKey, SymmetricKey, Certificate… node)."""
    embedded = None
    block = obj.get("KeyBlock")
    kv = block.get("KeyValue") if block is not None else None
    if kv is not None and kv.type == "Structure":
        embedded = kv.get("Attributes")
    attrs = import_attributes(
        tags=tags,
        mask=mask,
        links=links,
        now=now,
        wrapping_key_id=wrapping_key_id,
        embedded=embedded if embedded is not None and embedded.value else None,
    )
    children = [
        TTLV.text("UniqueIdentifier", uid),
        TTLV.enum("ObjectType", obj.tag),
        TTLV.boolean("ReplaceExisting", replace),
    ]
    if obj.tag != "Certificate" and is_wrapped(obj):
        children.append(TTLV.enum("KeyWrapType", "NotWrapped" if unwrap else "AsRegistered"))
    children += [attrs, obj]
    return TTLV.struct("Import", children)


def _key_block(fmt: str, material: TTLV, algorithm: str | None = None, length: int | None = None) -> TTLV:
    return TTLV.struct(
        "KeyBlock",
        [
            TTLV.enum("KeyFormatType", fmt),
            TTLV.struct("KeyValue", [material]),
            TTLV.enum("CryptographicAlgorithm", algorithm) if algorithm else None,
            TTLV.integer("CryptographicLength", length) if length is not None else None,
        ],
    )


def der_key_object(object_type: str, fmt: str, der: bytes) -> TTLV:
    """``build_private_key_from_der_bytes`` / ``build_public_key_from_der_bytes``: the bytes as
    KeyMaterial, no algorithm nor length (the server reads them from the key)."""
    return TTLV.struct(object_type, [_key_block(fmt, TTLV.bytes_("KeyMaterial", der))])


def symmetric_key_object(key: bytes, algorithm: str) -> TTLV:
    """``build_symmetric_key_from_bytes``: TransparentSymmetricKey with algorithm and bit length."""
    material = TTLV.struct("KeyMaterial", [TTLV.bytes_("Key", key)])
    return TTLV.struct("SymmetricKey", [_key_block("TransparentSymmetricKey", material, algorithm, len(key) * 8)])


def certificate_object(der: bytes) -> TTLV:
    return TTLV.struct("Certificate", [TTLV.enum("CertificateType", "X509"), TTLV.bytes_("CertificateValue", der)])


def pkcs12_import_request(
    pkcs12: bytes,
    password: str,
    *,
    uid: str = "",
    tags: Iterable[str] = (),
    mask: int | None = None,
    replace: bool = False,
    now: datetime | None = None,
) -> TTLV:
    """``import_certificate.rs: import_pkcs12``: a PrivateKey in PKCS12 format, the password as a
    PKCS12PasswordLink the server reads and drops (it never stores it)."""
    obj = der_key_object("PrivateKey", "PKCS12", pkcs12)
    links = {"PKCS12PasswordLink": password} if password else None
    return import_request(obj, uid=uid, tags=tags, mask=mask, links=links, replace=replace, now=now)


def export_request(
    uid: str,
    fmt: ExportFormat,
    *,
    wrap_key: str | None = None,
    wrap_alg: str | None = None,
    pkcs12_password: str | None = None,
    unwrap: bool = False,
    allow_revoked: bool = False,
) -> TTLV:
    """A Get (an Export with ``allow_revoked``) for ``fmt``, wrapped by ``wrap_key`` if given.

    As ``key_wrapping_specification``: EncodingOption TTLVEncoding for json-ttlv (the wrapped
    bytes are the binary TTLV of the KeyValue, which the KMS unwraps on import), NoEncoding for
    raw and base64 (the plain key bytes any holder of the KEK unwraps)."""
    children = [TTLV.text("UniqueIdentifier", uid)]
    if fmt.key_format:
        children.append(TTLV.enum("KeyFormatType", fmt.key_format))
    if unwrap:
        children.append(TTLV.enum("KeyWrapType", "NotWrapped"))
    spec = None
    if fmt.encoding == "pkcs12":
        spec = _wrapping_spec(pkcs12_password or "", None)
    elif wrap_key:
        spec = _wrapping_spec(wrap_key, wrap_alg, ttlv=fmt.encoding == "ttlv")
    if spec is not None:
        children.append(spec)
    return TTLV.struct("Export" if allow_revoked else "Get", children)


def _wrapping_spec(kek: str, alg: str | None, *, ttlv: bool = False) -> TTLV:
    info = [TTLV.text("UniqueIdentifier", kek)]
    if alg and WRAPPING_ALGORITHMS[wrap_algorithm(alg)]:
        params = WRAPPING_ALGORITHMS[wrap_algorithm(alg)]
        info.append(TTLV.struct("CryptographicParameters", [TTLV.enum(k, v) for k, v in params.items()]))
    return TTLV.struct(
        "KeyWrappingSpecification",
        [
            TTLV.enum("WrappingMethod", "Encrypt"),
            TTLV.struct("EncryptionKeyInformation", info),
            TTLV.enum("EncodingOption", "TTLVEncoding" if ttlv else "NoEncoding"),
        ],
    )
