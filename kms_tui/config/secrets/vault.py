"""``vault`` backend: HashiCorp Vault KV v2, ``secret://<mount>/<path>[#field]`` (field: ``value``).

Reads ``VAULT_ADDR``, ``VAULT_TOKEN`` (and ``VAULT_NAMESPACE``, ``VAULT_CACERT``,
``VAULT_SKIP_VERIFY`` like the vault CLI) through hvac, the maintained SDK (extra ``[vault]``).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import hvac
import hvac.exceptions
import requests

from kms_tui.config.secrets.refs import BackendFailure


def parse(body: str) -> tuple[str, str, str]:
    """``mount/path/to/secret#field`` -> (mount, path, field)."""
    location, _, field = body.partition("#")
    mount, _, path = location.strip("/").partition("/")
    if not mount or not path:
        raise BackendFailure(
            "a vault reference is secret://<mount>/<path>[#field]", "e.g. secret://secret/kms-console/prod#api_token"
        )
    return mount, path, field or "value"


def make_fetcher() -> Callable[[str], str]:
    addr, token = os.environ.get("VAULT_ADDR"), os.environ.get("VAULT_TOKEN")
    if not addr:
        raise BackendFailure("VAULT_ADDR is not set", "export VAULT_ADDR=https://vault.example.com:8200")
    if not token:
        raise BackendFailure("VAULT_TOKEN is not set", "export VAULT_TOKEN (e.g. from `vault login`)")
    verify: bool | str = os.environ.get("VAULT_CACERT") or True
    if os.environ.get("VAULT_SKIP_VERIFY", "").lower() in ("1", "true"):
        verify = False
    client = hvac.Client(url=addr, token=token, namespace=os.environ.get("VAULT_NAMESPACE"), verify=verify, timeout=15)

    def fetch(body: str) -> str:
        mount, path, field = parse(body)
        try:
            answer = client.secrets.kv.v2.read_secret_version(
                path=path, mount_point=mount, raise_on_deleted_version=True
            )
        except hvac.exceptions.Forbidden:
            raise BackendFailure(
                "Vault refused the token (403 permission denied)", "check VAULT_TOKEN and its policy on this path"
            ) from None
        except hvac.exceptions.InvalidPath:
            raise BackendFailure(
                f"no secret at {mount}/{path} in Vault (404)", "check the mount and path (KV version 2)"
            ) from None
        except hvac.exceptions.VaultError as exc:
            raise BackendFailure(f"Vault error: {type(exc).__name__}", "check the Vault server's logs") from None
        except requests.RequestException as exc:
            raise BackendFailure(
                f"cannot reach Vault at {addr}: {type(exc).__name__}", "check VAULT_ADDR and the network"
            ) from None
        data = (answer.get("data") or {}).get("data") or {}
        if field not in data:
            raise BackendFailure(
                f"the secret has no field {field!r} (fields: {', '.join(sorted(data)) or 'none'})",
                "add #<field> to the reference",
            )
        return str(data[field])

    return fetch
