"""The one shared KMIP client (no Textual import anywhere under this package)."""

from kms_tui.client.errors import (
    AnswerTooLarge,
    ConfigurationError,
    ConnectionRefused,
    DnsError,
    KmsError,
    NotAuthenticated,
    ObjectNotFound,
    OutcomeUnknown,
    PermissionDenied,
    ProtocolError,
    ProxyError,
    RequestTimeout,
    ServerRefused,
    TlsError,
    Unreachable,
    WrongLifecycleState,
)
from kms_tui.client.kms_client import BatchItemResult, KmsClient
from kms_tui.client.limits import AnswerLimits
from kms_tui.client.listing import ObjectList, ObjectSummary
from kms_tui.client.requests import LocateFilter
from kms_tui.client.retry import RetryPolicy
from kms_tui.client.settings import ConnectionSettings, ProxySettings

__all__ = [
    "AnswerLimits",
    "AnswerTooLarge",
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
    "ProtocolError",
    "ProxyError",
    "ProxySettings",
    "RequestTimeout",
    "RetryPolicy",
    "ServerRefused",
    "TlsError",
    "Unreachable",
    "WrongLifecycleState",
]
