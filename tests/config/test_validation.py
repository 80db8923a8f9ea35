"""validate_document: every problem at once, each with its TOML path, line and what is allowed."""

from __future__ import annotations

from kms_tui.config import validate_document

GOOD = '[http_config]\nserver_url = "https://kms.example.com:9998"\n'


def _by_path(text: str) -> dict[str, object]:
    return {p.path: p for p in validate_document(text)}


def test_all_problems_reported_at_once_with_lines():
    text = (
        'vendor_id = "cosmian"\n'  # 1
        "colour = 1\n"  # 2 unknown top-level key
        "[http_config]\n"  # 3
        'server_url = "not a url"\n'  # 4
        'accept_invalid_certs = "yes"\n'  # 5 wrong type
        'tls_client_pem_cert_path = "c.pem"\n'  # 6 half a PEM pair + PKCS#12 too
        'tls_client_pkcs12_path = "c.p12"\n'  # 7 PKCS#12 without password
        'custom_headers = ["X-Ok: 1", "broken"]\n'  # 8
        "timeout = 3\n"  # 9 unknown key in http_config
        "[http_config.proxy_params]\n"  # 10 exclusion_list missing
        'url = "http://proxy:3128"\n'
    )
    problems = _by_path(text)
    assert problems["colour"].line == 2 and "unknown key `colour`" in problems["colour"].message
    assert "http_config" in problems["colour"].allowed and "vendor_id" in problems["colour"].allowed
    assert problems["http_config.server_url"].line == 4
    assert "not a valid URL" in problems["http_config.server_url"].message
    assert problems["http_config.accept_invalid_certs"].message == "must be true or false"
    assert problems["http_config.accept_invalid_certs"].line == 5
    assert (
        problems["http_config.tls_client_pem_key_path"].message == "both PEM certificate and key paths must be provided"
    )
    assert problems["http_config.custom_headers[1]"].line == 8
    assert "'Name: Value'" in problems["http_config.custom_headers[1]"].allowed
    assert problems["http_config.timeout"].line == 9
    assert problems["http_config.proxy_params.exclusion_list"].line == 10
    messages = [p.message for p in validate_document(text)]
    assert "cannot use both PKCS#12 and PEM client authentication" in messages
    assert "PKCS#12 password must be provided with PKCS#12 path" in messages


def test_pkcs12_password_may_be_empty_string():
    text = GOOD + 'tls_client_pkcs12_path = "c.p12"\ntls_client_pkcs12_password = ""\n'
    assert validate_document(text) == []


def test_pkce_oauth2_conf_without_client_secret_is_valid():
    text = GOOD + (
        "[http_config.oauth2_conf]\n"
        'client_id = "console"\n'
        'authorize_url = "https://idp/authorize"\n'
        'token_url = "https://idp/token"\n'
        'scopes = ["openid"]\n'
    )
    assert validate_document(text) == []


def test_unknown_oauth2_key_is_only_a_warning_as_ckms_ignores_it():
    text = GOOD + (
        "[http_config.oauth2_conf]\n"
        'client_id = "c"\nauthorize_url = "https://i/a"\ntoken_url = "https://i/t"\nscopes = []\n'
        'audience = "kms"\n'
    )
    [problem] = validate_document(text)
    assert problem.severity == "warning" and problem.path == "http_config.oauth2_conf.audience"


def test_broken_toml_reports_line_and_column():
    [problem] = validate_document('[http_config]\nserver_url = "https://kms\n')
    assert problem.line == 2 and problem.column
    assert f"line 2, column {problem.column}" in problem.message


def test_truncated_file_says_so():
    [problem] = validate_document('[http_config]\nserver_url = "https://kms"\ncustom_headers = [\n  "A: b",\n')
    assert "truncated" in problem.message and problem.line == 4


def test_incomplete_reference_is_flagged_but_complete_ones_pass():
    text = GOOD + 'access_token = "secret://"\ndatabase_secret = "postgresql://kms:secret://secret/db#pw@host/db"\n'
    [problem] = validate_document(text)
    assert problem.path == "http_config.access_token" and "incomplete secret reference" in problem.message


def test_problem_text_is_readable():
    [problem] = validate_document("[http_config]\n")
    assert str(problem).startswith("line 1 `http_config.server_url`: missing required key `server_url`")
