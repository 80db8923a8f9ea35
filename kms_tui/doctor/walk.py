"""The doctor's walk along the path to a KMS, link by link, stopping at the first broken one.

Links, in order (:data:`kms_tui.doctor.report.LINKS`): the profile's ``[http_config]``; DNS (of the
proxy's host when a proxy carries the connection); TCP; the proxy (its exclusion list, the
CONNECT tunnel or the forwarded request, its authentication); TLS (the server's certificate:
expiry, host name, the CA that is missing from the system trust and ``verified_cert``); the client
certificate (files, key match, expiry, legacy PKCS#12 ciphers, then whether the server accepts
it); the server (``/version``, FIPS mode, its clock from the ``Date`` header); the token (expiry by
the server's clock, issuer and audience against the profile's, then whether the server accepts
it: ``/me``); the rights (``/access/create``, ``/access/privileged``).

Each broken link gives what is wrong and what to do, and an exit code: 3 the local configuration
(profile, client certificate files), 4 the network path (DNS, TCP, proxy, TLS, an answer that is
not a KMS's), 2 the credentials (a client certificate or token the server refuses, an expired or
foreign token). The rights never break the walk: a missing right is a warning.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12

from kms_tui import exitcodes
from kms_tui.client import errors as client_errors
from kms_tui.client.errors import KmsError
from kms_tui.client.settings import ConnectionSettings
from kms_tui.client.transport import _key_matches_certificate, build_ssl_context, close_stream
from kms_tui.doctor import certs
from kms_tui.doctor import route as net
from kms_tui.doctor.report import FAIL, LINKS, OK, SKIP, WARN, Broken, Check, Report
from kms_tui.safetext import mask_url, visible

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient

UNREACHABLE, CONFIG, AUTH = exitcodes.UNREACHABLE, exitcodes.USAGE, exitcodes.NOT_AUTHENTICATED
SKEW_SECONDS = 60  # Cosmian's JWT leeway (jsonwebtoken's default): beyond it, clocks matter
CERT_WARN_DAYS = 30
_CLIENT_CERT_FIX = (
    "use a client certificate issued by the CA the server trusts (its [tls] clients_ca_cert_file), not expired"
)


class Doctor:
    """Walk the path to the server of ``http_config``.

    ``credentials``: the sign-in session (``bearer_token()``), None for the static token;
    ``issuer``/``audience``: what the profile's sign-in expects in a token; ``now``: this machine's
    clock; ``with_auth=False`` stops after the server link (the console's connection check)."""

    def __init__(
        self,
        http_config: dict[str, Any],
        *,
        profile: str = "",
        credentials: Any = None,
        issuer: str | None = None,
        audience: str | None = None,
        now: Callable[[], float] = time.time,
        timeout: float = 10.0,
        with_auth: bool = True,
        observer: Any = None,
    ) -> None:
        self.http_config = dict(http_config)
        self.profile = profile
        self.credentials = credentials
        self.issuer, self.audience = issuer, audience
        self.now = now
        self.timeout = timeout
        self.with_auth = with_auth
        self.observer = observer  # sees each answered request (--print-kmip)
        self.report = Report(server_url=mask_url(str(self.http_config.get("server_url", ""))), profile=profile)
        self.settings: ConnectionSettings | None = None
        self.route: net.Route | None = None
        self.leaf: x509.Certificate | None = None
        self.server_offset: float | None = None  # server clock - our clock, seconds
        self.user = ""

    async def run(self) -> Report:
        steps: list[tuple[str, Callable[[], Awaitable[Check]]]] = [
            ("config", self.check_config),
            ("dns", self.check_dns),
            ("tcp", self.check_tcp),
            ("proxy", self.check_proxy),
            ("tls", self.check_tls),
            ("client_certificate", self.check_client_certificate),
            ("server", self.check_server),
        ]
        if self.with_auth:
            steps += [("token", self.check_token), ("rights", self.check_rights)]
        assert [n for n, _ in steps] == list(LINKS[: len(steps)])
        broken = False
        for name, step in steps:
            if broken:
                self.report.checks.append(Check(name, SKIP, "not checked: an earlier link is broken"))
                continue
            try:
                check = await step()
            except Broken as exc:
                check = Check(name, FAIL, exc.summary, exc.details, exc.fix, exc.exit_code, exc.reason)
            except KmsError as exc:
                check = Check(name, FAIL, exc.message, [], exc.fix, exc.exit_code, exc.reason)
            broken = check.status == FAIL
            self.report.checks.append(check)
        return self.report

    # -- links -------------------------------------------------------------------------------------
    async def check_config(self) -> Check:
        try:
            self.settings = s = ConnectionSettings.from_http_config(self.http_config)
        except KmsError as exc:
            raise Broken(exc.message, exc.fix, CONFIG, reason="config") from None
        self.route = net.route_of(s)
        details = [f"server: {mask_url(s.server_url)}"]
        if s.tls_client_pem_cert_path or s.tls_client_pkcs12_path:
            details.append("client certificate: " + ("PEM" if s.tls_client_pem_cert_path else "PKCS#12"))
        if s.access_token:
            details.append("access_token: set")
        return Check("config", OK, f"profile {self.profile or '-'}: {mask_url(s.server_url)}", details)

    async def check_dns(self) -> Check:
        r = self._route()
        host, port = r.target
        via = f"the proxy {host}" if r.proxy_host else host
        details = [f"{r.host} is resolved by the proxy"] if r.proxy_host else []
        if _is_ip(host):
            return Check("dns", OK, f"{via} is an IP address: nothing to resolve", details)
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), self.timeout)
        except (socket.gaierror, UnicodeError) as exc:
            where = "proxy_params.url (or HTTPS_PROXY)" if r.proxy_host else "server_url"
            raise Broken(
                f"cannot resolve {via}: {getattr(exc, 'strerror', None) or exc}",
                f"check the host name in {where}; `getent hosts {host}` must print an address "
                "(DNS servers, /etc/hosts, VPN)",
                UNREACHABLE,
                reason="dns",
            ) from None
        except TimeoutError:
            raise Broken(
                f"no DNS answer for {host} within {self.timeout:g} s",
                "check the DNS servers of this machine (/etc/resolv.conf) and the VPN",
                UNREACHABLE,
                reason="dns_timeout",
            ) from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        return Check("dns", OK, f"{host} resolves to {', '.join(addresses[:4])}", details)

    async def check_tcp(self) -> Check:
        r = self._route()
        host, port = r.target
        what = f"the proxy {host}:{port}" if r.proxy_host else f"{host}:{port}"
        try:
            _, writer = await net.open_tcp(r, self.timeout)
        except TimeoutError:
            raise Broken(
                f"no answer from {what} within {self.timeout:g} s",
                "a firewall drops the connection or the host is down: check the network path "
                "(VPN, firewall, security groups)",
                UNREACHABLE,
                reason="tcp_timeout",
            ) from None
        except ConnectionRefusedError:
            fix = (
                "check proxy_params.url (or HTTPS_PROXY) and that the proxy runs"
                if r.proxy_host
                else "check the port in server_url and that the KMS runs (its log says where it listens)"
            )
            raise Broken(
                f"{what} refused the connection: nothing listens there", fix, UNREACHABLE, reason="tcp_refused"
            ) from None
        except OSError as exc:
            raise Broken(
                f"cannot connect to {what}: {exc.strerror or exc}",
                "check the network path to it",
                UNREACHABLE,
                reason="tcp",
            ) from None
        await close_stream(writer)
        return Check("tcp", OK, f"{what} accepts connections")

    async def check_proxy(self) -> Check:
        r = self._route()
        exclusions = self.settings.proxy.exclusion_list if self.settings and self.settings.proxy else ()
        details = [f"exclusion_list: {', '.join(exclusions)}"] if exclusions else []
        if r.bypass:
            why = "NO_PROXY" if r.bypass == "NO_PROXY" else f"the exclusion_list entry '{r.bypass}'"
            return Check("proxy", OK, f"not used: {r.host} matches {why} (direct connection)", details)
        if not r.proxy_host:
            return Check("proxy", OK, "none: direct connection", details)
        details.insert(0, f"proxy: {r.proxy_url} (from {r.proxy_source})")
        if exclusions:
            details.append(f"{r.host} matches no entry, so it goes through the proxy")
        reader, writer = await net.open_tcp(r, self.timeout)
        try:
            if r.tls:
                answer = await net.connect_tunnel(r, reader, writer, self.timeout)
            else:
                answer = await net.get(r, reader, writer, "/version", self.timeout, absolute=True)
        except (ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError) as exc:
            raise Broken(
                f"the proxy {r.proxy_host} did not answer as an HTTP proxy ({visible(str(exc))[:80]})",
                "check proxy_params.url: it must be an HTTP forward proxy",
                UNREACHABLE,
                details=details,
                reason="proxy_not_http",
            ) from None
        finally:
            await close_stream(writer)
        status = f"{answer.status} {visible(answer.reason)}".strip()
        if answer.status == 407:
            fix = (
                "the proxy refused the credentials: correct basic_auth_username/basic_auth_password "
                "(or custom_auth_header) in proxy_params"
                if r.proxy_headers
                else "add basic_auth_username and basic_auth_password (or custom_auth_header) to proxy_params"
            )
            raise Broken(
                f"the proxy {r.proxy_host} wants authentication ({status})",
                fix,
                UNREACHABLE,
                details=details,
                reason="proxy_407",
            )
        if r.tls and not 200 <= answer.status < 300:
            raise Broken(
                f"the proxy {r.proxy_host} refused a tunnel to {r.authority} ({status})",
                f"ask the proxy's administrator to allow CONNECT to {r.authority}; if the KMS is "
                f'reachable directly, add "{r.host}" to proxy_params.exclusion_list',
                UNREACHABLE,
                details=details,
                reason="proxy_refused",
            )
        if not r.tls and answer.status in (502, 503, 504):
            raise Broken(
                f"the proxy {r.proxy_host} could not reach {r.authority} ({status})",
                f'check that the proxy may reach {r.authority}, or add "{r.host}" to proxy_params.exclusion_list',
                UNREACHABLE,
                details=details,
                reason="proxy_upstream",
            )
        what = f"tunnel to {r.authority} opened" if r.tls else f"request to {r.authority} forwarded"
        return Check("proxy", OK, f"{what} through {r.proxy_host}", details)

    async def check_tls(self) -> Check:
        r, s = self._route(), self._settings()
        if not r.tls:
            return Check(
                "tls",
                WARN,
                "plain HTTP: nothing is encrypted (tokens travel in clear)",
                fix="use https:// in server_url when the server has TLS",
            )
        look = ssl.create_default_context()
        look.check_hostname, look.verify_mode = False, ssl.CERT_NONE  # only to read the certificate
        try:
            der = await self._handshake(look)
        except (ssl.SSLError, OSError) as exc:
            found = client_errors.tls_failure(exc, r.host)
            message = found.message if found else f"TLS handshake with {r.host} failed: {exc}"
            raise Broken(
                message,
                (found.fix if found else "") or "check that server_url points at the KMS's TLS port",
                UNREACHABLE,
                reason=found.reason if found else "tls_handshake",
            ) from None
        self.leaf = leaf = x509.load_der_x509_certificate(der)
        details = certs.describe(leaf)
        self.report.peer = [
            f"certificate subject: {leaf.subject.rfc4514_string()}",
            f"issued by: {leaf.issuer.rfc4514_string()}",
            f"valid until: {leaf.not_valid_after_utc:%Y-%m-%d}",
        ]
        if s.accept_invalid_certs:
            problem = self._certificate_problem(leaf)
            because = f" ({problem})" if problem else ""
            return Check(
                "tls",
                WARN,
                "not verified: accept_invalid_certs = true" + because,
                details,
                "use verified_cert with the server's CA instead, outside of tests",
            )
        verify = build_ssl_context(
            dataclasses.replace(
                s, tls_client_pem_cert_path=None, tls_client_pem_key_path=None, tls_client_pkcs12_path=None
            )
        )
        try:
            await self._handshake(verify)
        except ssl.SSLCertVerificationError as exc:
            raise self._verify_failure(exc, leaf, details) from None
        except (ssl.SSLError, OSError) as exc:
            raise Broken(
                f"TLS handshake with {r.host} failed: {exc}", "", UNREACHABLE, details=details, reason="tls_handshake"
            ) from None
        if s.verified_cert:
            details.append("trusted through: verified_cert and the system's CAs")
        left = certs.days_left(leaf, self.now())
        if left < CERT_WARN_DAYS:
            return Check(
                "tls",
                WARN,
                f"verified, but the server's certificate expires in {left:.0f} days",
                details,
                "ask the KMS administrator to renew it",
            )
        return Check("tls", OK, f"certificate verified for {r.host}", details)

    async def check_client_certificate(self) -> Check:
        s, r = self._settings(), self._route()
        if s.tls_client_pem_cert_path:
            cert, warnings = self._pem_identity(s)
        elif s.tls_client_pkcs12_path:
            cert, warnings = self._p12_identity(s)
        else:
            return Check("client_certificate", OK, "none configured")
        details = certs.describe(cert)
        now = self.now()
        if cert.not_valid_after_utc.timestamp() < now:
            raise Broken(
                f"your client certificate expired on {certs.day(cert.not_valid_after_utc)}",
                "ask for a new client certificate and point the profile at it",
                CONFIG,
                details=details,
                reason="client_cert_expired",
            )
        if cert.not_valid_before_utc.timestamp() > now:
            raise Broken(
                f"your client certificate is valid only from {certs.day(cert.not_valid_before_utc)}",
                "check this machine's clock, or wait until then",
                CONFIG,
                details=details,
                reason="client_cert_not_yet_valid",
            )
        if r.tls:
            await self._client_certificate_accepted(details)
        left = certs.days_left(cert, now)
        if left < CERT_WARN_DAYS:
            warnings.append((f"your client certificate expires in {left:.0f} days", "ask for a new one"))
        accepted = ", and the server did not refuse it" if r.tls else " (plain HTTP: not sent)"
        summary = f"{cert.subject.rfc4514_string()}: valid{accepted}"
        if warnings:
            return Check(
                "client_certificate",
                WARN,
                "; ".join([summary, *(w for w, _ in warnings)]),
                details,
                " ".join(f for _, f in warnings),
            )
        return Check("client_certificate", OK, summary, details)

    async def check_server(self) -> Check:
        answer = await self._probe("/version")
        if answer is not None and answer.date is not None:
            self.server_offset = answer.date - self.now()
        async with self._client() as client:
            try:
                version = str(await client.version())
            except KmsError as exc:  # /version is public: a refusal means no KMS answers there
                code = exc.exit_code if exc.exit_code == AUTH else UNREACHABLE
                raise Broken(
                    exc.message,
                    exc.fix
                    or "check that server_url points at a Cosmian KMS (its /version answers without credentials)",
                    code,
                    reason=exc.reason or "server",
                ) from None
            try:
                health = await client.health()
                self.report.health = str(health.get("status", "")) if isinstance(health, dict) else str(health)
            except KmsError:
                self.report.health = ""
            fips = await _fips_mode(client, version)
        self.report.version = version
        details = [f"version: {visible(version)}", f"FIPS mode: {_yes_no(fips)}"]
        if self.report.health:
            details.append(f"health: {visible(self.report.health)}")
        warnings: list[tuple[str, str]] = []
        release = _release(version)
        if release is None:
            warnings.append(
                ("the version is not a Cosmian KMS version", "check that server_url points at a Cosmian KMS")
            )
        elif release < (5, 0):
            warnings.append(
                (
                    f"version {release[0]}.{release[1]} is older than 5.0",
                    "kms-tui follows Cosmian KMS 5.26; expect differences with this server",
                )
            )
        if self.report.health and self.report.health.upper() not in ("UP", "OK"):
            warnings.append((f"health is {visible(self.report.health)}", "see the KMS's log"))
        if self.server_offset is not None:
            details.append(f"clock: {_skew_text(self.server_offset)}")
            if abs(self.server_offset) > SKEW_SECONDS:
                warnings.append(
                    (
                        f"this machine's clock is {_skew_text(self.server_offset)}",
                        "correct the clock (NTP): tokens are judged by the server's clock",
                    )
                )
        if warnings:
            return Check("server", WARN, "; ".join(w for w, _ in warnings), details, " ".join(f for _, f in warnings))
        return Check("server", OK, f"Cosmian KMS {visible(version.split(' ')[0])}, FIPS mode {_yes_no(fips)}", details)

    async def check_token(self) -> Check:
        from kms_tui.auth.tokens import jwt_claims_unverified
        from kms_tui.client import NotAuthenticated

        s = self._settings()
        token = await self.credentials.bearer_token() if self.credentials is not None else s.access_token
        details: list[str] = []
        claims = jwt_claims_unverified(token) if token else None
        if claims:
            details = _claim_lines(claims)
            self._check_claims(claims, details)
        elif token:
            details = ["the token is not a JWT: its expiry cannot be read here"]
        try:
            async with self._client(self.credentials) as client:
                self.user = await client.me()
        except NotAuthenticated as exc:
            if not token and not (s.tls_client_pem_cert_path or s.tls_client_pkcs12_path):
                raise Broken(
                    "the server wants credentials and the profile has none",
                    "sign in (kms-tui login), or set access_token or a client certificate in the profile",
                    AUTH,
                    reason="no_credentials",
                ) from None
            fix = exc.fix
            if claims:
                fix = (
                    f"the server's [idp_auth] jwt_auth_provider must name the issuer "
                    f"'{visible(str(claims.get('iss', '')))}' and the audience {_aud_text(claims)}: compare "
                    "with its administrator, or sign in with the identity provider the server trusts"
                )
            raise Broken(
                f"the server refused the credentials ({visible(exc.message)})",
                fix,
                AUTH,
                details=details,
                reason="token_refused",
            ) from None
        if not token:
            has_cert = s.tls_client_pem_cert_path or s.tls_client_pkcs12_path
            how = "the client certificate" if has_cert else "no credentials"
            return Check("token", OK, f"no token: the server knows you as {visible(self.user)} ({how})", details)
        return Check("token", OK, f"accepted: the server knows you as {visible(self.user)}", details)

    async def check_rights(self) -> Check:
        rights: dict[str, bool | None] = {}
        async with self._client(self.credentials) as client:
            for name, call in (("create", client.access_create), ("privileged", client.access_privileged)):
                try:
                    rights[name] = await call()
                except KmsError:
                    rights[name] = None
        details = [
            f"may create objects (/access/create): {_yes_no(rights['create'])}",
            f"privileged (/access/privileged): {_yes_no(rights['privileged'])}",
        ]
        if rights["create"] is False:
            return Check(
                "rights",
                WARN,
                f"{visible(self.user)} may not create objects on this server",
                details,
                "ask an administrator of the KMS for the create right (kms.toml privileged_users)",
            )
        if None in rights.values():
            return Check("rights", WARN, "the server did not say which rights you have", details)
        return Check(
            "rights",
            OK,
            f"{visible(self.user)} may create objects" + (", privileged" if rights["privileged"] else ""),
            details,
        )

    # -- helpers -----------------------------------------------------------------------------------
    def _client(self, credentials: Any = None) -> Any:
        """The client as commands build it, one attempt per call (the doctor retries nothing)."""
        from kms_tui.client import KmsClient, RetryPolicy

        client = KmsClient(
            self._settings(),
            profile=self.profile or "doctor",
            credentials=credentials,
            retry=RetryPolicy(attempts=1, timeout=self.timeout),
        )
        client.exchange.observer = self.observer
        return client

    def _route(self) -> net.Route:
        assert self.route is not None
        return self.route

    def _settings(self) -> ConnectionSettings:
        assert self.settings is not None
        return self.settings

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A stream to the server along the route (through the proxy's tunnel when there is one)."""
        r = self._route()
        reader, writer = await net.open_tcp(r, self.timeout)
        if r.proxy_host and r.tls:
            answer = await net.connect_tunnel(r, reader, writer, self.timeout)
            if not 200 <= answer.status < 300:
                await close_stream(writer)
                raise OSError(f"the proxy refused the tunnel ({answer.status})")
        return reader, writer

    async def _handshake(self, context: ssl.SSLContext) -> bytes:
        """A TLS handshake along the route; the server's certificate (DER)."""
        _, writer = await self._open()
        try:
            await net.start_tls(self._route(), writer, context, self.timeout)
            tls: ssl.SSLObject = writer.get_extra_info("ssl_object")
            der = tls.getpeercert(binary_form=True)
            if der is None:  # only before the handshake completes
                raise ssl.SSLError("the server sent no certificate")
            return der
        finally:
            await close_stream(writer)

    async def _probe(self, path: str, context: ssl.SSLContext | None = None) -> net.Answer | None:
        """One GET along the route (the client's TLS context, client certificate included)."""
        r = self._route()
        try:
            reader, writer = await self._open()
        except (TimeoutError, OSError):
            return None
        try:
            if r.tls:
                await net.start_tls(r, writer, context or build_ssl_context(self._settings()), self.timeout)
            return await net.get(r, reader, writer, path, self.timeout, absolute=bool(r.proxy_host and not r.tls))
        except (
            TimeoutError,
            ssl.SSLError,
            OSError,
            ValueError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
        ):
            return None
        finally:
            await close_stream(writer)

    async def _client_certificate_accepted(self, details: list[str]) -> None:
        """A request with the client certificate; TLS 1.2 when the first try fails, so that a
        refusal comes as a handshake alert (TLS 1.3 servers refuse after the handshake)."""
        r = self._route()
        context = build_ssl_context(self._settings())
        for attempt in (1, 2):
            if attempt == 2:
                context = build_ssl_context(self._settings())
                context.maximum_version = ssl.TLSVersion.TLSv1_2
            try:
                reader, writer = await self._open()
            except (TimeoutError, OSError):
                return  # the server link will say
            try:
                await net.start_tls(r, writer, context, self.timeout)
                await net.get(r, reader, writer, "/version", self.timeout)
                return
            except ssl.SSLError as exc:
                found = client_errors.tls_failure(exc, r.host)
                if found is not None and found.reason == "tls_client_cert_refused":
                    raise Broken(
                        found.message, _CLIENT_CERT_FIX, AUTH, details=details, reason="client_cert_refused"
                    ) from None
                if attempt == 2:
                    return
            except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError):
                if attempt == 2:
                    raise Broken(
                        f"{r.host} closed the connection after the handshake: it refused the client certificate",
                        _CLIENT_CERT_FIX,
                        AUTH,
                        details=details,
                        reason="client_cert_refused",
                    ) from None
            finally:
                await close_stream(writer)

    def _certificate_problem(self, leaf: x509.Certificate) -> str:
        now = self.now()
        if leaf.not_valid_after_utc.timestamp() < now:
            return f"the certificate expired on {certs.day(leaf.not_valid_after_utc)}"
        if self._route().host not in certs.names(leaf):
            return f"the certificate is for {', '.join(certs.names(leaf))}"
        return ""

    def _verify_failure(self, exc: ssl.SSLCertVerificationError, leaf: x509.Certificate, details: list[str]) -> Broken:
        r, s = self._route(), self._settings()
        code, message = getattr(exc, "verify_code", 0), getattr(exc, "verify_message", "") or str(exc)
        issuer = leaf.issuer.rfc4514_string()
        if code == 10 or leaf.not_valid_after_utc.timestamp() < self.now():
            return Broken(
                f"the server's certificate expired on {certs.day(leaf.not_valid_after_utc)}",
                "ask the KMS administrator to renew it (the files in the server's [tls] table)",
                UNREACHABLE,
                details=details,
                reason="tls_expired",
            )
        if code == 9:
            return Broken(
                f"the server's certificate is valid only from {certs.day(leaf.not_valid_before_utc)}",
                "check this machine's clock and the server's",
                UNREACHABLE,
                details=details,
                reason="tls_not_yet_valid",
            )
        if code == 62 or "mismatch" in message.lower():
            names = ", ".join(certs.names(leaf)) or "no name"
            return Broken(
                f"the server's certificate is for {names}, not {r.host}",
                f"put one of those names in server_url (https://NAME:{r.port}), or have the "
                f"certificate reissued with {r.host} in its subjectAltName",
                UNREACHABLE,
                details=details,
                reason="tls_hostname",
            )
        if code in (2, 18, 19, 20, 21):
            if code == 18:
                summary = "the server's certificate is self-signed and not trusted"
                fix = "put the server's certificate itself (PEM text) in verified_cert"
            else:
                summary = f"no trusted CA for the server's certificate: its issuer '{issuer}' is missing"
                fix = f"put the PEM text of the CA '{issuer}' in verified_cert (ask the KMS administrator for it)"
            pinned = certs.pem_certificates(s.verified_cert or "")
            if pinned:
                held = "; ".join(c.subject.rfc4514_string() for c in pinned)
                same_name = any(c.subject == leaf.issuer for c in pinned)
                summary += (
                    f" (verified_cert holds '{held}': same name, another key — the CA was replaced)"
                    if same_name
                    else f" (verified_cert holds '{held}', not that CA)"
                )
                fix = f"replace verified_cert with the PEM text of the CA '{issuer}'"
            else:
                summary += " from the system's trust store, and verified_cert is not set"
            return Broken(summary, fix, UNREACHABLE, details=details, reason="tls_unknown_ca")
        return Broken(
            f"the server's certificate was rejected: {visible(message)}",
            "",
            UNREACHABLE,
            details=details,
            reason="tls_verify",
        )

    def _pem_identity(self, s: ConnectionSettings) -> tuple[x509.Certificate, list[tuple[str, str]]]:
        cert_path, key_path = str(s.tls_client_pem_cert_path), str(s.tls_client_pem_key_path or "")
        cert_pem, key_pem = _read(cert_path, "tls_client_pem_cert_path"), _read(key_path, "tls_client_pem_key_path")
        try:
            cert = x509.load_pem_x509_certificate(cert_pem)
        except ValueError:
            raise Broken(
                f"{cert_path} is not a PEM certificate",
                "point tls_client_pem_cert_path at the certificate (-----BEGIN CERTIFICATE-----)",
                CONFIG,
                reason="client_cert_unreadable",
            ) from None
        if b"ENCRYPTED" in key_pem:
            raise Broken(
                f"the client key {key_path} is encrypted with a passphrase, which ckms and kms-tui cannot use",
                f"decrypt it once: openssl pkey -in {key_path} -out client.key (then chmod 600 client.key)",
                CONFIG,
                reason="client_key_encrypted",
            )
        if not _key_matches_certificate(key_pem, cert_pem):
            raise Broken(
                f"the client key {key_path} does not match the certificate {cert_path}",
                "point tls_client_pem_key_path at the key of this certificate",
                CONFIG,
                details=certs.describe(cert),
                reason="client_key_mismatch",
            )
        return cert, []

    def _p12_identity(self, s: ConnectionSettings) -> tuple[x509.Certificate, list[tuple[str, str]]]:
        path = str(s.tls_client_pkcs12_path)
        der = _read(path, "tls_client_pkcs12_path")
        legacy = certs.legacy_ciphers(der)
        password = (s.tls_client_pkcs12_password or "").encode()
        loaded = None
        for candidate in [password] if password else [b"", None]:
            try:
                loaded = pkcs12.load_key_and_certificates(der, candidate)
                break
            except ValueError:
                continue
        if loaded is None:
            if legacy and certs.local_openssl_is_fips():
                raise Broken(
                    f"this machine's FIPS OpenSSL cannot open {path}: it is encrypted with {', '.join(legacy)}",
                    certs.REEXPORT,
                    CONFIG,
                    reason="p12_legacy_cipher",
                )
            raise Broken(
                f"cannot open the PKCS#12 file {path}: wrong password or not a PKCS#12 bundle",
                "check tls_client_pkcs12_password",
                CONFIG,
                reason="p12_unreadable",
            )
        key, cert, _extra = loaded
        if key is None or cert is None:
            raise Broken(
                f"the PKCS#12 file {path} holds no private key and certificate",
                "export the bundle with the key and its certificate",
                CONFIG,
                reason="p12_incomplete",
            )
        warnings = []
        if legacy:
            warnings.append(
                (
                    f"{path} is encrypted with {', '.join(legacy)}, which a FIPS build of OpenSSL "
                    "(ckms FIPS, a FIPS host) refuses",
                    certs.REEXPORT,
                )
            )
        return cert, warnings

    def _check_claims(self, claims: dict[str, Any], details: list[str]) -> None:
        exp = claims.get("exp")
        now = self.now()
        if isinstance(exp, (int, float)):
            server_now = now + (self.server_offset or 0.0)
            if exp < server_now - SKEW_SECONDS:
                ago = _duration(server_now - exp)
                summary = f"the token expired {ago} ago"
                fix = "sign in again: kms-tui login" + (f" --profile {self.profile}" if self.profile else "")
                if exp > now - SKEW_SECONDS and self.server_offset is not None:
                    summary += (
                        f" by the server's clock (by this machine's it is still valid: "
                        f"this machine's clock is {_skew_text(self.server_offset)})"
                    )
                    fix = "correct this machine's clock (NTP), then " + fix
                raise Broken(summary, fix, AUTH, details=details, reason="token_expired")
        iss = str(claims.get("iss", ""))
        if self.issuer and iss.rstrip("/") != self.issuer.rstrip("/"):
            raise Broken(
                f"the token's issuer is '{visible(iss)}', the profile signs in with '{visible(self.issuer)}'",
                "sign in again with the profile's identity provider (kms-tui login), or correct oauth2_conf.issuer",
                AUTH,
                details=details,
                reason="token_issuer",
            )
        if self.audience:
            aud = claims.get("aud")
            auds = [aud] if isinstance(aud, str) else list(aud or [])
            if self.audience not in auds:
                raise Broken(
                    f"the token's audience is {_aud_text(claims)}, the profile asks for '{visible(self.audience)}'",
                    "sign in again (kms-tui login); if it stays, the "
                    "identity provider does not put that audience in its tokens: fix its client "
                    "or the profile's audience",
                    AUTH,
                    details=details,
                    reason="token_audience",
                )


