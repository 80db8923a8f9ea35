"""Saving never loses the original: broken TOML, read-only directory, disk full, 0600, backup."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from kms_tui.config import ConfigError, ProfileDocument, ProfileStore

TEXT = '# prod\n[http_config]\nserver_url = "https://kms:9998"\naccess_token = "tok-123"\n'


@pytest.fixture
def work(tmp_path):
    """A directory holding only what the test puts there."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_file_holding_a_secret_is_written_0600_with_five_backups_newest_first(work):
    path = work / "p.toml"
    path.write_text(TEXT)
    path.chmod(0o644)
    document = ProfileDocument.load(path)
    document.set("http_config.server_url", "https://kms2:9998")
    assert document.save()
    assert _mode(path) == 0o600
    backup = work / "p.toml.1"
    assert backup.read_text() == TEXT and _mode(backup) == 0o600
    for n in range(3, 9):  # six more saves: kms2 … kms7 go to the backups, the oldest drop off
        document.set("http_config.server_url", f"https://kms{n}:9998")
        document.save()
    assert "kms8" in path.read_text()
    kept = [(work / f"p.toml.{g}").read_text() for g in range(1, 6)]
    assert [next(f"kms{n}" for n in range(2, 9) if f"kms{n}:" in text) for text in kept] == [
        "kms7",
        "kms6",
        "kms5",
        "kms4",
        "kms3",
    ]  # newest first; the original and kms2 dropped off
    assert all(_mode(work / f"p.toml.{g}") == 0o600 for g in range(1, 6))
    assert sorted(p.name for p in work.iterdir()) == ["p.toml"] + [f"p.toml.{g}" for g in range(1, 6)]


def test_a_legacy_bak_becomes_the_second_backup_on_the_next_save(work):
    path = work / "p.toml"
    path.write_text(TEXT)
    (work / "p.toml.bak").write_text("# the backup an earlier kms-tui kept\n")
    document = ProfileDocument.load(path)
    document.set("http_config.server_url", "https://kms2:9998")
    assert document.save()
    assert (work / "p.toml.1").read_text() == TEXT
    assert (work / "p.toml.2").read_text() == "# the backup an earlier kms-tui kept\n"
    assert not (work / "p.toml.bak").exists()


def test_file_without_secret_keeps_its_mode(work):
    path = work / "p.toml"
    path.write_text('[http_config]\nserver_url = "https://a"\naccess_token = "secret://secret/kms#t"\n')
    path.chmod(0o644)
    document = ProfileDocument.load(path)
    document.set("http_config.server_url", "https://b")
    document.save()
    assert _mode(path) == 0o644


def test_broken_toml_is_reported_and_never_overwritten(work):
    path = work / "broken.toml"
    broken = '[http_config]\nserver_url = "https://kms\n'
    path.write_text(broken)
    with pytest.raises(ConfigError) as info:
        ProfileDocument.load(path)
    assert info.value.problems[0].line == 2 and info.value.problems[0].column
    assert "will not overwrite" in str(info.value)
    # a document loaded earlier cannot be saved over the now-broken file either
    good = work / "good.toml"
    good.write_text(TEXT)
    document = ProfileDocument.load(good)
    good.write_text(broken)
    document.set("http_config.server_url", "https://x")
    with pytest.raises(ConfigError, match="not valid TOML; not overwritten"):
        document.save()
    assert good.read_text() == broken


def test_store_refuses_to_save_text_that_does_not_parse(work):
    store = ProfileStore()
    store.create("prod", "https://kms:9998")
    before = store.path_of("prod").read_bytes()
    with pytest.raises(ConfigError):
        store.save_text("prod", '[http_config\nserver_url = "x"\n')
    assert store.path_of("prod").read_bytes() == before


def test_truncated_file_is_reported_and_left_intact(work):
    path = work / "cut.toml"
    cut = TEXT[: TEXT.index("access_token") + 20]
    path.write_text(cut)
    with pytest.raises(ConfigError) as info:
        ProfileDocument.load(path)
    assert info.value.exit_code == 3 and info.value.problems
    assert path.read_text() == cut


def test_file_changed_on_disk_is_not_clobbered(work):
    """Another writer's change survives: a save touching other keys is merged onto it, one
    touching the same key is refused and leaves the file as the other writer left it."""
    path = work / "p.toml"
    path.write_text(TEXT)
    document = ProfileDocument.load(path)
    clashing = ProfileDocument.load(path)
    changed = TEXT.replace("tok-123", "tok-from-ckms-login")
    path.write_text(changed)
    document.set("http_config.server_url", "https://other")
    assert document.save()
    merged = path.read_text()
    assert "tok-from-ckms-login" in merged and 'server_url = "https://other"' in merged
    clashing.set("http_config.access_token", "tok-mine")
    with pytest.raises(ConfigError, match="changed on disk") as info:
        clashing.save()
    assert "`http_config.access_token`" in str(info.value) and "tok-mine" not in str(info.value)
    assert path.read_text() == merged


def test_disk_full_during_save_leaves_the_original_intact(work, monkeypatch):
    path = work / "p.toml"
    path.write_text(TEXT)
    document = ProfileDocument.load(path)
    document.set("http_config.server_url", "https://other:9998")
    real_write = os.write
    calls = {"n": 0}

    def full_disk(fd, data):
        calls["n"] += 1
        if calls["n"] > 1:  # the backup gets written, the new version hits a full disk
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(ConfigError) as info:
        document.save()
    monkeypatch.setattr(os, "write", real_write)
    assert "No space left on device" in str(info.value) and "previous version is intact" in str(info.value)
    assert "disk space" in info.value.fix
    assert "tok-123" not in str(info.value)
    assert path.read_text() == TEXT
    assert sorted(p.name for p in work.iterdir()) == ["p.toml", "p.toml.1"]


def test_read_only_directory_leaves_the_original_intact(work, monkeypatch):
    folder = work / "ro"
    folder.mkdir()
    path = folder / "p.toml"
    path.write_text(TEXT)
    document = ProfileDocument.load(path)
    document.set("http_config.server_url", "https://other:9998")
    folder.chmod(0o555)
    if os.geteuid() == 0:  # root ignores directory permissions: have open() answer as the kernel would
        real_open = os.open

        def denied(file, flags, *args, **kwargs):
            if str(file).startswith(str(folder)) and flags & os.O_CREAT:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(file))
            return real_open(file, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", denied)
    try:
        with pytest.raises(ConfigError) as info:
            document.save()
    finally:
        folder.chmod(0o755)
    assert "Permission denied" in str(info.value) and "writable" in info.value.fix
    assert path.read_text() == TEXT
    assert [p.name for p in folder.iterdir()] == ["p.toml"]
