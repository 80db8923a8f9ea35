"""TLS context, client certificates, proxy and headers for one KMS, as ckms builds them.

The client certificate from a PKCS#12 bundle is handed to OpenSSL through a 0600 temporary file
that holds the key re-encrypted under a one-time random passphrase and is deleted right after
loading: Python's ``ssl`` module cannot load a key from memory, and this way no plaintext key
ever touches the disk.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import secrets
import ssl
import tempfile
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies, getproxies_environment

import httpx

from kms_tui.client.errors import ConfigurationError
from kms_tui.client.settings import ConnectionSettings, ProxySettings
from kms_tui.safetext import mask_url, visible

# `kms-tui --debug`: which trust, client certificate and proxy a connection uses (never a secret:
# paths, host names and masked URLs only; no key, password, token or header value).
log = logging.getLogger(__name__)
_TLS13_SUITES = {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"}


def build_ssl_context(settings: ConnectionSettings) -> ssl.SSLContext:
    """System trust + ``verified_cert``, ``accept_invalid_certs``, client certificate, ciphers."""
    ctx = ssl.create_default_context()
    log.debug("TLS: connecting to %s", settings.display_url)
    if settings.verified_cert:
        try:
            ctx.load_verify_locations(cadata=settings.verified_cert)  # added to system trust, as ckms
        except (ssl.SSLError, ValueError) as exc:
            raise ConfigurationError(
                f"Invalid configuration: verified_cert is not PEM certificate text ({exc.__class__.__name__})",
                "paste the CA certificate itself (-----BEGIN CERTIFICATE-----…), not a path to it",
            ) from None
    if settings.accept_invalid_certs:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        log.debug("TLS: NOT verifying the server certificate or host name (accept_invalid_certs = true)")
    elif settings.verified_cert:
        log.debug(
            "TLS: verifying server with CA %s (verified_cert) added to the system trust store",
            _subject_of(settings.verified_cert),
        )
    else:
        log.debug("TLS: verifying server with the system trust store (no verified_cert)")
    if settings.tls_client_pem_cert_path:
        log.debug(
            "TLS: client certificate %s, key %s (PEM files)",
            settings.tls_client_pem_cert_path,
            settings.tls_client_pem_key_path,
        )
        _load_pem_client_cert(ctx, settings.tls_client_pem_cert_path, settings.tls_client_pem_key_path or "")
    elif settings.tls_client_pkcs12_path:
        log.debug(
            "TLS: client certificate from PKCS#12 %s (password %s)",
            settings.tls_client_pkcs12_path,
            "given" if settings.tls_client_pkcs12_password else "empty",
        )
        _load_pkcs12_client_cert(ctx, settings.tls_client_pkcs12_path, settings.tls_client_pkcs12_password or "")
    else:
        log.debug("TLS: no client certificate")
    if settings.cipher_suites:
        tls12 = [s for s in settings.cipher_suites.split(":") if s and s not in _TLS13_SUITES]
        if tls12:
            try:
                ctx.set_ciphers(":".join(tls12))
                log.debug("TLS: TLS 1.2 cipher suites %s (TLS 1.3 suites: OpenSSL's defaults)", ":".join(tls12))
            except ssl.SSLError:
                # ckms skips names it does not know; TLS 1.3 defaults still apply
                log.debug("TLS: cipher_suites %s unknown to OpenSSL: its defaults are used", visible(":".join(tls12)))
    return ctx


def _subject_of(pem: str) -> str:
    """The subject of the first certificate in ``pem`` (for the debug log), else a placeholder."""
    if not log.isEnabledFor(logging.DEBUG):
        return ""
    try:
        from cryptography import x509

        return visible(x509.load_pem_x509_certificate(pem.encode()).subject.rfc4514_string())
    except Exception:  # noqa: BLE001 - a debug line must never fail the connection
        return "(subject unreadable)"


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the {what} {path}: {exc.strerror or exc}", f"check {what} path in [http_config]"
        ) from None


def _load_pem_client_cert(ctx: ssl.SSLContext, cert_path: str, key_path: str) -> None:
    key_pem = _read(key_path, "client key file")
    _read(cert_path, "client certificate file")
    if b"ENCRYPTED" in key_pem:
        raise ConfigurationError(
            f"the client key {key_path} is encrypted with a passphrase, which ckms and kms-tui cannot use",
            f"decrypt it once: openssl pkey -in {key_path} -out client.key (then chmod 600 client.key)",
        )
    if not _key_matches_certificate(key_pem, _read(cert_path, "client certificate file")):
        raise ConfigurationError(
            f"the client key {key_path} does not match the certificate {cert_path}",
            "point tls_client_pem_key_path at the key of this certificate",
        )
    try:
        ctx.load_cert_chain(str(Path(cert_path).expanduser()), str(Path(key_path).expanduser()))
    except ssl.SSLError as exc:
        raise ConfigurationError(
            f"cannot load the client certificate {cert_path} / key {key_path}: {exc.reason or exc}",
            "both files must be PEM (certificate chain; PKCS#8 or traditional key)",
        ) from None


def _key_matches_certificate(key_pem: bytes, cert_pem: bytes) -> bool:
    """True when the first certificate of the chain is for this key (unparseable: let OpenSSL say)."""
    from cryptography import x509  # only with a client certificate: not on every command's path
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
        cert = x509.load_pem_x509_certificate(cert_pem)
    except (ValueError, TypeError):
        return True
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    pem = serialization.Encoding.PEM
    return key.public_key().public_bytes(pem, spki) == cert.public_key().public_bytes(pem, spki)


def _load_pkcs12_client_cert(ctx: ssl.SSLContext, path: str, password: str) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    data = _read(path, "PKCS#12 file")
    loaded = None
    for candidate in [password.encode()] if password else [b"", None]:
        try:
            loaded = pkcs12.load_key_and_certificates(data, candidate)
            break
        except ValueError:
            continue
    if loaded is None:
        raise ConfigurationError(
            f"cannot open the PKCS#12 file {path}: wrong password or not a PKCS#12 bundle",
            "check tls_client_pkcs12_password",
        )
    key, cert, extra = loaded
    if key is None or cert is None:
        raise ConfigurationError(f"the PKCS#12 file {path} holds no private key and certificate")
    one_time = secrets.token_bytes(32)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(one_time),
    )
    pem += cert.public_bytes(serialization.Encoding.PEM)
    for c in extra or []:
        pem += c.public_bytes(serialization.Encoding.PEM)
    fd, tmp = tempfile.mkstemp(prefix="kms-tui-p12-", suffix=".pem")  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        ctx.load_cert_chain(tmp, password=one_time)
    except ssl.SSLError as exc:
        raise ConfigurationError(f"cannot use the PKCS#12 bundle {path}: {exc.reason or exc}") from None
    finally:
        os.unlink(tmp)


def certificate_subject(path: str) -> str:
    """The subject CN of a PEM client certificate (for whoami and the audit trail)."""
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(_read(path, "client certificate file"))
    cns = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(cns[0].value) if cns else cert.subject.rfc4514_string()


def static_headers(settings: ConnectionSettings) -> dict[str, str]:
    """Headers ckms sends on every request, except Authorization (added per request)."""
    headers = {"Content-Type": "application/json"}
    if settings.vault_token:
        headers["X-Vault-Token"] = settings.vault_token
    if settings.database_secret:
        headers["DatabaseSecret"] = settings.database_secret  # exactly as ckms (client.rs:355)
    for name, value in settings.custom_headers:
        headers[name] = value
    return headers


def build_proxy(proxy: ProxySettings) -> httpx.Proxy:
    """An httpx proxy with ckms's authentication: basic auth, else the custom header."""
    headers = {}
    if proxy.basic_auth_username:
        raw = f"{proxy.basic_auth_username}:{proxy.basic_auth_password or ''}".encode()
        headers["Proxy-Authorization"] = "Basic " + base64.b64encode(raw).decode()
    elif proxy.custom_auth_header:
        headers["Proxy-Authorization"] = proxy.custom_auth_header
    return httpx.Proxy(proxy.url, headers=headers)


