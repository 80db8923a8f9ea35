"""The one shared KMIP client (no Textual import anywhere under this package)."""

from kms_tui.client.errors import (
    ConfigurationError,
    ConnectionRefused,
    DnsError,
    KmsError,
    NotAuthenticated,
    ObjectNotFound,
    OutcomeUnknown,
    PermissionDenied,
    ProxyError,
    RequestTimeout,
    ServerRefused,
    TlsError,
    Unreachable,
    WrongLifecycleState,
)
from kms_tui.client.kms_client import BatchItemResult, KmsClient
from kms_tui.client.listing import ObjectList, ObjectSummary
from kms_tui.client.requests import LocateFilter
from kms_tui.client.retry import RetryPolicy
from kms_tui.client.settings import ConnectionSettings, ProxySettings

__all__ = [
    "BatchItemResult",
    "ConfigurationError",
    "ConnectionRefused",
    "ConnectionSettings",
    "DnsError",
    "KmsClient",
    "KmsError",
    "LocateFilter",
    "NotAuthenticated",
    "ObjectList",
    "ObjectNotFound",
    "ObjectSummary",
    "OutcomeUnknown",
    "PermissionDenied",
    "ProxyError",
    "ProxySettings",
    "RequestTimeout",
    "RetryPolicy",
    "ServerRefused",
    "TlsError",
    "Unreachable",
    "WrongLifecycleState",
]
