"""``aws-ssm`` backend: ``secret://<region>/<parameter-name>``, SecureString decrypted.

Credentials and endpoint come from the standard AWS chain (``AWS_ACCESS_KEY_ID``,
``AWS_PROFILE``, ``AWS_ENDPOINT_URL``...) through boto3 (extra ``[aws]``). A name without a
leading ``/`` gets one, as parameter hierarchies require.
"""

from __future__ import annotations

from collections.abc import Callable

import boto3
import boto3.session
import botocore.exceptions

from kms_tui.config.secrets.refs import BackendFailure

_AUTH_CODES = {
    "SignatureDoesNotMatch",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "AccessDeniedException",
    "ExpiredTokenException",
    "403",
}


def parse(body: str) -> tuple[str, str]:
    region, _, name = body.partition("/")
    if not region or not name.strip("/"):
        raise BackendFailure(
            "an aws-ssm reference is secret://<region>/<parameter-name>",
            "e.g. secret://eu-west-1/kms-console/prod/api-token",
        )
    return region, "/" + name.lstrip("/")


def make_fetcher() -> Callable[[str], str]:
    session = boto3.session.Session()  # fresh: boto3's default session caches stale credentials
    clients: dict[str, object] = {}

    def fetch(body: str) -> str:
        region, name = parse(body)
        try:
            client = clients.get(region) or clients.setdefault(region, session.client("ssm", region_name=region))
            answer = client.get_parameter(Name=name, WithDecryption=True)  # type: ignore[attr-defined]  # boto3 builds it
        except botocore.exceptions.NoCredentialsError:
            raise BackendFailure(
                "no AWS credentials found", "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE"
            ) from None
        except botocore.exceptions.ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code == "ParameterNotFound":
                raise BackendFailure(
                    f"no parameter {name} in {region}", "check the parameter name and region"
                ) from None
            if code in _AUTH_CODES:
                raise BackendFailure(
                    f"AWS refused the credentials ({code})",
                    "check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and the IAM policy",
                ) from None
            raise BackendFailure(f"AWS SSM error {code or 'unknown'}", "check the parameter and IAM policy") from None
        except botocore.exceptions.BotoCoreError as exc:
            raise BackendFailure(
                f"cannot reach AWS SSM in {region}: {type(exc).__name__}",
                "check the region, AWS_ENDPOINT_URL and the network",
            ) from None
        return str(answer["Parameter"]["Value"])

    return fetch
