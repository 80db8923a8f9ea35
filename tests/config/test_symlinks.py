"""A symbolic link planted where kms-tui keeps one of its files is never followed.

For each file (audit trail and its -wal/-shm, credential cache, profile, settings.toml, backup,
temp and lock file) a link is planted at its path, once to a victim file and once dangling; the
real command (or the real store/cache code) runs; the victim keeps its content and mode, nothing
is created where the dangling link points, and the message names the link and says to remove it.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from kms_tui import paths
from kms_tui.audit import AuditEntry, AuditTrail, default_path
from kms_tui.config import ConfigError, ProfileStore
from tests.client.support.commands import kms_tui

PROFILE = '[http_config]\nserver_url = "http://127.0.0.1:9"\n'
VICTIM_TEXT = "precious: not kms-tui's\n"


class Plant:
    """A link at ``path``: to a victim file (0644) or dangling; checks nothing went through it."""

    def __init__(self, tmp_path: Path, path: Path, kind: str) -> None:
        self.path, self.kind = path, kind
        self.target = tmp_path / f"victim-{path.name}"
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "victim":
            self.target.write_text(VICTIM_TEXT)
            self.target.chmod(0o644)
        path.symlink_to(self.target)

    def untouched(self) -> None:
        assert self.path.is_symlink(), "the link itself is left for the user to remove"
        if self.kind == "victim":
            assert self.target.read_text() == VICTIM_TEXT
            assert stat.S_IMODE(self.target.stat().st_mode) == 0o644
        else:
            assert not self.target.exists() and not self.target.is_symlink(), "nothing created through the link"

    def named_in(self, message: str) -> None:
        assert f"{self.path} is a symbolic link" in message, message
        assert "Remove the link" in message, message


KINDS = ("victim", "dangling")


@pytest.fixture
def home() -> Path:
    return Path(os.environ["KMS_TUI_HOME"])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_audit_trail_files(tmp_path, kind, suffix):
    path = default_path()
    plant = Plant(tmp_path, path.with_name(path.name + suffix), kind)
    shown = kms_tui("audit")
    assert shown.returncode == 3
    plant.named_in(shown.stderr)
    assert "Traceback" not in shown.stderr
    as_json = kms_tui("audit", "--json")
    assert as_json.returncode == 3 and "symbolic link" in json.loads(as_json.stdout)["error"]["message"]
    plant.untouched()


@pytest.mark.parametrize("kind", KINDS)
def test_audit_record_never_raises_and_records_nothing_through_a_link(tmp_path, kind):
    plant = Plant(tmp_path, default_path(), kind)
    trail = AuditTrail()
    assert trail.problem is not None
    plant.named_in(trail.problem)
    trail.record(AuditEntry(operation="Create", outcome="ok", object_ids=["k1"]))
    trail.flush()
    trail.close()
    assert trail.dropped == 1
    plant.untouched()


@pytest.mark.parametrize("kind", KINDS)
def test_a_command_with_a_linked_audit_trail_leaves_the_victim_alone(sandbox, tmp_path, kind):
    plant = Plant(tmp_path, default_path(), kind)
    conf = tmp_path / "ckms.toml"
    conf.write_text(f'[http_config]\nserver_url = "{sandbox.url}"\n')
    run = kms_tui("create", "aes", "--conf", conf)
    assert "Traceback" not in run.stderr
    plant.untouched()


@pytest.mark.parametrize("kind", KINDS)
def test_credential_cache_file(tmp_path, kind, monkeypatch, caplog):
    from kms_tui.auth.cache import CachedCredentials, CredentialCache
    from kms_tui.auth.tokens import TokenSet

    monkeypatch.setenv("KMS_TUI_KEYRING", "off")
    cache = CredentialCache("work")
    plant = Plant(tmp_path, cache.path, kind)
    if kind == "victim":
        plant.target.write_text(
            CachedCredentials(
                "authorization_code", TokenSet("planted-token"), "https://evil.example/token", "c"
            ).to_json()
        )
        plant.target.chmod(0o644)
    planted = plant.target.read_text() if kind == "victim" else None
    assert cache.load() is None  # a planted cache is not believed
    assert "symbolic link" in caplog.text
    with pytest.raises(ConfigError) as info:
        cache.save(CachedCredentials("authorization_code", TokenSet("fresh-token"), "https://idp/token", "c"))
    plant.named_in(str(info.value))
    if kind == "victim":
        assert plant.target.read_text() == planted and stat.S_IMODE(plant.target.stat().st_mode) == 0o644
    else:
        plant.untouched()
    assert cache.forget()  # forgetting removes the link, never what it points to
    assert not cache.path.is_symlink() and (kind == "dangling" or plant.target.read_text() == planted)


@pytest.mark.parametrize("kind", KINDS)
def test_profile_import_onto_a_planted_profile_file(tmp_path, home, kind):
    plant = Plant(tmp_path, home / "config" / "profiles" / "work.toml", kind)
    source = tmp_path / "ckms.toml"
    source.write_text(PROFILE)
    r = kms_tui("profile", "import", source, "--name", "work")
    assert r.returncode == 3
    plant.named_in(r.stderr)
    plant.untouched()


@pytest.mark.parametrize("kind", KINDS)
def test_profile_save_and_export_through_a_link(tmp_path, home, kind):
    store = ProfileStore()
    own = home / "config" / "profiles" / "work.toml"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text(PROFILE)
    document = store.load("work")
    own.unlink()
    plant = Plant(tmp_path, own, kind)
    document.set("http_config.server_url", "http://127.0.0.1:10")
    with pytest.raises(ConfigError) as info:
        document.save()
    plant.named_in(str(info.value))
    plant.untouched()

    dest = tmp_path / "exported" / "ckms.toml"
    own.unlink()
    own.write_text(PROFILE)
    out = Plant(tmp_path, dest, kind)
    r = kms_tui("profile", "export", "work", "-o", dest, "--force")
    assert r.returncode == 3
    out.named_in(r.stderr)
    out.untouched()


@pytest.mark.parametrize("kind", KINDS)
def test_settings_file(tmp_path, home, kind):
    (home / "config" / "profiles").mkdir(parents=True)
    (home / "config" / "profiles" / "work.toml").write_text(PROFILE)
    plant = Plant(tmp_path, home / "config" / "settings.toml", kind)
    r = kms_tui("profile", "use", "work")
    assert r.returncode == 3 and "Traceback" not in r.stderr
    plant.named_in(r.stderr)
    plant.untouched()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("which", ["backup", "lock"])
def test_backup_and_lock_files(tmp_path, home, kind, which):
    own = home / "config" / "profiles" / "work.toml"
    own.parent.mkdir(parents=True)
    own.write_text(PROFILE)
    document = ProfileStore().load("work")
    beside = own.with_name("work.toml.1" if which == "backup" else ".work.toml.lock")
    plant = Plant(tmp_path, beside, kind)
    document.set("http_config.server_url", "http://127.0.0.1:10")
    with pytest.raises(ConfigError) as info:
        document.save()
    plant.named_in(str(info.value))
    plant.untouched()
    assert own.read_text() == PROFILE


@pytest.mark.parametrize("kind", KINDS)
def test_temp_file(tmp_path, home, kind, monkeypatch):
    import kms_tui.config.atomic as atomic

    own = home / "config" / "settings.toml"
    own.parent.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(atomic.secrets, "token_hex", lambda n: "f00dfeed")  # so the temp name is known
    plant = Plant(tmp_path, own.with_name(f".settings.toml.{os.getpid()}.f00dfeed.tmp"), kind)
    with pytest.raises(ConfigError) as info:
        ProfileStore().set_active(None)
    plant.named_in(str(info.value))
    plant.untouched()
    assert not own.exists()


def test_link_checks_see_the_link_itself(tmp_path):
    target = tmp_path / "t"
    target.write_text("x")
    link = tmp_path / "l"
    link.symlink_to(target)
    assert paths.is_link(link) and not paths.is_link(target)
    with pytest.raises(paths.LinkRefused):
        paths.read_bytes_nofollow(link)
    assert paths.read_bytes_nofollow(target) == b"x"


@pytest.mark.parametrize("kind", KINDS)
def test_a_stored_profile_that_is_a_link_is_not_read_and_delete_removes_only_the_link(tmp_path, home, kind):
    own = home / "config" / "profiles" / "work.toml"
    plant = Plant(tmp_path, own, kind)
    if kind == "victim":  # a file that would parse as a profile: still not read
        plant.target.write_text(PROFILE)
        plant.target.chmod(0o644)
    for args in (
        ["profile", "show", "work"],
        ["profile", "check", "work"],
        ["profile", "use", "work"],
        ["locate", "--profile", "work"],
    ):
        r = kms_tui(*args)
        assert r.returncode == 3, (args, r.stderr)
        plant.named_in(r.stderr)
        assert "127.0.0.1:9" not in r.stdout + r.stderr
    assert kms_tui("profile", "delete", "work").returncode == 0
    assert not own.is_symlink() and not own.exists()
    assert kind == "dangling" or plant.target.read_text() == PROFILE


def test_a_hard_link_at_the_audit_trail_is_refused_too(tmp_path):
    """The trail is written in place (not renamed over), so a second name for another file is refused."""
    victim = tmp_path / "victim.db"
    victim.write_text(VICTIM_TEXT)
    victim.chmod(0o644)
    path = default_path()
    os.link(victim, path)
    r = kms_tui("audit")
    assert r.returncode == 3 and f"{path} is a hard link to another file" in r.stderr and "Remove the link" in r.stderr
    assert victim.read_text() == VICTIM_TEXT and stat.S_IMODE(victim.stat().st_mode) == 0o644
