"""The sandbox's server configuration: the subset of Cosmian's ``kms.toml`` that applies.

:func:`config_from_dict` is the single place that turns a parsed TOML document into a
:class:`ServerConfig`; :func:`load_config` reads the file first. Paths written as
``test_data/...`` (Cosmian's regression configs) resolve against ``test_data_root`` when given,
otherwise against the config file's directory and its parents; other relative paths resolve
against the config file's directory.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_USERNAME = "admin"
DEFAULT_VENDOR = "cosmian"


class ServerConfigError(ValueError):
    """The server TOML cannot be used; the message says which key and what to do."""


@dataclass(frozen=True)
class JwtProvider:
    """One ``jwt_auth_provider`` entry: ``ISSUER,JWKS_URI,AUD1,AUD2…``."""

    issuer: str
    jwks_uri: str
    audiences: tuple[str, ...] = ()


@dataclass
class TlsSettings:
    """Server TLS files (PEM pair or PKCS#12) and the CA that signs client certificates."""

    cert_file: Path | None = None
    key_file: Path | None = None
    p12_file: Path | None = None
    p12_password: str | None = field(default=None, repr=False)
    clients_ca_cert_file: Path | None = None

    @property
    def enabled(self) -> bool:
        return self.p12_file is not None or self.cert_file is not None


@dataclass
class ServerConfig:
    """Everything the sandbox needs to know besides its database path."""

    default_username: str = DEFAULT_USERNAME
    privileged_users: list[str] | None = None
    vendor_identification: str = DEFAULT_VENDOR
    hostname: str = "127.0.0.1"
    port: int | None = None
    tls: TlsSettings = field(default_factory=TlsSettings)
    api_token_id: str | None = None
    jwt_providers: list[JwtProvider] = field(default_factory=list)
    force_default_username: bool = False
    # Cosmian's `auto_rotation_check_interval_secs` (0: no scheduler). Cosmian refuses 1-59; the
    # sandbox takes any positive number of seconds (tests run it every second).
    auto_rotation_check_interval_secs: float = 0

    @property
    def cert_auth(self) -> bool:
        return self.tls.enabled and self.tls.clients_ca_cert_file is not None

    @property
    def auth_configured(self) -> bool:
        """Cosmian's ``auth_is_configured``: any failure is then a 401."""
        return bool(self.jwt_providers) or self.cert_auth or self.api_token_id is not None


def parse_jwt_provider(text: str) -> JwtProvider:
    """``ISSUER[,JWKS_URI[,AUD…]]``; the JWKS defaults to ``<issuer>/.well-known/jwks.json``."""
    parts = [p.strip() for p in text.split(",")]
    issuer = parts[0]
    if not issuer:
        raise ServerConfigError(f"idp_auth.jwt_auth_provider {text!r}: the issuer URL is empty")
    jwks = parts[1] if len(parts) > 1 and parts[1] else issuer.rstrip("/") + "/.well-known/jwks.json"
    return JwtProvider(issuer, jwks, tuple(a for a in parts[2:] if a))


def _resolver(base_dir: Path, test_data_root: Path | None) -> Callable[[Any, str], Path | None]:
    def resolve(value: Any, key: str) -> Path | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ServerConfigError(f"{key} must be a path string")
        path = Path(value).expanduser()
        if path.is_absolute():
            return path
        if value.startswith("test_data/"):
            rest = Path(value[len("test_data/") :])
            candidates = [test_data_root / rest] if test_data_root else []
            candidates += [d / rest for d in (base_dir, *base_dir.parents)]
            candidates += [d / path for d in (base_dir, *base_dir.parents)]
            for c in candidates:
                if c.exists():
                    return c
            hint = "pass --test-data-root DIR (the directory that test_data/ stands for)"
            raise ServerConfigError(f"{key} = {value!r}: file not found; {hint}")
        return base_dir / path

    return resolve


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ServerConfigError(f"[{name}] must be a table")
    return value


def _str_list(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ServerConfigError(f"{key} must be a string or a list of strings")


def config_from_dict(
    data: dict[str, Any], *, base_dir: Path | None = None, test_data_root: Path | None = None
) -> ServerConfig:
    """Turn a parsed server TOML document into a typed :class:`ServerConfig`.

    Keys outside the subset that applies to the sandbox are ignored, as Cosmian ignores
    sections it does not use. TLS keys are read from ``[tls]`` (5.x) or ``[http]``.
    """
    resolve = _resolver(base_dir or Path.cwd(), test_data_root)
    cfg = ServerConfig()
    if "default_username" in data:
        cfg.default_username = str(data["default_username"])
    if data.get("privileged_users") is not None:
        cfg.privileged_users = _str_list(data["privileged_users"], "privileged_users")
    vendor = data.get("vendor_identification") or data.get("vendor_id")
    if vendor:
        cfg.vendor_identification = str(vendor)
    cfg.force_default_username = bool(data.get("force_default_username", False))
    interval = data.get("auto_rotation_check_interval_secs", 0)
    if isinstance(interval, bool) or not isinstance(interval, (int, float)) or interval < 0:
        raise ServerConfigError("auto_rotation_check_interval_secs must be 0 (disabled) or a number of seconds")
    cfg.auto_rotation_check_interval_secs = interval
    http = _table(data, "http")
    tls = {**http, **_table(data, "tls")}
    if "hostname" in http:
        cfg.hostname = str(http["hostname"])
    if "port" in http:
        if not isinstance(http["port"], int) or not 0 <= http["port"] <= 65535:
            raise ServerConfigError("http.port must be an integer between 0 and 65535")
        cfg.port = http["port"]
    cfg.tls = TlsSettings(
        cert_file=resolve(tls.get("tls_cert_file"), "tls_cert_file"),
        key_file=resolve(tls.get("tls_key_file"), "tls_key_file"),
        p12_file=resolve(tls.get("tls_p12_file"), "tls_p12_file"),
        p12_password=tls.get("tls_p12_password"),
        clients_ca_cert_file=resolve(tls.get("clients_ca_cert_file"), "clients_ca_cert_file"),
    )
    if cfg.tls.cert_file and not cfg.tls.key_file:
        raise ServerConfigError("tls_cert_file is set but tls_key_file is missing")
    token = http.get("api_token_id", data.get("api_token_id"))
    if token:
        cfg.api_token_id = str(token)
    idp = _table(data, "idp_auth")
    if idp.get("jwt_auth_provider"):
        entries = _str_list(idp["jwt_auth_provider"], "idp_auth.jwt_auth_provider")
        cfg.jwt_providers = [parse_jwt_provider(e) for e in entries]
    return cfg


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a server TOML file (raises :class:`ServerConfigError` with what went wrong)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ServerConfigError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ServerConfigError(f"{path} is not valid TOML: {exc}") from None


def load_config(path: Path, *, test_data_root: Path | None = None, data: dict[str, Any] | None = None) -> ServerConfig:
    """Read and type a server TOML file (raises :class:`ServerConfigError`).

    ``data`` is the file's already parsed (and, by the command layer, secret-resolved) content;
    relative paths in it still resolve against the file's directory.
    """
    data = read_toml(path) if data is None else data
    return config_from_dict(data, base_dir=path.resolve().parent, test_data_root=test_data_root)
