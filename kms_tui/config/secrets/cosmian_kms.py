"""``cosmian-kms`` backend: ``secret://<host>[:<port>]/<object-id>``, read from another KMS.

The object must be a SecretData or an OpaqueObject; its bytes (UTF-8) are the secret. Uses
kms-tui's own :class:`~kms_tui.client.kms_client.KmsClient` (KMIP ``Get``). HTTPS except for
localhost/loopback, which uses http. ``COSMIAN_KMS_SECRET_TOKEN`` is sent as the bearer token;
``COSMIAN_KMS_INSECURE_CERTS=1`` accepts invalid server certificates. The server certificate is
otherwise checked against the system trust store (the profile's ``verified_cert`` and
``accept_invalid_certs`` are for the profile's own KMS, not this one).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kms_tui.config.secrets.refs import BackendFailure
from kms_tui.kmip.ttlv import TTLV

_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}
ENV_TOKEN = "COSMIAN_KMS_SECRET_TOKEN"
ENV_INSECURE = "COSMIAN_KMS_INSECURE_CERTS"

# What to do about a TLS failure, in this backend's terms (the client's own advice names
# profile keys, which do not apply to the secret backend's connection).
_TLS_FIXES = {
    "tls_unknown_ca": f"for a test server set {ENV_INSECURE}=1 to accept its certificate; "
    "otherwise add the CA that issued it to the system trust store",
    "tls_hostname": "write the host name the certificate was issued for in the secret:// reference "
    f"(or set {ENV_INSECURE}=1 for a test server)",
    "tls_expired": f"ask the KMS administrator to renew the server certificate (or set {ENV_INSECURE}=1 "
    "for a test server)",
    "tls_not_tls": "the backend uses https for every host except localhost, 127.0.0.1 and ::1, and this "
    "server does not answer with TLS",
}


def parse(body: str) -> tuple[str, str]:
    """``host[:port]/object-id`` -> (base URL, object id)."""
    host, _, uid = body.partition("/")
    if not host or not uid.strip("/"):
        raise BackendFailure(
            "a cosmian-kms reference is secret://<host>[:<port>]/<object-id>",
            "e.g. secret://kms.example.com:9998/0b8e4a4c-…",
        )
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
    scheme = "http" if name in _LOOPBACK else "https"
    return f"{scheme}://{host}", uid.strip("/")


def secret_bytes(response: TTLV) -> bytes:
    """The bytes of a GetResponse holding a SecretData or OpaqueObject."""
    from kms_tui.client.secrets import NotASecret, value_of

    try:
        return value_of(response)[2]
    except NotASecret as exc:
        fix = "reference a SecretData (or OpaqueObject) holding the secret" if exc.reason == "not_secret" else exc.fix
        raise BackendFailure(exc.message, fix) from None


def _run(coro: Coroutine[Any, Any, bytes]) -> bytes:
    """Run a coroutine to completion, also when called from inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _get(base_url: str, uid: str) -> bytes:
    from kms_tui.client.errors import KmsError, Unreachable
    from kms_tui.client.kms_client import KmsClient
    from kms_tui.client.settings import ConnectionSettings

    http_config: dict[str, Any] = {"server_url": base_url}
    if os.environ.get(ENV_TOKEN):
        http_config["access_token"] = os.environ[ENV_TOKEN]
    if os.environ.get(ENV_INSECURE, "").lower() in ("1", "true", "yes"):
        http_config["accept_invalid_certs"] = True
    try:
        from kms_tui.config.settings import client_options

        async with KmsClient(
            ConnectionSettings.from_http_config(http_config), profile="secret://", **client_options()
        ) as client:
            return secret_bytes(await client.get(uid))
    except Unreachable as exc:
        raise BackendFailure(
            f"cannot reach {base_url}: {exc.message}", _TLS_FIXES.get(exc.reason or "", exc.fix)
        ) from None
    except KmsError as exc:
        raise BackendFailure(
            f"{base_url} answered: {exc.message}", exc.fix or f"check {ENV_TOKEN} and the object id"
        ) from None


def make_fetcher() -> Callable[[str], str]:
    def fetch(body: str) -> str:
        base_url, uid = parse(body)
        raw = _run(_get(base_url, uid))
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BackendFailure("the object's bytes are not UTF-8 text", "store the secret as UTF-8 text") from None

    return fetch
