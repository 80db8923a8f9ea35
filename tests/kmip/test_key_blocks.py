"""Key blocks for every key family and format round-trip through JSON TTLV with real keys."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from kms_tui.kmip.models import (
    Certificate,
    GetResponse,
    KeyBlock,
    KeyValue,
    PrivateKey,
    PublicKey,
    SecretData,
    SymmetricKey,
    TransparentECPrivateKey,
    TransparentECPublicKey,
    TransparentRSAPrivateKey,
    TransparentRSAPublicKey,
    TransparentSymmetricKey,
    parse_node,
)
from kms_tui.kmip.ttlv import decode

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
ED_KEY = ed25519.Ed25519PrivateKey.generate()
DER = serialization.Encoding.DER
RAW = serialization.Encoding.Raw


def _block(fmt: str, material, algorithm: str | None = None, length: int | None = None) -> KeyBlock:
    return KeyBlock(
        key_format_type=fmt,
        key_value=KeyValue(key_material=material),
        cryptographic_algorithm=algorithm,
        cryptographic_length=length,
    )


def _rsa_private() -> TransparentRSAPrivateKey:
    n = RSA_KEY.private_numbers()
    return TransparentRSAPrivateKey(
        modulus=n.public_numbers.n,
        private_exponent=n.d,
        public_exponent=n.public_numbers.e,
        p=n.p,
        q=n.q,
        prime_exponent_p=n.dmp1,
        prime_exponent_q=n.dmq1,
        crt_coefficient=n.iqmp,
    )


CASES = {
    "symmetric raw": SymmetricKey(key_block=_block("Raw", bytes(range(32)), "AES", 256)),
    "symmetric transparent": SymmetricKey(
        key_block=_block("TransparentSymmetricKey", TransparentSymmetricKey(key=b"\x00" * 16), "AES", 128)
    ),
    "rsa pkcs1 private": PrivateKey(
        key_block=_block(
            "PKCS1",
            RSA_KEY.private_bytes(DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()),
            "RSA",
            2048,
        )
    ),
    "rsa pkcs8 private": PrivateKey(
        key_block=_block(
            "PKCS8",
            RSA_KEY.private_bytes(DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
            "RSA",
            2048,
        )
    ),
    "rsa pkcs1 public": PublicKey(
        key_block=_block("PKCS1", RSA_KEY.public_key().public_bytes(DER, serialization.PublicFormat.PKCS1), "RSA", 2048)
    ),
    "rsa transparent private": PrivateKey(key_block=_block("TransparentRSAPrivateKey", _rsa_private(), "RSA", 2048)),
    "rsa transparent public": PublicKey(
        key_block=_block(
            "TransparentRSAPublicKey",
            TransparentRSAPublicKey(modulus=RSA_KEY.public_key().public_numbers().n, public_exponent=65537),
            "RSA",
            2048,
        )
    ),
    "ec transparent private": PrivateKey(
        key_block=_block(
            "TransparentECPrivateKey",
            TransparentECPrivateKey(recommended_curve="P256", d=EC_KEY.private_numbers().private_value),
            "ECDH",
            256,
        )
    ),
    "ec transparent public": PublicKey(
        key_block=_block(
            "TransparentECPublicKey",
            TransparentECPublicKey(
                recommended_curve="P256",
                q_string=EC_KEY.public_key().public_bytes(
                    serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
                ),
            ),
            "ECDH",
            256,
        )
    ),
    "ed25519 transparent private": PrivateKey(
        key_block=_block(
            "TransparentECPrivateKey",
            TransparentECPrivateKey(
                recommended_curve="CURVEED25519",
                d=int.from_bytes(
                    ED_KEY.private_bytes(RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()), "big"
                ),
            ),
            "Ed25519",
            256,
        )
    ),
    "ed25519 transparent public": PublicKey(
        key_block=_block(
            "TransparentECPublicKey",
            TransparentECPublicKey(
                recommended_curve="CURVEED25519",
                q_string=ED_KEY.public_key().public_bytes(RAW, serialization.PublicFormat.Raw),
            ),
            "Ed25519",
            256,
        )
    ),
    "ed25519 pkcs8 private": PrivateKey(
        key_block=_block(
            "PKCS8",
            ED_KEY.private_bytes(DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
            "Ed25519",
        )
    ),
    "secret data": SecretData(secret_data_type="Password", key_block=_block("Opaque", b"hunter2")),
    "wrapped symmetric": SymmetricKey(key_block=KeyBlock(key_format_type="Raw", key_value=b"\x01" * 40)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_object_round_trips_under_its_type_tag(name):
    obj = CASES[name]
    response = GetResponse(object_type=obj.OBJECT_TYPE, unique_identifier="id", object=obj)
    text = response.to_json()
    assert f'{{"tag":"{obj.TAG}","value":[' in text and '{"tag":"KeyBlock"' in text
    assert '"tag":"Object"' not in text
    again = parse_node(decode(text))
    assert again == response
    assert again.to_json() == text


def test_transparent_rsa_private_key_rebuilds_the_same_key():
    block = CASES["rsa transparent private"].key_block
    m = parse_node(
        decode(
            GetResponse(object_type="PrivateKey", unique_identifier="k", object=PrivateKey(key_block=block)).to_json()
        )
    ).object
    mat = m.key_block.key_value.key_material
    rebuilt = rsa.RSAPrivateNumbers(
        mat.p,
        mat.q,
        mat.private_exponent,
        mat.prime_exponent_p,
        mat.prime_exponent_q,
        mat.crt_coefficient,
        rsa.RSAPublicNumbers(mat.public_exponent, mat.modulus),
    ).private_key()
    assert rebuilt.private_numbers() == RSA_KEY.private_numbers()


def test_certificate_carries_der():
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "t")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(EC_KEY.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(EC_KEY, hashes.SHA256())
    )
    obj = Certificate(certificate_value=cert.public_bytes(DER))
    text = GetResponse(object_type="Certificate", unique_identifier="c", object=obj).to_json()
    assert '{"tag":"Certificate","value":[{"tag":"CertificateType","type":"Enumeration","value":"X509"}' in text
    got = parse_node(decode(text)).object
    assert x509.load_der_x509_certificate(got.certificate_value) == cert
