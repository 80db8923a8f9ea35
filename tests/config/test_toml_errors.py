"""A TOML error of any kind (a key set twice, a table declared twice, an inline table extended)
is a config error naming the file and the line, wherever a TOML file is read (profiles,
settings.toml, import, `profile show/check`, a command's --conf): exit 3, never a traceback.
tomllib and tomlkit raise different exceptions (tomlkit's KeyAlreadyPresent has no line)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kms_tui.cli import main
from kms_tui.config import ConfigError, ProfileDocument, ProfileStore
from kms_tui.config.validate import parse_toml, validate_document

BROKEN = {
    # name: (text, line the error is on, words the message must hold)
    "key twice in a table": (
        '[http_config]\nserver_url = "http://a"\nserver_url = "http://b"\n',
        3,
        "`server_url` is set twice",
    ),
    "key twice at the top": (
        'vendor_id = "a"\nvendor_id = "b"\n[http_config]\nserver_url = "http://a"\n',
        2,
        "`vendor_id` is set twice",
    ),
    "table twice": (
        '[http_config]\nserver_url = "http://a"\n[http_config]\naccess_token = "t"\n',
        3,
        "table is declared twice",
    ),
    "inline table extended": (
        '[http_config]\nserver_url = "http://a"\nproxy_params = {url = "http://p"}\nproxy_params.exclusion_list = []\n',
        4,
        "cannot be extended",
    ),
    "dotted key over a value": ('[http_config]\nserver_url = "http://a"\nserver_url.x = 1\n', 3, "set twice"),
}


def cli(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_every_reader_reports_the_file_and_line(case, tmp_path, capsys):
    text, line, words = BROKEN[case]
    path = tmp_path / "ckms.toml"
    path.write_text(text)

    doc, problems = parse_toml(text)
    assert doc is None and problems[0].line == line and words in problems[0].message
    assert any(p.line == line for p in validate_document(text))  # the console's config editor
    with pytest.raises(ConfigError) as info:
        ProfileDocument.load(path)
    assert str(path) in info.value.message and f"line {line}" in str(info.value)

    for args in (
        ["profile", "show", "--conf", path],
        ["profile", "check", "--conf", path],
        ["profile", "import", path, "--name", "x"],
        ["locate", "--conf", path],
    ):
        code, out, err = cli(capsys, *args)
        assert code == 3, (args, err)
        assert "Traceback" not in err
        assert str(path) in err and f"line {line}" in err and words in err, (args, err)
    code, out, err = cli(capsys, "profile", "check", "--conf", path, "--json")
    assert code == 3 and json.loads(out)["problems"][0]["line"] == line
    assert path.read_text() == text  # never rewritten


def test_a_stored_profile_and_the_discovered_ckms_toml(tmp_path, capsys):
    text, line, words = BROKEN["key twice in a table"]
    store = ProfileStore()
    store.dir.mkdir(parents=True)
    (store.dir / "work.toml").write_text(text)
    home_conf = Path(os.environ["HOME"]) / ".cosmian" / "ckms.toml"
    home_conf.parent.mkdir(parents=True)
    home_conf.write_text(text)
    for name, path in (("work", store.dir / "work.toml"), ("ckms", home_conf)):
        for args in (["profile", "show", name], ["profile", "check", name], ["locate", "--profile", name]):
            code, _, err = cli(capsys, *args)
            assert code == 3 and str(path) in err and f"line {line}" in err and words in err, (args, err)


@pytest.mark.parametrize(
    "text, line",
    [
        ('active_profile = "a"\nactive_profile = "b"\n', 2),
        ("[profiles.a]\nread_only = true\n[profiles.a]\nread_only = false\n", 3),
    ],
)
def test_settings_toml(text, line, capsys):
    path = ProfileStore().root / "settings.toml"
    path.write_text(text)
    for args in (["profile", "list"], ["profile", "use", "x"]):
        code, _, err = cli(capsys, *args)
        assert code == 3 and "Traceback" not in err
        assert str(path) in err and f"line {line}" in err, err
    assert path.read_text() == text
