"""A sandbox restart (a new port written into the ``sandbox`` profile) never pushes the backups
a user made by saving that profile out of the five kept."""

from __future__ import annotations

from kms_tui.config import ProfileStore
from kms_tui.tui.services import sandbox_profile


def test_sandbox_restarts_keep_the_users_own_backups():
    sandbox_profile("http://127.0.0.1:40001", make_active=True)
    store = ProfileStore()
    path = store.path_of("sandbox")
    document = store.load("sandbox")
    document.set("http_config.accept_invalid_certs", True)  # the user's own edit, saved
    store.save("sandbox", document)
    users_backup = path.with_name(path.name + ".1").read_text()
    for port in range(40002, 40010):  # eight restarts, each on a new port
        resolved = sandbox_profile(f"http://127.0.0.1:{port}")
        assert resolved.http_config["server_url"] == f"http://127.0.0.1:{port}"
    assert path.with_name(path.name + ".1").read_text() == users_backup  # still the newest backup
    assert not path.with_name(path.name + ".2").exists()
    assert "accept_invalid_certs = true" in path.read_text()  # the edit itself is kept too
