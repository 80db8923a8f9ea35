"""The ckms 5.26 client configuration schema (ckms_features.md §1.3-1.7) as pydantic models.

ckms rejects unknown keys at the top level, in ``[http_config]``, ``[proxy_params]`` and
``[gmail_api_conf]`` (serde ``deny_unknown_fields``); ``Oauth2LoginConfig`` (``[oauth2_conf]``)
and ``CosmianAuthServerLoginConfig`` (``[cosmian_conf]``) have no such attribute, so ckms
ignores unknown keys there (we warn, and name the key a near-miss was meant to be). One
deliberate difference: ``oauth2_conf.client_secret`` may be omitted (PKCE), which ckms 5.26
refuses.
"""

from __future__ import annotations

import difflib
import re

from pydantic import BaseModel, ConfigDict, StrictBool, StrictStr


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class OAuth2Conf(BaseModel):
    """``[http_config.oauth2_conf]``: the IdP used by ``ckms login oauth``."""

    model_config = ConfigDict(extra="allow", strict=True)
    client_id: StrictStr
    client_secret: StrictStr | None = None
    authorize_url: StrictStr
    token_url: StrictStr
    scopes: list[StrictStr]


class CosmianConf(BaseModel):
    """``[http_config.cosmian_conf]``: the Auth Verifier used by ``ckms login cosmian``."""

    model_config = ConfigDict(extra="allow", strict=True)
    server_url: StrictStr
    realm: StrictStr  # a plain `String` in ckms: a table without it does not parse


class ProxyParams(_Strict):
    """``[http_config.proxy_params]``: an HTTP CONNECT proxy."""

    url: StrictStr
    basic_auth_username: StrictStr | None = None
    basic_auth_password: StrictStr | None = None
    custom_auth_header: StrictStr | None = None
    exclusion_list: list[StrictStr]


class HttpConfig(_Strict):
    """``[http_config]``: how to reach and authenticate to the KMS."""

    server_url: StrictStr
    accept_invalid_certs: StrictBool | None = None
    verified_cert: StrictStr | None = None
    access_token: StrictStr | None = None
    vault_token: StrictStr | None = None
    tls_client_pem_cert_path: StrictStr | None = None
    tls_client_pem_key_path: StrictStr | None = None
    tls_client_pkcs12_path: StrictStr | None = None
    tls_client_pkcs12_password: StrictStr | None = None
    # Legacy names ckms still accepts (with a deprecation warning) and renames on save.
    ssl_client_pem_cert_path: StrictStr | None = None
    ssl_client_pem_key_path: StrictStr | None = None
    ssl_client_pkcs12_path: StrictStr | None = None
    ssl_client_pkcs12_password: StrictStr | None = None
    database_secret: StrictStr | None = None
    cipher_suites: StrictStr | None = None
    custom_headers: list[StrictStr] | None = None
    oauth2_conf: OAuth2Conf | None = None
    cosmian_conf: CosmianConf | None = None
    proxy_params: ProxyParams | None = None


class GmailApiConf(_Strict):
    """``[gmail_api_conf]``: a Google service-account JSON, every field required."""

    type: StrictStr
    project_id: StrictStr
    private_key_id: StrictStr
    private_key: StrictStr
    client_email: StrictStr
    client_id: StrictStr
    auth_uri: StrictStr
    token_uri: StrictStr
    auth_provider_x509_cert_url: StrictStr
    client_x509_cert_url: StrictStr
    universe_domain: StrictStr


class CkmsConfig(_Strict):
    """A whole ckms.toml (one kms-tui profile)."""

    http_config: HttpConfig
    vendor_id: StrictStr | None = None
    print_json: StrictBool | None = None
    pkcs11_use_pin_as_access_token: StrictBool | None = None
    gmail_api_conf: GmailApiConf | None = None


# Keys of ``[oauth2_conf]`` that kms-tui reads (auth.oauth) and ckms ignores.
OAUTH2_EXTRAS = ("issuer", "device_authorization_endpoint", "revocation_endpoint", "audience", "extra_params")

# Tables where ckms ignores unknown keys instead of refusing the file.
LENIENT_TABLES = ("http_config.oauth2_conf", "http_config.cosmian_conf")

LEGACY_KEYS = {
    "ssl_client_pem_cert_path": "tls_client_pem_cert_path",
    "ssl_client_pem_key_path": "tls_client_pem_key_path",
    "ssl_client_pkcs12_path": "tls_client_pkcs12_path",
    "ssl_client_pkcs12_password": "tls_client_pkcs12_password",
}

# Keys whose value is a credential: masked on display, and they make a file 0600.
SECRET_KEYS = frozenset(
    {
        "http_config.access_token",
        "http_config.vault_token",
        "http_config.tls_client_pkcs12_password",
        "http_config.ssl_client_pkcs12_password",
        "http_config.database_secret",
        "http_config.oauth2_conf.client_secret",
        "http_config.proxy_params.basic_auth_password",
        "http_config.proxy_params.custom_auth_header",
        "gmail_api_conf.private_key",
    }
)

# The names alone (``client_secret``…), for keys found in a table that is not in the schema.
SECRET_NAMES = frozenset(key.rsplit(".", 1)[1] for key in SECRET_KEYS)

_MODELS: dict[str, type[BaseModel]] = {
    "": CkmsConfig,
    "http_config": HttpConfig,
    "http_config.oauth2_conf": OAuth2Conf,
    "http_config.cosmian_conf": CosmianConf,
    "http_config.proxy_params": ProxyParams,
    "gmail_api_conf": GmailApiConf,
}


