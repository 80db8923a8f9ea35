"""The console's start (settings and active profile, before the welcome screen) loads no heavy library."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from kms_tui.config import ProfileStore

HEAVY = ("pydantic", "tomlkit", "cryptography")
PROBE = """
import json, sys
from kms_tui.config import ProfileStore, resolve_connection
from kms_tui.config.store import settings_path
store = ProfileStore()
print(json.dumps({"settings": settings_path(store.root).exists(), "active": store.active(),
                  "loaded": sorted({m.split(".")[0] for m in sys.modules} & set(%r))}))
"""


def start_in(home: str) -> dict:
    """What a fresh process sees and loads when it looks for the active profile in ``home``."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE % (HEAVY,)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "KMS_TUI_HOME": home},
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_a_first_start_loads_no_settings_model(tmp_path):
    """No settings.toml yet: nothing is active, and pydantic, tomlkit and cryptography stay unloaded
    (about 200 ms that the welcome screen no longer waits for)."""
    assert start_in(str(tmp_path / "home")) == {"settings": False, "active": None, "loaded": []}


def test_the_active_profile_is_still_read_from_settings():
    store = ProfileStore()  # in the test's own KMS_TUI_HOME
    store.create("alpha", "https://kms.example:9998")
    store.set_active("alpha")
    seen = start_in(os.environ["KMS_TUI_HOME"])
    assert seen["settings"] is True and seen["active"] == "alpha" and "pydantic" in seen["loaded"]
