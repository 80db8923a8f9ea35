"""``azure-kv`` backend: ``secret://<vault>/secrets/<name>[/<version>]``.

``<vault>`` is a vault name (``https://<vault>.vault.azure.net``) or a host[:port] for
sovereign clouds and private endpoints. Authenticates as a service principal from
``AZURE_TENANT_ID``, ``AZURE_CLIENT_ID``, ``AZURE_CLIENT_SECRET`` (``AZURE_AUTHORITY_HOST``
honoured) through azure-identity and azure-keyvault-secrets (extra ``[azure]``).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
)
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient

from kms_tui.config.secrets.refs import BackendFailure

_ENV = ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET")


def parse(body: str) -> tuple[str, str, str | None]:
    parts = body.strip("/").split("/")
    if len(parts) not in (3, 4) or parts[1] != "secrets" or not parts[0] or not parts[2]:
        raise BackendFailure(
            "an azure-kv reference is secret://<vault>/secrets/<name>[/<version>]",
            "e.g. secret://my-vault/secrets/kms-api-token",
        )
    return parts[0], parts[2], parts[3] if len(parts) == 4 else None


def vault_url(vault: str) -> str:
    return f"https://{vault}" if ("." in vault or ":" in vault) else f"https://{vault}.vault.azure.net"


def make_fetcher() -> Callable[[str], str]:
    missing = [name for name in _ENV if not os.environ.get(name)]
    if missing:
        raise BackendFailure(
            f"{', '.join(missing)} not set", "export AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET"
        )
    authority = os.environ.get("AZURE_AUTHORITY_HOST")
    credential = ClientSecretCredential(
        os.environ["AZURE_TENANT_ID"],
        os.environ["AZURE_CLIENT_ID"],
        os.environ["AZURE_CLIENT_SECRET"],
        # A custom authority (Azure Stack, private cloud) has no public instance metadata.
        **({"authority": authority, "disable_instance_discovery": True} if authority else {}),
    )
    clients: dict[str, SecretClient] = {}

    def fetch(body: str) -> str:
        vault, name, version = parse(body)
        url = vault_url(vault)
        custom = not url.endswith(".vault.azure.net")
        try:
            client = clients.get(url) or clients.setdefault(
                url, SecretClient(url, credential, verify_challenge_resource=not custom)
            )
            return str(client.get_secret(name, version).value)
        except ResourceNotFoundError:
            raise BackendFailure(f"no secret {name!r} in {url}", "check the vault and secret name") from None
        except ClientAuthenticationError as exc:
            raise BackendFailure(
                f"Azure refused the service principal ({type(exc).__name__})",
                "check AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET",
            ) from None
        except ServiceRequestError as exc:
            raise BackendFailure(
                f"cannot reach {url}: {type(exc).__name__}", "check the vault name and network"
            ) from None
        except HttpResponseError as exc:
            raise BackendFailure(
                f"Key Vault error {exc.status_code}", "check the access policy for this secret"
            ) from None

    return fetch
