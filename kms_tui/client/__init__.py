"""The one shared KMIP client (no Textual import anywhere under this package)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Each name's module, imported on first use: a command that needs the errors or the settings
# does not load the client, the KMIP models or TLS (PEP 562).
_MODULES = {
    **dict.fromkeys(
        (
            "AnswerTooLarge",
            "ConfigurationError",
            "ConnectionRefused",
            "DnsError",
            "KmsError",
            "NotAuthenticated",
            "ObjectNotFound",
            "OutcomeUnknown",
            "PermissionDenied",
            "ProtocolError",
            "ProxyError",
            "RequestTimeout",
            "ServerRefused",
            "TlsError",
            "Unreachable",
            "WrongLifecycleState",
        ),
        "errors",
    ),
    "BatchItemResult": "kms_client",
    "KmsClient": "kms_client",
    "AnswerLimits": "limits",
    "ObjectList": "listing",
    "ObjectSummary": "listing",
    "LocateFilter": "requests",
    "RetryPolicy": "retry",
    "ConnectionSettings": "settings",
    "ProxySettings": "settings",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


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
