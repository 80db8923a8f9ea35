"""`kms-tui doctor`: each test breaks exactly one link of a real path (sandboxes over TLS with
certificates made here, a real forward proxy, a JWT issuer serving its JWKS) and checks that the
doctor stops there, with the fix and the exit code."""

from __future__ import annotations

import gc
import socket
import ssl
import threading
import time
from pathlib import Path

import psutil
import pytest

from kms_tui.doctor import Doctor
from tests.client.conftest import write_conf
from tests.client.support.certs import issue
from tests.client.support.fault_proxy import RefusingProxy
from tests.server.pki import JwtIssuer
from tests.support.hostile import HostileServer
from tests.support.sandbox import start_sandbox

ALICE = "alice@example.com"


def doctor(kms_cli, tmp_path, http_config: dict, name: str = "prof"):
    conf = write_conf(tmp_path / f"{name}.toml", http_config)
    result = kms_cli("doctor", "--conf", conf, "--json", "--timeout", "5")
    report = result.json
    return result.code, report, {c["check"]: c for c in report["checks"]}


def broken_at(report: dict) -> str:
    return report["broken"]


def tls_conf(sb, pki, **extra) -> dict:
    return {"server_url": sb.url, "verified_cert": pki.ca.cert_pem.decode(), **extra}


def mtls_doctor(kms_cli, tmp_path, start_tls_sandbox, pki, cert_of, key_of=None):
    """The doctor on a sandbox asking for client certificates, with ``cert_of``'s certificate and
    ``key_of``'s key (default: its own)."""
    cert, key = pki.write(cert_of, f"client-{id(cert_of)}")
    if key_of is not None:
        _, key = pki.write(key_of, f"client-{id(key_of)}")
    conf = tls_conf(
        start_tls_sandbox(client_ca=True), pki, tls_client_pem_cert_path=str(cert), tls_client_pem_key_path=str(key)
    )
    return doctor(kms_cli, tmp_path, conf)


@pytest.fixture(scope="module")
def issuer():
    with JwtIssuer.running("rsa-1") as iss:
        yield iss


@pytest.fixture
def jwt_sandbox(tmp_path, issuer):
    toml = f'[idp_auth]\njwt_auth_provider = ["{issuer.issuer},{issuer.url}/jwks,kms"]\n'
    sb = start_sandbox(tmp_path / "jwt", config_toml=toml)
    yield sb
    sb.stop()


# -- a healthy path ---------------------------------------------------------------------------------
def test_a_healthy_tls_path_passes_every_link(kms_cli, tmp_path, start_tls_sandbox, pki):
    code, report, checks = doctor(kms_cli, tmp_path, tls_conf(start_tls_sandbox(), pki))
    assert code == 0 and report["ok"] and report["broken"] is None
    assert [c["status"] for c in report["checks"] if c["check"] != "tls"] == ["ok"] * 8
    # the test CA issues for 10 days: verified, with the 30-day expiry warning
    assert checks["tls"]["status"] == "warn"
    assert "verified, but the server's certificate expires in" in checks["tls"]["summary"]
    assert "5.26" in checks["server"]["summary"] and "FIPS mode no" in checks["server"]["summary"]
    assert "admin may create objects" in checks["rights"]["summary"]


def test_text_output_names_the_broken_link_and_its_fix(kms_cli, tmp_path, unused_tcp_port):
    conf = write_conf(tmp_path / "p.toml", {"server_url": f"http://127.0.0.1:{unused_tcp_port}"})
    result = kms_cli("doctor", "--conf", conf)
    assert result.code == 4
    assert "✗ tcp" in result.out and "→ check the port in server_url" in result.out
    assert "broken at: tcp (exit 4)" in result.out
    assert "· tls" in result.out  # later links are not walked


# -- one broken link each ---------------------------------------------------------------------------
def test_config_link_a_profile_without_server_url(kms_cli, tmp_path):
    code, report, checks = doctor(kms_cli, tmp_path, {"accept_invalid_certs": True})
    assert code == 3 and broken_at(report) == "config"
    assert "invalid configuration" in checks["config"]["summary"]
    assert any("server_url" in line for line in checks["config"]["details"])


