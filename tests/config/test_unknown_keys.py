"""Unknown keys, as ckms 5.26 treats them: refused at the top level and in [http_config]
(serde deny_unknown_fields), ignored in [oauth2_conf] and [cosmian_conf] (no such attribute on
Oauth2LoginConfig / CosmianAuthServerLoginConfig), where kms-tui warns and names the key a
near-miss was meant to be. Fixtures are the real ckms configs with one key misspelt."""

from __future__ import annotations

import json

import pytest

from kms_tui.cli import main
from kms_tui.config import ConfigError, ProfileStore, resolve_connection, validate_document


def _real(data_dir, name: str) -> str:
    return (data_dir / "reference" / "ckms_configs" / name).read_text()


def _misspelt(text: str, right: str, wrong: str) -> str:
    lines = text.splitlines(keepends=True)
    [i] = [i for i, line in enumerate(lines) if line.startswith(f"{right} =")]
    lines[i] = wrong + lines[i][len(right) :]
    return "".join(lines)


def _line_of(text: str, key: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(f"{key} ="))


def test_misspelt_client_secret_loads_with_a_warning_that_names_the_real_key(data_dir, tmp_path, capsys):
    text = _misspelt(_real(data_dir, "auth_plain_jwt_owner.toml"), "client_secret", "client_secet")
    [problem] = validate_document(text)
    assert problem.severity == "warning" and problem.path == "http_config.oauth2_conf.client_secet"
    assert problem.line == _line_of(text, "client_secet")
    assert "misspelling of `client_secret`" in problem.message and "`client_secret` is not set" in problem.message
    assert problem.allowed == "rename `client_secet` to `client_secret`"
    assert "XXX" not in str(problem)  # the value (a secret) is never quoted
    conf = tmp_path / "ckms.toml"
    conf.write_text(text)
    connection = resolve_connection(conf=str(conf))  # ckms accepts the file: so does kms-tui
    assert "client_secret" not in connection.http_config["oauth2_conf"]
    assert [w.path for w in connection.warnings] == ["http_config.oauth2_conf.client_secet"]
    assert main(["profile", "show", "--conf", str(conf)]) == 0
    shown = capsys.readouterr().out
    assert "misspelling of `client_secret`" in shown


def test_near_miss_of_a_required_oauth2_key_tells_which_key_to_rename(data_dir):
    text = _misspelt(_real(data_dir, "ckms_entra_id.toml"), "token_url", "token_uri")
    problems = {p.path: p for p in validate_document(text)}
    missing = problems["http_config.oauth2_conf.token_url"]
    assert missing.is_error and missing.allowed == "rename `token_uri` to `token_url`"
    assert problems["http_config.oauth2_conf.token_uri"].severity == "warning"


def test_a_key_kms_tui_reads_is_not_called_a_typo_and_other_keys_are_ignored(data_dir):
    text = _real(data_dir, "auth_plain_jwt_owner.toml") + 'audience = "kms"\nprompt = "login"\nclient_secrets = "x"\n'
    problems = {p.path.rsplit(".", 1)[1]: p for p in validate_document(text)}
    assert all(p.severity == "warning" for p in problems.values())
    assert "read by kms-tui only" in problems["audience"].message
    assert problems["prompt"].message == "unknown key `prompt` in [http_config.oauth2_conf]: ckms and kms-tui ignore it"
    assert "`client_secret` is set too and is the one used" in problems["client_secrets"].message


def test_cosmian_conf_needs_realm_and_flags_its_near_miss():
    text = (
        '[http_config]\nserver_url = "https://kms:9998"\n'
        '[http_config.cosmian_conf]\nserver_url = "https://auth.example.com"\nRealm = "kms"\n'
    )
    problems = {p.path: p for p in validate_document(text)}
    assert problems["http_config.cosmian_conf.realm"].is_error  # ckms: missing field `realm`
    assert problems["http_config.cosmian_conf.realm"].allowed == "rename `Realm` to `realm`"
    assert "misspelling of `realm`" in problems["http_config.cosmian_conf.Realm"].message
    assert validate_document(text.replace("Realm", "realm")) == []


@pytest.mark.parametrize(
    "name, right, wrong, table",
    [
        ("auth_https_jwt_cert_owner.toml", "accept_invalid_certs", "accept_invalid_cert", "[http_config]"),
        ("ckms.toml", "print_json", "print-json", "the top level"),
    ],
)
def test_unknown_key_where_ckms_refuses_it_is_refused_and_the_file_is_untouched(
    data_dir, tmp_path, capsys, name, right, wrong, table
):
    text = _misspelt(_real(data_dir, name), right, wrong)
    path = tmp_path / name
    path.write_text(text)
    before = path.stat().st_mtime_ns
    with pytest.raises(ConfigError) as info:
        resolve_connection(conf=str(path))
    message = str(info.value)
    assert f"unknown key `{wrong}` in {table}: ckms 5.26 refuses the file; did you mean `{right}`?" in message
    assert f"rename `{wrong}` to `{right}`" in message and "eyJ" not in message
    assert main(["profile", "import", str(path), "--name", "typo"]) == 3
    assert f"did you mean `{right}`?" in capsys.readouterr().err
    assert ProfileStore().list() == []
    assert path.read_text() == text and path.stat().st_mtime_ns == before
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == [name]  # no backup, no temporary file


def test_check_json_lists_the_refused_key_with_its_line(data_dir, tmp_path, capsys):
    text = _misspelt(_real(data_dir, "pem_cert_auth.toml"), "server_url", "server_ur")
    path = tmp_path / "pem.toml"
    path.write_text(text)
    assert main(["profile", "check", "--conf", str(path), "--json"]) == 3
    problems = {p["path"]: p for p in json.loads(capsys.readouterr().out)["problems"]}
    assert problems["http_config.server_ur"]["line"] == _line_of(text, "server_ur")
    assert problems["http_config.server_url"]["allowed"] == "rename `server_ur` to `server_url`"
