"""Helpers for the config tests: `profile show` captured, a file's mode, ckms's own config edited."""

from __future__ import annotations

import stat

from kms_tui.cli import main
from kms_tui.config import ProfileStore


def _show(capsys, conf, *flags: str) -> tuple[int, str]:
    code = main(["profile", "show", "--conf", str(conf), *flags])
    out, err = capsys.readouterr()
    return code, out + err


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _save_edited_home_conf(tmp_path, text: str, server_url: str = "https://kms2.example.com:9998"):
    """ckms's own ~/.cosmian/ckms.toml (the test HOME), world-readable as ckms leaves it, edited
    and saved in place by kms-tui."""
    conf = tmp_path / "user-home" / ".cosmian" / "ckms.toml"
    conf.parent.mkdir()
    conf.write_text(text)
    conf.chmod(0o644)
    store = ProfileStore()
    [entry] = store.list()
    document = store.load(entry.name)
    document.set("http_config.server_url", server_url)
    assert store.save(entry.name, document)
    return conf