def test_dns_link_a_host_that_does_not_resolve(kms_cli, tmp_path):
    code, report, checks = doctor(kms_cli, tmp_path, {"server_url": "https://kms.no-such-host.invalid:9998"})
    assert code == 4 and broken_at(report) == "dns"
    assert "cannot resolve kms.no-such-host.invalid" in checks["dns"]["summary"]
    assert "getent hosts kms.no-such-host.invalid" in checks["dns"]["fix"]


def test_tcp_link_nothing_listens(kms_cli, tmp_path, unused_tcp_port):
    code, report, checks = doctor(kms_cli, tmp_path, {"server_url": f"https://127.0.0.1:{unused_tcp_port}"})
    assert code == 4 and broken_at(report) == "tcp"
    assert "refused the connection" in checks["tcp"]["summary"]


def test_proxy_link_wrong_proxy_password(kms_cli, tmp_path, start_tls_sandbox, pki, forward_proxy):
    sb = start_tls_sandbox()
    conf = tls_conf(
        sb,
        pki,
        proxy_params={
            "url": forward_proxy.url,
            "basic_auth_username": "user",
            "basic_auth_password": "wrong-password",
            "exclusion_list": [".corp.example"],
        },
    )
    code, report, checks = doctor(kms_cli, tmp_path, conf)
    assert code == 4 and broken_at(report) == "proxy"
    assert "407" in checks["proxy"]["summary"] and "refused the credentials" in checks["proxy"]["fix"]
    assert "127.0.0.1 matches no entry, so it goes through the proxy" in checks["proxy"]["details"]
    assert "wrong-password" not in str(report)
    # the same proxy with the right password carries the whole path, TLS through the tunnel
    conf["proxy_params"]["basic_auth_password"] = "pass"
    code, report, checks = doctor(kms_cli, tmp_path, conf, "good")
    assert code == 0, report
    assert "tunnel to 127.0.0.1" in checks["proxy"]["summary"]
    assert f"CONNECT {sb.url.split('//')[1]}" in forward_proxy.access_log("CONNECT")


def test_proxy_link_a_proxy_that_refuses_the_tunnel(kms_cli, tmp_path, start_tls_sandbox, pki):
    sb = start_tls_sandbox()
    refusing = RefusingProxy().start()
    try:
        code, report, checks = doctor(
            kms_cli, tmp_path, tls_conf(sb, pki, proxy_params={"url": refusing.url, "exclusion_list": []})
        )
    finally:
        refusing.stop()
    assert code == 4 and broken_at(report) == "proxy"
    assert "refused a tunnel to 127.0.0.1:" in checks["proxy"]["summary"] and "403" in checks["proxy"]["summary"]
    assert "allow CONNECT" in checks["proxy"]["fix"]
    assert 'add "127.0.0.1" to proxy_params.exclusion_list' in checks["proxy"]["fix"]


def test_proxy_link_the_exclusion_list_sends_the_host_direct(kms_cli, tmp_path, sandbox, unused_tcp_port):
    dead = f"http://127.0.0.1:{unused_tcp_port}"
    conf = {"server_url": sandbox.url, "proxy_params": {"url": dead, "exclusion_list": []}}
    code, report, checks = doctor(kms_cli, tmp_path, conf)
    assert code == 4 and broken_at(report) == "tcp" and "the proxy 127.0.0.1" in checks["tcp"]["summary"]
    conf["proxy_params"]["exclusion_list"] = ["127.0.0.1"]
    code, report, checks = doctor(kms_cli, tmp_path, conf, "excluded")
    assert code == 0
    assert "matches the exclusion_list entry '127.0.0.1'" in checks["proxy"]["summary"]


