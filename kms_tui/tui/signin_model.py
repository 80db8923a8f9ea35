"""The sign-in setup form's model: methods, fields, and how they map onto a ckms.toml.

Pure functions (no Textual) so the mapping is tested without a screen. Keys are dotted paths
under ``[http_config]``. Applying a method first clears every sign-in key, like ckms's wizard,
then writes only what the method needs — with the PKCS#12 password always present (ckms
cannot load a PKCS#12 path without it) and ``client_secret`` always present for OAuth2
(ckms 5.26 fails to parse ``oauth2_conf`` without it, even for PKCE).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class FieldSpec:
    label: str
    kind: str = "text"  # text | secret | path
    placeholder: str = ""


FIELDS: dict[str, FieldSpec] = {
    "access_token": FieldSpec("Bearer token", "secret", "token, or secret://…"),
    "tls_client_pem_cert_path": FieldSpec("Client certificate (PEM file)", "path", "/path/to/client.crt"),
    "tls_client_pem_key_path": FieldSpec("Client key (PEM file)", "path", "/path/to/client.key"),
    "tls_client_pkcs12_path": FieldSpec("PKCS#12 file", "path", "/path/to/client.p12"),
    "tls_client_pkcs12_password": FieldSpec("PKCS#12 password (empty if none)", "secret", "password, or secret://…"),
    "oauth2_conf.client_id": FieldSpec("OAuth2 client id"),
    "oauth2_conf.client_secret": FieldSpec("OAuth2 client secret (empty for PKCE)", "secret", "secret, or secret://…"),
    "oauth2_conf.authorize_url": FieldSpec("Authorize URL", placeholder="https://idp.example/authorize"),
    "oauth2_conf.token_url": FieldSpec("Token URL", placeholder="https://idp.example/token"),
    "oauth2_conf.scopes": FieldSpec("Scopes (comma-separated)", placeholder="openid, email"),
    "device_authorization_url": FieldSpec("Device authorization URL (empty: from discovery)"),
}

TOKEN = ("access_token",)
PEM = ("tls_client_pem_cert_path", "tls_client_pem_key_path")
P12 = ("tls_client_pkcs12_path", "tls_client_pkcs12_password")
OAUTH = (
    "oauth2_conf.client_id",
    "oauth2_conf.client_secret",
    "oauth2_conf.authorize_url",
    "oauth2_conf.token_url",
    "oauth2_conf.scopes",
)


@dataclass(frozen=True)
class Method:
    key: str
    label: str
    fields: tuple[str, ...]
    flow: str | None = None  # the OAuth flow kept in settings.toml


METHODS: tuple[Method, ...] = (
    Method("none", "None", ()),
    Method("bearer", "Bearer token", TOKEN),
    Method("pem", "Client certificate (PEM)", PEM),
    Method("pkcs12", "Client certificate (PKCS#12)", P12),
    Method("pem_token", "PEM certificate + token", TOKEN + PEM),
    Method("pkcs12_token", "PKCS#12 certificate + token", TOKEN + P12),
    Method("oauth_pkce", "OAuth2/OIDC: browser (code + PKCE)", OAUTH, "pkce"),
    Method("oauth_device", "OAuth2/OIDC: device code", OAUTH + ("device_authorization_url",), "device"),
    Method("oauth_client_credentials", "OAuth2/OIDC: client credentials", OAUTH, "client_credentials"),
)
BY_KEY = {m.key: m for m in METHODS}
SIGN_IN_KEYS = ("access_token", *PEM, *P12, "oauth2_conf")
NOT_IN_TOML = frozenset({"device_authorization_url"})


FORM_ONLY_KEYS = ("server_url", "verified_cert", "custom_headers", "accept_invalid_certs")
PROXY_KEYS = {
    "url": "proxy.url",
    "basic_auth_username": "proxy.basic_auth_username",
    "basic_auth_password": "proxy.basic_auth_password",
    "exclusion_list": "proxy.exclusion_list",
}


def form_key(path: str) -> str | None:
    """The form field a problem's dotted TOML path is about (``http_config.proxy_params.url``
    -> ``proxy.url``); None for the document as a whole."""
    rest = path.removeprefix("http_config.")
    if rest == path:
        return None
    if rest.startswith("proxy_params"):
        return PROXY_KEYS.get(rest.removeprefix("proxy_params."), "proxy.url")
    for key in (*FIELDS, *FORM_ONLY_KEYS):
        if rest == key or rest.startswith(key + "."):
            return key
    return "oauth2_conf.client_id" if rest.startswith("oauth2_conf") else None


def method_of(http_config: dict, flow: str | None = None) -> str:
    """The form's method for an existing ``[http_config]`` (and the settings' OAuth flow)."""
    if http_config.get("oauth2_conf"):
        return {"device": "oauth_device", "client_credentials": "oauth_client_credentials"}.get(
            flow or "", "oauth_pkce"
        )
    token = bool(http_config.get("access_token"))
    if http_config.get("tls_client_pkcs12_path"):
        return "pkcs12_token" if token else "pkcs12"
    if http_config.get("tls_client_pem_cert_path"):
        return "pem_token" if token else "pem"
    return "bearer" if token else "none"


def _get(tree: dict, dotted: str) -> Any:
    node: Any = tree
    for part in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def form_values(data: dict) -> dict[str, str]:
    """Every form field's text from a document's data (references shown as written)."""
    http = dict(data.get("http_config") or {})
    values = {key: _text(_get(http, key)) for key in FIELDS}
    values["server_url"] = _text(http.get("server_url"))
    values["verified_cert"] = _text(http.get("verified_cert"))
    values["accept_invalid_certs"] = "true" if http.get("accept_invalid_certs") else ""
    proxy = dict(http.get("proxy_params") or {})
    values["proxy.url"] = _text(proxy.get("url"))
    values["proxy.basic_auth_username"] = _text(proxy.get("basic_auth_username"))
    values["proxy.basic_auth_password"] = _text(proxy.get("basic_auth_password"))
    values["proxy.exclusion_list"] = ", ".join(proxy.get("exclusion_list") or [])
    values["custom_headers"] = "\n".join(http.get("custom_headers") or [])
    return values


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _split(text: str, sep: str = ",") -> list[str]:
    return [part.strip() for part in text.replace("\n", sep).split(sep) if part.strip()]


def verified_cert_value(text: str) -> str:
    """PEM text for ``verified_cert``: pasted PEM as is, a path replaced by the file's PEM.

    ckms stores PEM *text* here though its wizard asks for a path; we accept both.
    """
    text = text.strip()
    if not text or text.startswith("-----BEGIN") or text.startswith("secret://"):
        return text
    path = Path(text).expanduser()
    if path.is_file():
        return path.read_text(encoding="utf-8", errors="replace")
    return text  # validation then says it is neither PEM nor a file


def apply_form(document: Any, values: dict[str, str], method_key: str) -> None:
    """Write the form into a ``ProfileDocument`` (tomlkit: untouched lines keep their bytes)."""
    method = BY_KEY[method_key]
    document.set("http_config.server_url", values.get("server_url", "").strip())
    for key in SIGN_IN_KEYS:
        document.delete(f"http_config.{key}")
    for key in method.fields:
        if key in NOT_IN_TOML:
            continue
        value = values.get(key, "").strip()
        if key == "oauth2_conf.scopes":
            document.set(f"http_config.{key}", _split(value))
        elif value or key in ("tls_client_pkcs12_password", "oauth2_conf.client_secret"):
            document.set(f"http_config.{key}", value)
    cert = verified_cert_value(values.get("verified_cert", ""))
    _set_or_delete(document, "http_config.verified_cert", cert)
    _set_or_delete(document, "http_config.accept_invalid_certs", bool(values.get("accept_invalid_certs")))
    proxy_url = values.get("proxy.url", "").strip()
    document.delete("http_config.proxy_params")
    if proxy_url:
        document.set("http_config.proxy_params.url", proxy_url)
        for key in ("basic_auth_username", "basic_auth_password"):
            _set_or_delete(document, f"http_config.proxy_params.{key}", values.get(f"proxy.{key}", "").strip())
        document.set("http_config.proxy_params.exclusion_list", _split(values.get("proxy.exclusion_list", "")))
    headers = _split(values.get("custom_headers", ""), "\n")
    _set_or_delete(document, "http_config.custom_headers", headers)


def _set_or_delete(document: Any, dotted: str, value: Any) -> None:
    if value:
        document.set(dotted, value)
    else:
        document.delete(dotted)
