"""Azure Key Vault secrets plus the Microsoft identity platform token endpoint, over HTTPS.

Key Vault (REST API ``GET /secrets/{name}[/{version}]?api-version=…``): an unauthenticated
request gets 401 with the ``WWW-Authenticate: Bearer authorization=…, resource=…`` challenge
the SDK needs; a missing secret gets 404 ``SecretNotFound``. Identity platform: the tenant's
OpenID configuration and ``POST /{tenant}/oauth2/v2.0/token`` (client credentials), which
checks the client secret (401 ``invalid_client`` otherwise).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs

from tests.config.fakes.server import JsonHandler

TENANT = "00000000-0000-0000-0000-000000000001"
CLIENT_ID = "kms-console"
CLIENT_SECRET = "sp-secret-value"
ACCESS_TOKEN = "fake-aad-token"
SECRETS: dict[str, tuple[str, str]] = {}  # name -> (version, value)


class AzureHandler(JsonHandler):
    def _base(self) -> str:
        return f"https://{self.headers.get('Host')}"

    def do_GET(self) -> None:
        self.body()
        if self.path.startswith(f"/{TENANT}/") and "openid-configuration" in self.path:
            base = f"{self._base()}/{TENANT}"
            return self.reply(
                200,
                {
                    "issuer": f"{base}/v2.0",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                    "jwks_uri": f"{base}/discovery/v2.0/keys",
                },
            )
        if self.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
            challenge = f'Bearer authorization="{self._base()}/{TENANT}", resource="https://vault.azure.net"'
            return self.reply(
                401,
                {"error": {"code": "Unauthorized", "message": "AKV10000: Request is missing a Bearer or PoP token."}},
                {"WWW-Authenticate": challenge},
            )
        match = re.match(r"^/secrets/([^/?]+)(?:/([^/?]*))?\?", self.path)
        if match and match.group(1) in SECRETS:
            version, value = SECRETS[match.group(1)]
            if match.group(2) in (None, "", version):
                return self.reply(
                    200,
                    {
                        "value": value,
                        "id": f"{self._base()}/secrets/{match.group(1)}/{version}",
                        "attributes": {
                            "enabled": True,
                            "created": 1767225600,
                            "updated": 1767225600,
                            "recoveryLevel": "Recoverable+Purgeable",
                        },
                        "tags": {},
                    },
                )
        name = match.group(1) if match else "?"
        message = f"A secret with (name/id) {name} was not found in this key vault."
        return self.reply(404, {"error": {"code": "SecretNotFound", "message": message}})

    def do_POST(self) -> None:
        form = {k: v[0] for k, v in parse_qs(self.body().decode()).items()}
        if self.path != f"/{TENANT}/oauth2/v2.0/token":
            return self.reply(404, {"error": "not_found"})
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return self.reply(
                401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."}
            )
        return self.reply(
            200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": ACCESS_TOKEN}
        )
