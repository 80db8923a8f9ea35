"""Two real kms-tui processes saving at the same time never lose an acknowledged save.

Each worker is its own Python process running the real code (the `kms-tui profile import`
command, the profile store, settings.toml); both start together and save for many rounds. A save
that returned without an error is acknowledged; at the end every acknowledged change must be on
disk. Saves that touch different keys of one file are merged onto each other (kms_tui.config.merge),
so none is refused either.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from kms_tui.config import ProfileStore

ROUNDS = 40

WORKER = r"""
import json, os, sys, time
from pathlib import Path
tag, kind, rounds, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
while not go.exists():
    time.sleep(0.001)
from kms_tui.config import ConfigError, ProfileSettings, ProfileStore
store = ProfileStore()
for r in range(rounds):
    try:
        if kind == "import":  # the real command: copies the file, then records its backend in settings.toml
            from kms_tui.cli import main
            code = main(["profile", "import", sys.argv[5], "--name", f"{tag}{r}", "--secret-backend", "vault"])
            if code != 0:
                print(json.dumps({"refused": f"{tag}{r}"}), flush=True)
                continue
        elif kind == "settings":  # different keys of the same settings.toml
            store.set_profile_settings(f"{tag}{r}", ProfileSettings(read_only=True))
        elif kind == "profile":  # different keys of the same ckms.toml
            document = store.load("shared")
            document.set(f"http_config.oauth2_conf.{tag}_{r}", f"value-{r}")
            store.save("shared", document)
    except ConfigError as exc:
        print(json.dumps({"refused": f"{tag}{r}", "why": exc.summary}), flush=True)
        continue
    print(json.dumps({"ack": f"{tag}{r}"}), flush=True)
"""

SHARED = """vendor_id = "cosmian"

[http_config]
server_url = "http://127.0.0.1:9998"

[http_config.oauth2_conf]
client_id = "kms-tui"
authorize_url = "https://idp.example/authorize"
token_url = "https://idp.example/token"
scopes = ["openid"]
"""


def race(tmp_path: Path, kind: str, *extra: str) -> dict[str, list[str]]:
    """Run two workers at once; their acknowledged and refused saves."""
    go = tmp_path / f"go-{kind}"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, tag, kind, str(ROUNDS), str(go), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for tag in ("a", "b")
    ]
    time.sleep(1.0)  # both imported and waiting
    go.touch()
    found: dict[str, list[str]] = {"ack": [], "refused": []}
    for worker in workers:
        out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err
        assert "Traceback" not in err, err
        for line in out.splitlines():
            if line.startswith("{"):
                record = json.loads(line)
                for key in found:
                    if key in record:
                        found[key].append(record[key])
    return found


def test_two_processes_importing_profiles_keep_every_acknowledged_import(tmp_path):
    source = tmp_path / "ckms.toml"
    source.write_text('[http_config]\nserver_url = "http://127.0.0.1:9998"\n')
    found = race(tmp_path, "import", str(source))
    assert len(found["ack"]) == 2 * ROUNDS and found["refused"] == []
    store = ProfileStore()
    names = {p.name for p in store.list()}
    settings = store.settings()
    for name in found["ack"]:
        assert name in names
        assert settings.for_profile(name).secret_backend == "vault", name


def test_two_processes_saving_different_settings_keep_every_acknowledged_save(tmp_path):
    found = race(tmp_path, "settings")
    assert len(found["ack"]) == 2 * ROUNDS and found["refused"] == []
    settings = ProfileStore().settings()
    assert all(settings.for_profile(name).read_only for name in found["ack"])


def test_two_processes_saving_different_keys_of_one_profile_keep_every_acknowledged_save(tmp_path):
    store = ProfileStore()
    store.dir.mkdir(parents=True)
    (store.dir / "shared.toml").write_text(SHARED)
    found = race(tmp_path, "profile")
    assert len(found["ack"]) == 2 * ROUNDS and found["refused"] == []
    document = store.load("shared")
    oauth = document.get("http_config.oauth2_conf")
    for name in found["ack"]:
        tag, r = name[0], name[1:]
        assert oauth.get(f"{tag}_{r}") == f"value-{r}", name
    assert document.get("http_config.server_url") == "http://127.0.0.1:9998"
    assert not list(store.dir.glob(".*.tmp")) and not list(store.dir.glob(".*.lock"))  # nothing left beside it


def test_a_settings_save_over_the_same_key_is_refused_not_lost():
    """Loaded by two windows: the second save changing the key the first one changed is refused
    (nothing silently overwritten); one changing another key is merged."""
    store = ProfileStore()
    for name in ("a", "b"):
        store.dir.mkdir(parents=True, exist_ok=True)
        (store.dir / f"{name}.toml").write_text('[http_config]\nserver_url = "http://127.0.0.1:9"\n')
    first, second, third = store.settings(), store.settings(), store.settings()
    first.active_profile = "a"
    assert store.save_settings(first)
    second.active_profile = "b"
    from kms_tui.config import ConfigError

    try:
        store.save_settings(second)
        raise AssertionError("the second save should have been refused")
    except ConfigError as exc:
        assert "`active_profile`" in str(exc) and "settings.toml" in str(exc)
    third.theme = "textual-light"
    assert store.save_settings(third)
    now = store.settings()
    assert (now.active_profile, now.theme) == ("a", "textual-light")