def http_client_kwargs(settings: ConnectionSettings, timeout: float) -> dict[str, Any]:
    """Keyword arguments for ``httpx.AsyncClient`` talking to this KMS."""
    kwargs: dict[str, Any] = {
        "base_url": settings.server_url,
        # only what read_body can decompress in bounded steps (httpx would add br/zstd when their
        # libraries are installed); a custom Accept-Encoding header still wins
        "headers": {"Accept-Encoding": "gzip, deflate", **static_headers(settings)},
        "timeout": httpx.Timeout(timeout),
        "limits": httpx.Limits(max_connections=20, max_keepalive_connections=10),
    }
    if settings.server_url.startswith("https"):
        kwargs["verify"] = build_ssl_context(settings)
    elif settings.proxy is None and not any(str(url).lower().startswith("https") for url in getproxies().values()):
        # Plain http:// and no TLS proxy: httpx would still load the whole system trust store
        # (~15 ms a start). A verifying context that trusts nothing instead: any TLS use fails closed.
        kwargs["verify"] = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if settings.proxy is not None:
        # A configured proxy replaces the environment (ckms ignores HTTPS_PROXY/NO_PROXY).
        kwargs["trust_env"] = False
        effective = settings.effective_proxy
        if effective is not None:
            kwargs["proxy"] = build_proxy(effective)
        _log_proxy(settings)
    else:
        kwargs["trust_env"] = True  # HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment
        if log.isEnabledFor(logging.DEBUG):
            _log_environment_proxy(settings)
    return kwargs


