"""Cosmian's `crl_validation_lifecycle` vector (tests/data/conformance_extra, from Cosmian/test_data):
a CA and an end-entity certificate whose crlDistributionPoints names a local CRL file; an empty
CRL, Validate → Valid; the end entity revoked, a CRL listing it, Validate → `…revoked…`.

The vector postdates 5.26.0. Its two pseudo-steps are the runner's (vector_runner.rs on Cosmian's
later branches): `AllocTempFile` picks a path (and its `file://` URL), `GenerateCrl` asks the
server's `GET /certificates/{id}/crl`, an endpoint 5.26.0 does not have: here the test makes the
same CRL with `cryptography` (the issuer's revoked certificates, signed with its private key,
both read from the sandbox). Against 5.26.0's Validate (validate.rs: get_crl_bytes) the vector
as recorded cannot pass, and the sandbox, which follows 5.26.0, answers what 5.26.0 would:
- as recorded (`file://` URL): 5.26.0 skips every non-HTTP URL, so step 10 answers Valid;
- with the bare path in the extension: 5.26.0 reads it, but keeps it in CRL_CACHE_MAP for the
  life of the process, so step 10 still sees step 6's empty CRL and answers Valid;
- with the bare path and the server restarted before step 10 (the cache emptied): every step
  passes, step 10 with `Certificate is revoked or removed from CRL`.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from tests.conftest import DATA
from tests.support.conformance import Step, VectorFailure, VectorRunner, find_all, find_first, load_vector
from tests.support.sandbox import start_sandbox

ROOT = DATA / "conformance_extra" / "vectors"
MANIFEST = ROOT / "fips" / "kmip_operations" / "crl_validation_lifecycle" / "manifest.toml"
REVOKED_STATES = ("Deactivated", "Compromised")


class Harness:
    """The sandbox (restartable on the same database) and the vector's two pseudo-steps."""

    def __init__(self, workdir: Path, *, url_form: str, restart_before: int | None) -> None:
        self.workdir, self.url_form, self.restart_before = workdir, url_form, restart_before
        self.counter = itertools.count()
        self.sandbox = start_sandbox(workdir / "sb0")
        self.http = httpx.Client(base_url=self.sandbox.url, timeout=60)

    def close(self) -> None:
        self.http.close()
        self.sandbox.stop()

    def client_for(self, _identity: str) -> httpx.Client:
        return self.http

    def before_step(self, step: Step) -> None:
        if self.restart_before is not None and step.index + 1 == self.restart_before:
            self.close()
            self.sandbox = start_sandbox(self.workdir / f"sb{next(self.counter)}", db=self.sandbox.db)
            self.http = httpx.Client(base_url=self.sandbox.url, timeout=60)

    # -- pseudo-steps ---------------------------------------------------------------------------
    def alloc_temp_file(self, _step: Step, body: dict, runner: VectorRunner) -> None:
        """vector_runner.rs: execute_alloc_temp_file_step (the path is not created)."""
        name = body.get("capture_as", "temp_file_path")
        path = self.workdir / f"kms_vector_{next(self.counter)}.{body.get('extension', 'tmp')}"
        runner.captures[name] = str(path)
        runner.captures[f"{name}_url"] = path.as_uri() if self.url_form == "file-url" else str(path)
        for extra, template in body.get("additional_captures", {}).items():
            for var, value in list(runner.captures.items()):
                template = template.replace("{{" + var + "}}", value)
            runner.captures[extra] = template

    def generate_crl(self, _step: Step, body: dict, runner: VectorRunner) -> None:
        """What `GET /certificates/{issuer_id}/crl?format=pem` answers on Cosmian's later branches:
        a CRL of the issuer's revoked certificates, signed with its private key; written to
        `output_path` and captured as `crl_file_path`."""
        issuer_id = body["issuer_id"]
        issuer = self._certificate(issuer_id)
        key = self._private_key_of(issuer_id)
        now = datetime.now(UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.subject)
            .last_update(now - timedelta(minutes=1))
            .next_update(now + timedelta(days=7))
        )
        for uid, state in self._objects("Certificate"):
            if state in REVOKED_STATES and uid != issuer_id:
                cert = self._certificate(uid)
                if cert.issuer == issuer.subject:
                    builder = builder.add_revoked_certificate(
                        x509.RevokedCertificateBuilder().serial_number(cert.serial_number).revocation_date(now).build()
                    )
        crl = builder.sign(key, hashes.SHA256())
        path = Path(body["output_path"])
        encoding = serialization.Encoding.PEM if body.get("format", "pem") == "pem" else serialization.Encoding.DER
        path.write_bytes(crl.public_bytes(encoding))
        runner.captures["crl_file_path"] = str(path)

    # -- reading the sandbox ----------------------------------------------------------------------
    def _post(self, op: dict) -> dict:
        r = self.http.post("/kmip/2_1", json=op)
        assert r.status_code == 200, r.text
        return r.json()

    def _objects(self, object_type: str) -> list[tuple[str, str]]:
        return [
            (e["object_id"], e["state"])
            for e in self.http.get("/access/owned").json()
            if e["attributes"].get("ObjectType") == object_type
        ]

    def _certificate(self, uid: str) -> x509.Certificate:
        value = find_first(self._post({"tag": "Export", "value": [_uid(uid)]}), "CertificateValue")  # a revoked one too
        return x509.load_der_x509_certificate(bytes.fromhex(value))

    def _private_key_of(self, cert_uid: str):
        attrs = self._post({"tag": "GetAttributes", "value": [_uid(cert_uid)]})
        links = dict(zip(find_all(attrs, "LinkType"), find_all(attrs, "LinkedObjectIdentifier"), strict=False))
        private = links.get("PrivateKeyLink")
        if private is None:  # the certificate names its public key; that one names its private key
            pk_attrs = self._post({"tag": "GetAttributes", "value": [_uid(links["PublicKeyLink"])]})
            private = dict(
                zip(find_all(pk_attrs, "LinkType"), find_all(pk_attrs, "LinkedObjectIdentifier"), strict=False)
            )["PrivateKeyLink"]
        got = self._post(
            {"tag": "Get", "value": [_uid(private), {"tag": "KeyFormatType", "type": "Enumeration", "value": "PKCS8"}]}
        )
        return serialization.load_der_private_key(bytes.fromhex(find_first(got, "KeyMaterial")), None)