def allowed_keys(table: str) -> list[str]:
    """The keys ckms 5.26 accepts in ``table`` (dotted path, ``""`` for the top level)."""
    model = _MODELS.get(table)
    if model is None:
        return []
    return [k for k in model.model_fields if k not in LEGACY_KEYS]


def required_keys(table: str) -> list[str]:
    model = _MODELS.get(table)
    return [k for k, f in model.model_fields.items() if f.is_required()] if model else []


def known_keys(table: str) -> list[str]:
    """Every key kms-tui knows in ``table``: ckms's, the legacy names, and kms-tui's OAuth2 extras."""
    extras = {"http_config": tuple(LEGACY_KEYS), "http_config.oauth2_conf": OAUTH2_EXTRAS}.get(table, ())
    return [*allowed_keys(table), *extras]


def near_miss(key: str, known: list[str]) -> str | None:
    """The known key that ``key`` is most likely a misspelling of (``client_secet``,
    ``Client-ID``, ``scope``), or None."""
    plain = key.lower().replace("-", "_")
    if plain != key and plain in known:
        return plain
    found = difflib.get_close_matches(plain, [k for k in known if k != key], n=1, cutoff=0.8)
    return found[0] if found else None


def is_secret_key(path: str) -> bool:
    """True if the value at dotted ``path`` is to be treated as a credential (masked, file 0600).

    A known key is a secret only if it is in SECRET_KEYS, so known non-secret keys stay visible
    (``private_key_id``, ``tls_client_pkcs12_path``, ``token_url``). An unknown key is a secret
    when it is a near-miss of a secret key of its table (the validator's "did you mean", e.g.
    ``client_secet``), or a secret's name in an unknown table, or its name says so (see
    :func:`_named_like_a_secret`).
    """
    path = re.sub(r"\[\d+\]", "", path)  # a list's items are as secret as the list
    if path in SECRET_KEYS:
        return True
    table, _, key = path.rpartition(".")
    known = known_keys(table)
    if key in known:
        return False
    if known:
        guess = near_miss(key, known)
        misspelt = guess is not None and f"{table}.{guess}" in SECRET_KEYS
    else:  # a table the schema does not have (a misspelt one): any secret's name counts
        misspelt = key.lower().replace("-", "_") in SECRET_NAMES or near_miss(key, sorted(SECRET_NAMES)) is not None
    return misspelt or _named_like_a_secret(key)


_SECRET_WORDS = frozenset({"secret", "password", "passwd", "passphrase", "credential", "credentials"})
_PLACE_WORDS = frozenset({"url", "uri", "endpoint", "path", "file"})


def _named_like_a_secret(key: str) -> bool:
    """A name with secret/password/passphrase in it, ending in token, or naming a key's password or
    a private/API key (``api_token``, ``keyPassword``, ``pem_key_pass``). A name ending in a place
    (url, uri, endpoint, path, file) names where a credential is or is served, not the credential:
    ``token_endpoint``, ``password_file`` stay visible (a near-miss such as ``client_secret_file``
    is still masked by :func:`is_secret_key`: the validator takes it for ``client_secret``)."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key).lower().replace("-", "_").split("_")
    words = [w for w in words if w]
    if not words or words[-1] in _PLACE_WORDS:
        return False
    joined = "_".join(words)
    return (
        not _SECRET_WORDS.isdisjoint(words)
        or words[-1] == "token"
        or re.search(r"key_?pass", joined) is not None
        or joined.endswith(("private_key", "api_key"))
    )


# Headers whose value is a credential whatever its name says (``Cookie``), and words that make a
# header name one (``X-API-Key``, ``X-Auth-Token``, ``Proxy-Authorization``), case-insensitive.
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_CREDENTIAL_HEADER_WORDS = ("key", "token", "secret", "auth", "password")


def _is_header_entry(path: str) -> bool:
    """Whether dotted ``path`` is an entry of ``custom_headers`` (or of a misspelt ``custom_header``)."""
    key = re.sub(r"\[\d+\]", "", path).rpartition(".")[2]
    return key == "custom_headers" or near_miss(key, ["custom_headers"]) is not None


def secret_header_name(path: str, value: str) -> str | None:
    """The header's name when ``value`` at dotted ``path`` is a ``custom_headers`` entry (or one of a
    misspelt ``custom_header``) whose value is a credential (``Authorization: Bearer …``,
    ``X-API-Key: …``), else None. The name decides; only the part after ``:`` is the secret."""
    if not _is_header_entry(path):
        return None
    name, sep, secret = value.partition(":")
    name = name.strip()
    lowered = name.lower()
    if not sep or not secret.strip():
        return None
    if lowered in _CREDENTIAL_HEADERS or any(word in lowered for word in _CREDENTIAL_HEADER_WORDS):
        return name
    return None


def malformed_header(path: str, value: str) -> bool:
    """True if ``value`` at dotted ``path`` is a ``custom_headers`` entry that is not
    ``Name: Value`` (``Authorization Bearer …``): where its name ends is unknown, so all of it
    is treated as a possible credential (masked, never echoed in messages)."""
    if not _is_header_entry(path):
        return False
    name, sep, rest = value.partition(":")
    return not (sep and name.strip() and " " not in name.strip() and rest.strip())


def holds_credential(path: str, value: str) -> bool:
    """True if the literal string ``value`` at dotted ``path`` is (or carries) a credential: a
    secret key (:func:`is_secret_key`), a credential header (:func:`secret_header_name`) or a
    header entry too malformed to tell (:func:`malformed_header`)."""
    return bool(value) and (
        is_secret_key(path) or secret_header_name(path, value) is not None or malformed_header(path, value)
    )