def _log_proxy(settings: ConnectionSettings) -> None:
    """The configured proxy decision (``[http_config.proxy_params]``), for ``--debug``."""
    proxy = settings.proxy
    assert proxy is not None
    if settings.effective_proxy is None:
        log.debug("proxy: %s is on the proxy's exclusion_list: connecting directly", visible(settings.host))
        return
    if proxy.basic_auth_username:
        auth = f"basic auth as {visible(proxy.basic_auth_username)}"
    elif proxy.custom_auth_header:
        auth = "a custom Proxy-Authorization header"
    else:
        auth = "no authentication"
    log.debug("proxy: through %s (proxy_params, %s); HTTP(S)_PROXY and NO_PROXY are ignored", mask_url(proxy.url), auth)


def environment_proxy(settings: ConnectionSettings) -> tuple[str | None, bool]:
    """The proxy the environment names for this server's scheme (HTTPS_PROXY, HTTP_PROXY,
    ALL_PROXY), and whether NO_PROXY sends this server around it."""
    env = getproxies_environment()
    url = env.get(urlsplit(settings.server_url).scheme) or env.get("all")
    # proxy_bypass_environment: undocumented but public since Python 2 (urllib's own proxy_bypass
    # uses it); not in typeshed
    return url, bool(url) and bool(urllib.request.proxy_bypass_environment(settings.host))  # type: ignore[attr-defined]


def _log_environment_proxy(settings: ConnectionSettings) -> None:
    """What the environment's proxy variables mean for this server, for ``--debug``."""
    url, bypassed = environment_proxy(settings)
    if not url:
        log.debug("proxy: none (no proxy_params, no HTTP(S)_PROXY in the environment): connecting directly")
    elif bypassed:
        log.debug(
            "proxy: %s is in NO_PROXY: connecting directly, not through %s", visible(settings.host), mask_url(url)
        )
    else:
        log.debug("proxy: through %s (from the environment)", mask_url(url))


CLOSE_WAIT_S = 0.5  # a TLS close waits for the peer's close_notify; a probe does not wait longer


async def close_stream(writer: asyncio.StreamWriter | None, wait: float = CLOSE_WAIT_S) -> None:
    """Close a probe's connection and know it is closed before going on: a TLS stream left
    closing when its event loop ends (a headless command's) keeps its socket open (a leaked
    descriptor, a ResourceWarning wherever it is collected). Aborted when it will not close."""
    if writer is None:
        return
    closed = False
    try:
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), wait)
        closed = True
    except Exception:  # noqa: BLE001 - reset, TLS alert, timeout: it is aborted below
        pass
    finally:
        if not closed:
            writer.transport.abort()