def _uid(value: str) -> dict:
    return {"tag": "UniqueIdentifier", "type": "TextString", "value": value}


def _replay(harness: Harness) -> VectorRunner:
    runner = VectorRunner(
        load_vector(MANIFEST, ROOT),
        harness.client_for,
        pseudo_steps={"AllocTempFile": harness.alloc_temp_file, "GenerateCrl": harness.generate_crl},
        before_step=harness.before_step,
    )
    runner.run()
    return runner


def test_with_the_cache_emptied_before_step_10_every_step_passes(tmp_path):
    harness = Harness(tmp_path, url_form="path", restart_before=10)
    try:
        runner = _replay(harness)
        crl = x509.load_pem_x509_crl(Path(runner.captures["crl_file_path"]).read_bytes())
        assert len(list(crl)) == 1  # the end entity, revoked at step 8
    finally:
        harness.close()


@pytest.mark.parametrize("url_form", ["file-url", "path"], ids=["file-url-skipped", "path-cached"])
def test_as_5_26_step_10_still_answers_valid(tmp_path, url_form):
    """5.26.0 skips a `file://` CRL URL and keeps a CRL file it has read for the life of the
    process: the revoked end entity still validates, as the sandbox (following 5.26.0) says."""
    harness = Harness(tmp_path, url_form=url_form, restart_before=None)
    try:
        with pytest.raises(VectorFailure, match=r"step 10 \(Validate.*expected a failure, the server answered Success"):
            _replay(harness)
    finally:
        harness.close()
