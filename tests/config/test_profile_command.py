"""Headless `kms-tui profile …`: JSON output, masking, exit codes (3 = invalid configuration)."""

from __future__ import annotations

import json

from kms_tui.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_list_use_show_check_export_delete(capsys, data_dir, tmp_path):
    source = data_dir / "reference" / "ckms_configs" / "ckms_jwt.toml"
    code, out, _ = run(capsys, "profile", "import", str(source), "--name", "google", "--json")
    assert code == 0 and json.loads(out)["name"] == "google"
    assert run(capsys, "profile", "use", "google")[0] == 0
    code, out, _ = run(capsys, "profile", "list", "--json")
    assert [(p["name"], p["active"], p["source"]) for p in json.loads(out)["profiles"]] == [("google", True, "store")]
    code, out, _ = run(capsys, "profile", "show", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["config"]["http_config"]["access_token"] == "••••••"
    assert shown["config"]["gmail_api_conf"]["private_key"] == "••••••"
    assert "eyJ" not in out and "PRIVATE KEY-----" not in out
    code, out, _ = run(capsys, "profile", "show", "google")
    assert code == 0 and 'http_config.server_url = "http://0.0.0.0:9998"' in out and "eyJ" not in out
    code, out, _ = run(capsys, "profile", "check", "google", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    target = tmp_path / "exported.toml"
    code, out, _ = run(capsys, "profile", "export", "google", "-o", str(target))
    assert code == 0 and target.read_bytes() == source.read_bytes()
    code, out, _ = run(capsys, "profile", "delete", "google", "--json")
    assert code == 0 and json.loads(out)["deleted"] is True
    assert json.loads(run(capsys, "profile", "list", "--json")[1])["profiles"] == []


def test_invalid_config_exits_3_and_names_the_bad_key(capsys, data_dir):
    bad = data_dir / "reference" / "ckms_configs" / "ckms.bad.toml"
    code, out, _ = run(capsys, "profile", "check", "--conf", str(bad), "--json")
    assert code == 3
    [problem] = json.loads(out)["problems"]
    assert problem["path"] == "http_config.server_url" and problem["line"] == 1
    code, _, err = run(capsys, "profile", "import", str(bad))
    assert code == 3 and "missing required key `server_url`" in err and "eyJ" not in err


def test_check_reports_file_problems_with_exit_3(capsys, tmp_path):
    conf = tmp_path / "mtls.toml"
    conf.write_text(
        '[http_config]\nserver_url = "https://k"\n'
        f'tls_client_pem_cert_path = "{tmp_path}/none.crt"\n'
        f'tls_client_pem_key_path = "{tmp_path}/none.key"\n'
    )
    code, out, _ = run(capsys, "profile", "check", "--conf", str(conf))
    assert code == 3 and "2 problems" in out and "none.crt does not exist" in out


def test_unknown_profile_and_missing_arguments_are_usage_errors(capsys):
    code, _, err = run(capsys, "profile", "use", "ghost")
    assert code == 3 and "no profile named 'ghost'" in err
    assert run(capsys, "profile", "export", "x")[0] == 3  # -o is required
    code, _, err = run(capsys, "profile", "show")
    assert code == 3 and "none is active" in err


def test_import_with_secret_backend_and_show_keeps_references_visible(capsys, tmp_path):
    conf = tmp_path / "refs.toml"
    conf.write_text('[http_config]\nserver_url = "https://k"\naccess_token = "secret://secret/kms#token"\n')
    code, _, _ = run(capsys, "profile", "import", str(conf), "--name", "refs", "--secret-backend", "vault")
    assert code == 0
    code, out, _ = run(capsys, "profile", "show", "refs", "--json")
    shown = json.loads(out)
    assert shown["settings"] == {"secret_backend": "vault"}
    assert shown["config"]["http_config"]["access_token"] == "secret://secret/kms#token [••••••]"
    code, _, err = run(capsys, "profile", "check", "refs")  # VAULT_ADDR unset: says so, exit 3
    assert code == 3 and "VAULT_ADDR is not set" in err and "http_config.access_token" in err
