"""secret:// with the aws-ssm backend (boto3) against moto's server, signatures checked."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import boto3
import boto3.session
import pytest

from kms_tui.config import ProfileSettings, ProfileStore, SecretError, resolve_connection

REGION = "eu-west-1"
ALLOW_ALL = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'


@pytest.fixture(scope="module")
def moto_server(tmp_path_factory):
    """moto's server on a loopback port; after 3 setup calls every request must be signed right.

    Yields (url, access key id, secret access key) of an IAM user allowed everything.
    """
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    env = {"INITIAL_NO_AUTH_ACTION_COUNT": "3", "PATH": "/usr/bin:/bin"}
    with open(log, "wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"],
                                stdout=sink, stderr=subprocess.STDOUT, env=env)
    try:
        deadline, url = time.monotonic() + 30, None
        while url is None and time.monotonic() < deadline:
            match = re.search(r"Running on (http://127\.0\.0\.1:\d+)", log.read_text(errors="replace"))
            url = match.group(1) if match else time.sleep(0.1)
        assert url, log.read_text(errors="replace")
        setup = {"endpoint_url": url, "region_name": REGION, "aws_access_key_id": "setup",
                 "aws_secret_access_key": "setup"}
        iam = boto3.session.Session().client("iam", **setup)
        iam.create_user(UserName="console")
        iam.put_user_policy(UserName="console", PolicyName="all", PolicyDocument=ALLOW_ALL)
        key = iam.create_access_key(UserName="console")["AccessKey"]
        signed = {**setup, "aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
        ssm = boto3.session.Session().client("ssm", **signed)
        ssm.put_parameter(Name="/kms-console/prod/api-token", Value="s3cr3t-token", Type="SecureString")
        ssm.put_parameter(Name="/kms-console/prod/db-password", Value="db-pw-7", Type="SecureString")
        yield url, key["AccessKeyId"], key["SecretAccessKey"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def moto_ssm(moto_server, monkeypatch):
    """The standard AWS environment pointing at moto with the IAM user's real keys."""
    url, key_id, secret = moto_server
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return url


def _profile(token_ref: str = "secret://eu-west-1/kms-console/prod/api-token") -> None:
    store = ProfileStore()
    store.create("aws")
    store.save_text("aws", "[http_config]\n"
                           'server_url = "https://kms:9998"\n'
                           f'access_token = "{token_ref}"\n'
                           'database_secret = "postgresql://kms:secret://eu-west-1//kms-console/prod/db-password@db/kms"\n')
    store.set_profile_settings("aws", ProfileSettings(secret_backend="aws-ssm"))


def test_secure_strings_are_decrypted_and_leading_slash_added(moto_ssm):
    _profile()
    connection = resolve_connection("aws")
    assert connection.http_config["access_token"] == "s3cr3t-token"
    assert connection.http_config["database_secret"] == "postgresql://kms:db-pw-7@db/kms"
    assert "s3cr3t-token" not in str(connection.masked())


def test_wrong_secret_key_fails_signature_check(moto_ssm, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "definitely-wrong-secret")
    _profile()
    with pytest.raises(SecretError) as info:
        resolve_connection("aws")
    text = str(info.value)
    assert "AWS refused the credentials" in text and "http_config.access_token" in text
    assert "secret://eu-west-1/kms-console/prod/api-token" in text
    assert "definitely-wrong-secret" not in text


def test_missing_parameter_is_named(moto_ssm):
    _profile("secret://eu-west-1/kms-console/prod/nope")
    with pytest.raises(SecretError, match="no parameter /kms-console/prod/nope in eu-west-1"):
        resolve_connection("aws")


def test_no_credentials_says_which_variables(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    _profile()
    with pytest.raises(SecretError, match="no AWS credentials found"):
        resolve_connection("aws")
