"""Two real users on one sandbox: one over mutual TLS (a client certificate whose CN is the
user) and one over JWT (a token signed by a local JWKS issuer), as the access, authorization
and authentication fidelity tests need them."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

from tests.server.kmip import Kmip
from tests.server.pki import JwtIssuer, Pki
from tests.support.sandbox import Sandbox, start_sandbox

TLS_USER = "owner@acme"  # authenticated by its client certificate
JWT_USER = "bob@example.com"  # authenticated by a JWT
ROOT = "root@acme"  # a privileged user (over mutual TLS) where privileged_users is configured


@dataclass
class TwoUsers:
    sandbox: Sandbox
    pki: Pki
    issuer: JwtIssuer

    def tls(self, cn: str = TLS_USER, cert: tuple[Path, Path] | None = None) -> Kmip:
        """A client presenting a certificate for ``cn`` (or the given cert/key files)."""
        ctx = ssl.create_default_context(cafile=str(self.pki.ca_file))
        cert_files = cert or self.pki.issue(cn)
        ctx.load_cert_chain(str(cert_files[0]), str(cert_files[1]))
        return Kmip(self.sandbox.url, verify=ctx)

    def jwt(self, token: str | None = None, email: str = JWT_USER) -> Kmip:
        """A client over TLS without a certificate, with a bearer JWT (by default for ``email``)."""
        ctx = ssl.create_default_context(cafile=str(self.pki.ca_file))
        token = token if token is not None else self.issuer.token(email)
        return Kmip(self.sandbox.url, verify=ctx, headers={"Authorization": f"Bearer {token}"})

    def anonymous(self) -> Kmip:
        ctx = ssl.create_default_context(cafile=str(self.pki.ca_file))
        return Kmip(self.sandbox.url, verify=ctx)

    def stop(self) -> None:
        self.sandbox.stop()


def start_two_users(workdir: Path, issuer: JwtIssuer, *, extra_toml: str = "") -> TwoUsers:
    """A sandbox with mutual TLS and JWT authentication both configured."""
    pki = Pki(workdir / "pki")
    server = pki.issue("kms.test", server=True)
    toml = (
        f'default_username = "nobody"\n{extra_toml}'
        f'[tls]\ntls_cert_file = "{server[0]}"\ntls_key_file = "{server[1]}"\n'
        f'clients_ca_cert_file = "{pki.ca_file}"\n'
        f'[idp_auth]\njwt_auth_provider = ["{issuer.issuer},{issuer.url}/jwks,kms"]\n'
    )
    return TwoUsers(start_sandbox(workdir / "sb", config_toml=toml), pki, issuer)