def _read(path: str, key: str) -> bytes:
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise Broken(
            f"cannot read {path}: {exc.strerror or exc}",
            f"check {key} in [http_config]",
            CONFIG,
            reason="client_cert_unreadable",
        ) from None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


async def _fips_mode(client: KmsClient, version: str) -> bool | None:
    try:
        info = await client.server_info()
        if isinstance(info.get("fips_mode"), bool):
            return bool(info["fips_mode"])
    except KmsError:
        pass
    if "-FIPS)" in version:
        return True
    if "non-FIPS" in version:
        return False
    return None


def _release(version: str) -> tuple[int, int] | None:
    head = version.strip().split(" ")[0].split(".")
    try:
        return int(head[0]), int(head[1])
    except (ValueError, IndexError):
        return None


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def _duration(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def _skew_text(offset: float) -> str:
    """How this machine's clock compares with the server's (offset = server - ours)."""
    if abs(offset) <= 2:
        return "in step with the server's"
    return f"{_duration(offset)} {'behind' if offset > 0 else 'ahead of'} the server's"


def _aud_text(claims: dict[str, Any]) -> str:
    aud = claims.get("aud")
    if aud is None:
        return "(none)"
    auds = [aud] if isinstance(aud, str) else [str(a) for a in aud]
    return ", ".join(f"'{visible(a)}'" for a in auds)


def _claim_lines(claims: dict[str, Any]) -> list[str]:
    lines = [f"issuer: {visible(str(claims.get('iss', '-')))}", f"audience: {_aud_text(claims)}"]
    exp = claims.get("exp")
    if isinstance(exp, (int, float)):
        lines.append(f"expires: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(exp))}")
    return lines
