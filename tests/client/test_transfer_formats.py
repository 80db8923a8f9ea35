"""What an import file is read as, without a server: the detection a user relies on when no
``--format`` is given, ckms's refusals for PEM content it does not import, and the bytes each
export format writes from an answer."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kms_tui.client.transfer import export_files, import_files
from kms_tui.kmip import transfer
from kms_tui.kmip.ttlv import TTLV
from tests.client.support.certs import issue, make_ca

DER, PEM, NOENC = ser.Encoding.DER, ser.Encoding.PEM, ser.NoEncryption()
RSA = rsa.generate_private_key(65537, 2048)
EC = ec.generate_private_key(ec.SECP384R1())


@pytest.mark.parametrize(
    ("data", "fmt", "described"),
    [
        (RSA.private_bytes(DER, ser.PrivateFormat.PKCS8, NOENC), "pkcs8-priv", "private key RSA 2048"),
        (RSA.private_bytes(DER, ser.PrivateFormat.TraditionalOpenSSL, NOENC), "pkcs1-priv", "private key RSA 2048"),
        (EC.private_bytes(DER, ser.PrivateFormat.TraditionalOpenSSL, NOENC), "sec1", "private key EC secp384r1"),
        (EC.private_bytes(DER, ser.PrivateFormat.PKCS8, NOENC), "pkcs8-priv", "private key EC secp384r1"),
        (EC.public_key().public_bytes(DER, ser.PublicFormat.SubjectPublicKeyInfo), "pkcs8-pub", "public key EC"),
        (RSA.public_key().public_bytes(DER, ser.PublicFormat.PKCS1), "pkcs1-pub", "public key RSA 2048"),
        (bytes(24), "aes", "AES 192 bits"),
    ],
    ids=["rsa-pkcs8", "rsa-pkcs1", "ec-sec1", "ec-pkcs8", "ec-spki", "rsa-pkcs1-pub", "raw-aes-192"],
)  # keys are random:
# ids from their bytes would differ between xdist workers
def test_detection_of_der_and_raw_files(data, fmt, described):
    plan = import_files.read_file(data)
    assert plan.format == fmt and plan.detected
    assert described in plan.descriptions[0]
    assert data.hex() not in plan.summary()  # never a byte of the key in the preview


def test_certificates_single_chain_and_refusals():
    root = make_ca("formats root")
    leaf = issue(root, "formats leaf")
    one = import_files.read_file(leaf.cert.public_bytes(PEM))
    assert one.format == "pem" and "formats leaf" in one.descriptions[0] and "formats root" in one.descriptions[0]
    chain = import_files.read_file(leaf.cert.public_bytes(PEM) + root.cert.public_bytes(PEM))
    assert chain.format == "chain" and len(chain.objects) == 2
    ops = import_files.requests(chain, import_files.ImportOptions(uid="leaf-id"))
    assert [op.get_value("UniqueIdentifier") for op in ops] == ["", "leaf-id"]  # root first, the id on the leaf
    assert import_files.read_file(leaf.cert.public_bytes(DER)).format == "der"
    mixed = leaf.cert.public_bytes(PEM) + RSA.private_bytes(PEM, ser.PrivateFormat.PKCS8, NOENC)
    with pytest.raises(import_files.ImportFileError, match="both keys and certificates"):
        import_files.read_file(mixed)
    ec_pub = b"-----BEGIN EC PUBLIC KEY-----\nAAAA\n-----END EC PUBLIC KEY-----\n"
    with pytest.raises(import_files.ImportFileError, match="SEC1 should be reserved"):
        import_files.read_file(ec_pub)
    with pytest.raises(import_files.ImportFileError, match="could not be told") as caught:
        import_files.read_file(b"\x01" * 20)
    assert caught.value.exit_code == 3 and "--format" in caught.value.fix


def test_a_pem_with_a_key_pair_imports_the_private_key():
    data = RSA.public_key().public_bytes(PEM, ser.PublicFormat.SubjectPublicKeyInfo) + RSA.private_bytes(
        PEM, ser.PrivateFormat.TraditionalOpenSSL, NOENC
    )
    plan = import_files.read_file(data)
    assert plan.objects[0].tag == "PrivateKey" and "only the private key" in plan.notes[0]


def test_encrypted_pem_needs_its_password():
    data = RSA.private_bytes(PEM, ser.PrivateFormat.PKCS8, ser.BestAvailableEncryption(b"pw"))
    assert import_files.read_file(data).needs_password
    plan = import_files.read_file(data, password="pw")
    der = plan.objects[0].find("KeyBlock/KeyValue/KeyMaterial").value
    assert der == RSA.private_bytes(DER, ser.PrivateFormat.PKCS8, NOENC)
    with pytest.raises(import_files.ImportFileError, match="password"):
        import_files.read_file(data, password="nope")


def _answer(obj: TTLV) -> TTLV:
    return TTLV.struct("GetResponse", [TTLV.enum("ObjectType", obj.tag), TTLV.text("UniqueIdentifier", "u"), obj])


def test_export_bytes_pem_labels_and_base64():
    der = RSA.private_bytes(DER, ser.PrivateFormat.TraditionalOpenSSL, NOENC)
    answer = _answer(transfer.der_key_object("PrivateKey", "PKCS1", der))
    pem = export_files.export_bytes(answer, transfer.EXPORT_FORMATS["pkcs1-pem"])
    assert pem == RSA.private_bytes(PEM, ser.PrivateFormat.TraditionalOpenSSL, NOENC)
    assert export_files.export_bytes(answer, transfer.EXPORT_FORMATS["pkcs1-der"]) == der
    key = bytes(range(32))
    sym = _answer(transfer.symmetric_key_object(key, "AES"))
    assert base64.b64decode(export_files.export_bytes(sym, transfer.EXPORT_FORMATS["base64"])) == key
    assert export_files.holds_material("SymmetricKey", transfer.EXPORT_FORMATS["raw"]) == "symmetric key"
    assert export_files.holds_material("Certificate", transfer.EXPORT_FORMATS["pem"]) is None
    with pytest.raises(export_files.NotExportableAs):
        export_files.check_format(transfer.EXPORT_FORMATS["pkcs8-pem"], "Certificate")


def test_unreadable_embedded_attributes_are_refused_with_the_path():
    import json

    obj = {
        "tag": "SymmetricKey",
        "value": [
            {
                "tag": "KeyBlock",
                "value": [
                    {"tag": "KeyFormatType", "type": "Enumeration", "value": "TransparentSymmetricKey"},
                    {
                        "tag": "KeyValue",
                        "value": [
                            {"tag": "KeyMaterial", "value": [{"tag": "Key", "type": "ByteString", "value": "00" * 16}]},
                            {
                                "tag": "Attributes",
                                "value": [{"tag": "CryptographicLength", "type": "TextString", "value": "x"}],
                            },
                        ],
                    },
                ],
            }
        ],
    }
    plan = import_files.read_file(json.dumps(obj).encode())
    with pytest.raises(import_files.ImportFileError, match="CryptographicLength") as caught:
        import_files.requests(plan, import_files.ImportOptions())
    assert caught.value.exit_code == 3
