"""Connection settings read from the ckms ``[http_config]`` table (ckms_features §1.4–1.6).

Secrets (token, PKCS#12 password, database secret, proxy password, custom headers) are kept out
of ``repr`` so that a settings object printed in a traceback or a log never shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from kms_tui.client.errors import ConfigurationError
from kms_tui.safetext import mask_url

# ckms still accepts the pre-5.18 names and maps them onto the tls_* keys (new name wins).
_LEGACY_ALIASES = {
    "ssl_client_pkcs12_path": "tls_client_pkcs12_path",
    "ssl_client_pkcs12_password": "tls_client_pkcs12_password",
    "ssl_client_pem_cert_path": "tls_client_pem_cert_path",
    "ssl_client_pem_key_path": "tls_client_pem_key_path",
}


@dataclass(frozen=True)
class ProxySettings:
    """``[http_config.proxy_params]``: the forward proxy the KMS is reached through."""

    url: str
    basic_auth_username: str | None = None
    basic_auth_password: str | None = field(default=None, repr=False)
    custom_auth_header: str | None = field(default=None, repr=False)
    exclusion_list: tuple[str, ...] = ()

    def __repr__(self) -> str:  # the URL may carry user:password
        return f"ProxySettings(url={mask_url(self.url)!r}, basic_auth_username={self.basic_auth_username!r})"

    def bypasses(self, host: str) -> bool:
        """ckms's rule: an exact host match, or a suffix match for entries starting with ``.``."""
        host = host.lower().rstrip(".")
        for entry in self.exclusion_list:
            entry = entry.strip().lower()
            if not entry:
                continue
            if entry.startswith("."):
                if host.endswith(entry):
                    return True
            elif host == entry:
                return True
        return False

    @property
    def host(self) -> str:
        parts = urlsplit(self.url)
        return parts.hostname or self.url


@dataclass(frozen=True)
class ConnectionSettings:
    """Everything needed to open a connection to one KMS."""

    server_url: str
    access_token: str | None = field(default=None, repr=False)
    vault_token: str | None = field(default=None, repr=False)
    accept_invalid_certs: bool = False
    verified_cert: str | None = field(default=None, repr=False)
    tls_client_pem_cert_path: str | None = None
    tls_client_pem_key_path: str | None = None
    tls_client_pkcs12_path: str | None = None
    tls_client_pkcs12_password: str | None = field(default=None, repr=False)
    database_secret: str | None = field(default=None, repr=False)
    cipher_suites: str | None = None
    custom_headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    proxy: ProxySettings | None = None

    def __repr__(self) -> str:  # secrets left out, a password in the URL masked
        return (
            f"ConnectionSettings(server_url={mask_url(self.server_url)!r}, "
            f"accept_invalid_certs={self.accept_invalid_certs!r}, "
            f"tls_client_pem_cert_path={self.tls_client_pem_cert_path!r}, "
            f"tls_client_pkcs12_path={self.tls_client_pkcs12_path!r}, proxy={self.proxy!r})"
        )

    @classmethod
    def from_http_config(cls, http_config: Mapping[str, Any]) -> ConnectionSettings:
        """Build settings from a ckms ``[http_config]`` dict; raise ConfigurationError like ckms."""
        conf = dict(http_config)
        for old, new in _LEGACY_ALIASES.items():
            if old in conf:
                conf.setdefault(new, conf.pop(old))
        url = str(conf.get("server_url") or "").strip()
        if not url:
            raise ConfigurationError("Invalid configuration: server_url is missing", "set [http_config] server_url")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(
                f"Invalid configuration: server_url '{mask_url(url)}' is not an http(s) URL",
                "write it as https://host:port",
            )
        pem_cert, pem_key = conf.get("tls_client_pem_cert_path"), conf.get("tls_client_pem_key_path")
        p12 = conf.get("tls_client_pkcs12_path")
        if (pem_cert or pem_key) and p12:
            raise ConfigurationError("Invalid configuration: cannot use both PKCS#12 and PEM client authentication")
        if bool(pem_cert) != bool(pem_key):
            raise ConfigurationError("Invalid configuration: both PEM certificate and key paths must be provided")
        if p12 and "tls_client_pkcs12_password" not in conf:
            raise ConfigurationError(
                "Invalid configuration: PKCS#12 password must be provided with PKCS#12 path",
                'add tls_client_pkcs12_password (use "" for a bundle without password)',
            )
        return cls(
            server_url=url.rstrip("/"),
            access_token=conf.get("access_token") or None,
            vault_token=conf.get("vault_token") or None,
            accept_invalid_certs=bool(conf.get("accept_invalid_certs", False)),
            verified_cert=conf.get("verified_cert") or None,
            tls_client_pem_cert_path=pem_cert or None,
            tls_client_pem_key_path=pem_key or None,
            tls_client_pkcs12_path=p12 or None,
            tls_client_pkcs12_password=conf.get("tls_client_pkcs12_password") if p12 else None,
            database_secret=conf.get("database_secret") or None,
            cipher_suites=conf.get("cipher_suites") or None,
            custom_headers=_parse_headers(conf.get("custom_headers") or []),
            proxy=_parse_proxy(conf.get("proxy_params")),
        )

    @property
    def host(self) -> str:
        return urlsplit(self.server_url).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.server_url)
        return parts.port or (443 if parts.scheme == "https" else 80)

    @property
    def display_url(self) -> str:
        """The server URL without user info or query: safe for logs and the audit trail."""
        parts = urlsplit(self.server_url)
        netloc = parts.hostname or ""
        if ":" in netloc:
            netloc = f"[{netloc}]"  # IPv6
        if parts.port:
            netloc += f":{parts.port}"
        return mask_url(f"{parts.scheme}://{netloc}{parts.path}")

    @property
    def effective_proxy(self) -> ProxySettings | None:
        """The configured proxy unless the KMS host is on its exclusion list."""
        if self.proxy is None or self.proxy.bypasses(self.host):
            return None
        return self.proxy


def _parse_headers(raw: Any) -> tuple[tuple[str, str], ...]:
    if isinstance(raw, str):
        raw = [raw]
    headers: list[tuple[str, str]] = []
    for entry in raw:
        name, sep, value = str(entry).partition(":")
        if not sep or not name.strip() or " " in name.strip():
            raise ConfigurationError(  # the entry itself is not shown: it may hold a credential
                f"Invalid custom header #{len(headers) + 1}: expected 'Name: Value' format"
            )
        headers.append((name.strip(), value.strip()))
    return tuple(headers)


def _parse_proxy(raw: Any) -> ProxySettings | None:
    if not raw:
        return None
    if not isinstance(raw, Mapping):
        raise ConfigurationError("Invalid configuration: proxy_params must be a table")
    url = str(raw.get("url") or "").strip()
    parts = urlsplit(url)
    if not url or not parts.scheme or not parts.hostname:
        raise ConfigurationError(f"Invalid proxy URL: '{mask_url(url)}'", "write proxy_params.url as http://host:port")
    if "://" in url and parts.port is None and parts.scheme not in ("http", "https"):
        url = f"{url.rstrip('/')}:8080"  # ckms: scheme's port, else 8080
    exclusions = raw.get("exclusion_list") or []
    if isinstance(exclusions, str):
        exclusions = [e.strip() for e in exclusions.split(",")]
    return ProxySettings(
        url=url,
        basic_auth_username=raw.get("basic_auth_username") or None,
        basic_auth_password=raw.get("basic_auth_password") or None,
        custom_auth_header=raw.get("custom_auth_header") or None,
        exclusion_list=tuple(str(e) for e in exclusions),
    )
