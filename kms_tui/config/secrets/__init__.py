"""``secret://`` references: parse them, fetch them from one backend, mask them.

A reference may fill a whole value (``access_token = "secret://secret/kms#token"``) or sit
inside a longer one (``postgresql://kms:secret://…@db/kms``). Values are resolved once, in
memory; the file keeps the reference. Backends: ``vault``, ``aws-ssm``, ``azure-kv``,
``cosmian-kms``; their SDKs are optional extras imported only when used.
"""

from kms_tui.config.secrets.refs import (
    BACKENDS,
    SecretError,
    SecretResolver,
    find_references,
    has_reference,
    mask_value,
    resolve_tree,
)

__all__ = [
    "BACKENDS",
    "SecretError",
    "SecretResolver",
    "find_references",
    "has_reference",
    "mask_value",
    "resolve_tree",
]