def test_proxy_link_from_the_environment_and_no_proxy(kms_cli, tmp_path, sandbox, unused_tcp_port, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{unused_tcp_port}")
    monkeypatch.setenv("NO_PROXY", "")
    code, report, checks = doctor(kms_cli, tmp_path, {"server_url": sandbox.url})
    assert code == 4 and broken_at(report) == "tcp" and "proxy" in checks["tcp"]["fix"]
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    code, report, checks = doctor(kms_cli, tmp_path, {"server_url": sandbox.url}, "np")
    assert code == 0 and "NO_PROXY" in checks["proxy"]["summary"]


def test_tls_link_an_expired_server_certificate(kms_cli, tmp_path, start_tls_sandbox, pki):
    code, report, checks = doctor(kms_cli, tmp_path, tls_conf(start_tls_sandbox(pki.server_expired), pki))
    assert code == 4 and broken_at(report) == "tls"
    assert "the server's certificate expired on" in checks["tls"]["summary"]
    assert "renew" in checks["tls"]["fix"]


def test_tls_link_a_certificate_for_another_host(kms_cli, tmp_path, start_tls_sandbox, pki):
    other = issue(pki.ca, "kms.test", server=True, hosts=("kms.test",))
    code, report, checks = doctor(kms_cli, tmp_path, tls_conf(start_tls_sandbox(other), pki))
    assert code == 4 and broken_at(report) == "tls"
    assert "is for kms.test, not 127.0.0.1" in checks["tls"]["summary"]
    assert "https://NAME:" in checks["tls"]["fix"]


def test_tls_link_names_the_missing_ca(kms_cli, tmp_path, start_tls_sandbox, pki):
    sb = start_tls_sandbox()
    code, report, checks = doctor(kms_cli, tmp_path, {"server_url": sb.url})
    assert code == 4 and broken_at(report) == "tls"
    assert "its issuer 'CN=kms-tui test CA' is missing" in checks["tls"]["summary"]
    assert "verified_cert is not set" in checks["tls"]["summary"]
    assert "PEM text of the CA 'CN=kms-tui test CA' in verified_cert" in checks["tls"]["fix"]


def test_tls_link_verified_cert_pinned_to_another_ca(kms_cli, tmp_path, start_tls_sandbox, pki):
    sb = start_tls_sandbox()
    conf = {"server_url": sb.url, "verified_cert": pki.other_ca.cert_pem.decode()}
    code, report, checks = doctor(kms_cli, tmp_path, conf)
    assert code == 4 and broken_at(report) == "tls"
    assert "verified_cert holds 'CN=another CA', not that CA" in checks["tls"]["summary"]
    assert "replace verified_cert" in checks["tls"]["fix"]


def test_client_certificate_link_an_expired_certificate(kms_cli, tmp_path, start_tls_sandbox, pki):
    code, report, checks = mtls_doctor(kms_cli, tmp_path, start_tls_sandbox, pki, pki.alice_expired)
    assert code == 3 and broken_at(report) == "client_certificate"
    assert "your client certificate expired on" in checks["client_certificate"]["summary"]


def test_client_certificate_link_a_key_of_another_certificate(kms_cli, tmp_path, start_tls_sandbox, pki):
    code, report, checks = mtls_doctor(kms_cli, tmp_path, start_tls_sandbox, pki, pki.alice, key_of=pki.bob)
    assert code == 3 and broken_at(report) == "client_certificate"
    assert "does not match the certificate" in checks["client_certificate"]["summary"]


def test_client_certificate_link_a_ca_the_server_does_not_trust(kms_cli, tmp_path, start_tls_sandbox, pki):
    code, report, checks = mtls_doctor(kms_cli, tmp_path, start_tls_sandbox, pki, pki.stranger)
    assert code == 2 and broken_at(report) == "client_certificate", report
    assert "refused the client certificate" in checks["client_certificate"]["summary"]
    assert "clients_ca_cert_file" in checks["client_certificate"]["fix"]


def test_client_certificate_link_a_legacy_pkcs12_cipher(kms_cli, tmp_path, start_tls_sandbox, pki):
    p12 = pki.alice.write_p12(tmp_path / "alice-legacy.p12", "secret-p12", legacy=True)
    conf = tls_conf(
        start_tls_sandbox(client_ca=True), pki, tls_client_pkcs12_path=str(p12), tls_client_pkcs12_password="secret-p12"
    )
    code, report, checks = doctor(kms_cli, tmp_path, conf)
    check = checks["client_certificate"]
    assert check["status"] == "warn" and code == 0  # this machine's OpenSSL opens it; a FIPS build would not
    assert "pbeWithSHAAnd3-KeyTripleDES-CBC" in check["summary"] and "FIPS" in check["summary"]
    assert "-keypbe AES-256-CBC" in check["fix"]
    assert checks["token"]["summary"].endswith("(the client certificate)")
    assert "secret-p12" not in str(report)
    modern = pki.alice.write_p12(tmp_path / "alice.p12", "secret-p12")
    conf["tls_client_pkcs12_path"] = str(modern)
    code, report, checks = doctor(kms_cli, tmp_path, conf, "modern")
    check = checks["client_certificate"]
    assert "the server did not refuse it" in check["summary"] and "pbe" not in check["summary"]


def test_server_link_a_web_server_that_is_not_a_kms(kms_cli, tmp_path):
    page = HostileServer("html-404").start()
    try:
        code, report, checks = doctor(kms_cli, tmp_path, {"server_url": page.url})
    finally:
        page.stop()
    assert code == 4 and broken_at(report) == "server"  # /version is public: a 404 means no KMS there
    assert "404" in checks["server"]["summary"] and "PAGE-BODY-MARKER" not in str(report)


def test_token_link_an_expired_token(kms_cli, tmp_path, jwt_sandbox, issuer):
    token = issuer.token(ALICE, ttl=-600)
    code, report, checks = doctor(kms_cli, tmp_path, {"server_url": jwt_sandbox.url, "access_token": token})
    assert code == 2 and broken_at(report) == "token"
    assert "the token expired 10 min ago" in checks["token"]["summary"]
    assert "kms-tui login" in checks["token"]["fix"]
    assert token not in str(report)


def test_token_link_an_issuer_the_profile_does_not_sign_in_with(kms_cli, tmp_path, jwt_sandbox, issuer):
    token = issuer.token(ALICE, iss="https://idp.other.example/")
    conf = {
        "server_url": jwt_sandbox.url,
        "access_token": token,
        "oauth2_conf": {
            "client_id": "kms",
            "authorize_url": f"{issuer.url}/authorize",
            "token_url": f"{issuer.url}/token",
            "scopes": ["openid"],
            "issuer": issuer.issuer,
        },
    }
    code, report, checks = doctor(kms_cli, tmp_path, conf)
    assert code == 2 and broken_at(report) == "token", report
    assert (
        f"the token's issuer is 'https://idp.other.example/', the profile signs in with '{issuer.issuer}'"
        in checks["token"]["summary"]
    )


def test_token_link_an_audience_the_profile_does_not_ask_for(kms_cli, tmp_path, jwt_sandbox, issuer):
    conf = {
        "server_url": jwt_sandbox.url,
        "access_token": issuer.token(ALICE, aud="billing"),
        "oauth2_conf": {
            "client_id": "kms",
            "authorize_url": f"{issuer.url}/authorize",
            "scopes": ["openid"],
            "token_url": f"{issuer.url}/token",
            "audience": "kms",
        },
    }
    code, report, checks = doctor(kms_cli, tmp_path, conf)
    assert code == 2 and broken_at(report) == "token"
    assert "the token's audience is 'billing', the profile asks for 'kms'" in checks["token"]["summary"]


def test_token_link_an_audience_the_server_does_not_accept(kms_cli, tmp_path, jwt_sandbox, issuer):
    token = issuer.token(ALICE, aud="billing")
    code, report, checks = doctor(kms_cli, tmp_path, {"server_url": jwt_sandbox.url, "access_token": token})
    assert code == 2 and broken_at(report) == "token"
    assert "the server refused the credentials" in checks["token"]["summary"]
    assert f"issuer '{issuer.issuer}' and the audience 'billing'" in checks["token"]["fix"]
    assert "audience: 'billing'" in checks["token"]["details"]
    # the right audience: accepted, and the rights are read for that user
    code, report, checks = doctor(
        kms_cli, tmp_path, {"server_url": jwt_sandbox.url, "access_token": issuer.token(ALICE)}, "good"
    )
    assert code == 0 and f"the server knows you as {ALICE}" in checks["token"]["summary"]


async def test_token_link_clock_skew_against_the_server_date(jwt_sandbox, issuer):
    token = issuer.token(ALICE, ttl=-300)  # expired 5 min ago (server's clock); this clock is 15 min behind
    doc = Doctor({"server_url": jwt_sandbox.url, "access_token": token}, now=lambda: time.time() - 900, timeout=5)
    report = await doc.run()
    server = next(c for c in report.checks if c.name == "server")
    assert server.status == "warn" and "15 min behind the server's" in server.summary
    assert report.broken.name == "token" and report.exit_code == 2
    assert "by the server's clock" in report.broken.summary and "NTP" in report.broken.fix


def test_token_link_no_credentials_for_a_server_that_wants_them(kms_cli, tmp_path, jwt_sandbox):
    code, report, checks = doctor(kms_cli, tmp_path, {"server_url": jwt_sandbox.url})
    assert code == 2 and broken_at(report) == "token"
    assert "the profile has none" in checks["token"]["summary"]


def test_rights_link_a_user_without_the_create_right(kms_cli, tmp_path, issuer):
    toml = f'privileged_users = ["{ALICE}"]\n[idp_auth]\njwt_auth_provider = ["{issuer.issuer},{issuer.url}/jwks"]\n'
    sb = start_sandbox(tmp_path / "priv", config_toml=toml)
    try:
        code, report, checks = doctor(
            kms_cli, tmp_path, {"server_url": sb.url, "access_token": issuer.token("bob@example.com")}
        )
        assert code == 0 and checks["rights"]["status"] == "warn"
        assert "bob@example.com may not create objects" in checks["rights"]["summary"]
        code, report, checks = doctor(
            kms_cli, tmp_path, {"server_url": sb.url, "access_token": issuer.token(ALICE)}, "alice"
        )
        assert checks["rights"]["status"] == "ok" and "privileged" in checks["rights"]["summary"]
    finally:
        sb.stop()


class _TlsThatNeverSaysGoodbye:
    """A TLS server on loopback that answers each request with a KMS's /version and then holds
    the connection for HOLD_S without answering the client's close_notify (a slow or busy
    server): a client that does not wait for its TLS close leaves the socket open."""

    HOLD_S = 30.0  # longer than the doctor's walk: its closes are pending when it ends

    def __init__(self, cert: Path, key: Path) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                raw, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        try:
            tls = self.context.wrap_socket(raw, server_side=True)
        except OSError:
            raw.close()
            return
        with tls:
            try:
                tls.settimeout(1.0)
                if b"\r\n\r\n" in tls.recv(65536):
                    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n"
                    tls.sendall(head + b'"5.26.0"')
            except OSError:
                pass
            self.stopped.wait(self.HOLD_S)

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()


@pytest.mark.slow
def test_the_doctor_leaves_no_connection_open_when_it_ends(kms_cli, tmp_path, pki):
    """Every probe's connection is closed (aborted when the server does not answer the TLS
    close) before the report comes: a TLS close left pending when the walk's event loop ended
    kept its socket open until collected (a leaked descriptor and a ResourceWarning)."""
    cert, key = pki.write(pki.server_ip_only, "stubborn")
    server = _TlsThatNeverSaysGoodbye(cert, key)
    gc.disable()  # a leaked socket must still be there to be seen, not collected meanwhile
    try:
        conf = {"server_url": f"https://127.0.0.1:{server.port}", "verified_cert": pki.ca.cert_pem.decode()}
        _, report, checks = doctor(kms_cli, tmp_path, conf)
        assert checks["tls"]["status"] in ("ok", "warn"), checks["tls"]  # the probes did go over TLS
        left = [c for c in psutil.Process().net_connections("tcp") if c.raddr and c.raddr.port == server.port]
    finally:
        gc.enable()
        server.stop()
    assert not left, left
