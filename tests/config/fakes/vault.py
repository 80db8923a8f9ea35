"""HashiCorp Vault KV version 2, read path only: ``GET /v1/<mount>/data/<path>``.

Follows the documented API: the token in ``X-Vault-Token``, 403 ``permission denied`` for a bad
token, 404 with ``{"errors": []}`` for a missing path, and the KV v2 envelope
``{"data": {"data": {...}, "metadata": {...}}}``.
"""

from __future__ import annotations

import uuid

from tests.config.fakes.server import JsonHandler

TOKEN = "root-test-token"
SECRETS: dict[tuple[str, str], dict[str, str]] = {}


class VaultHandler(JsonHandler):
    def do_GET(self) -> None:
        if self.headers.get("X-Vault-Token") != TOKEN:
            return self.reply(403, {"errors": ["permission denied"]})
        parts = self.path.split("?")[0].split("/")  # ['', 'v1', mount, 'data', ...]
        if len(parts) >= 5 and parts[1] == "v1" and parts[3] == "data":
            data = SECRETS.get((parts[2], "/".join(parts[4:])))
            if data is not None:
                metadata = {
                    "created_time": "2026-01-01T00:00:00Z",
                    "custom_metadata": None,
                    "deletion_time": "",
                    "destroyed": False,
                    "version": 1,
                }
                return self.reply(
                    200,
                    {
                        "request_id": str(uuid.uuid4()),
                        "lease_id": "",
                        "renewable": False,
                        "lease_duration": 0,
                        "data": {"data": data, "metadata": metadata},
                        "wrap_info": None,
                        "warnings": None,
                        "auth": None,
                        "mount_type": "kv",
                    },
                )
        return self.reply(404, {"errors": []})
