"""KMIP operations of the sandbox, by request tag.

Each handler is ``async def handle(ctx: OpContext, payload: TTLV) -> TTLV``: ``payload`` is the
operation's request structure (e.g. the ``Create`` node), the result is the response payload
node (e.g. ``CreateResponse``). Handlers raise :mod:`kms_tui.server.errors` exceptions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server.context import OpContext
from kms_tui.server.operations import (
    activate,
    attribute_edit,
    certify,
    create,
    create_key_pair,
    decrypt,
    destroy,
    discover_versions,
    encrypt,
    get,
    get_attributes,
    import_,
    locate,
    mac,
    query,
    recertify,
    register,
    rekey,
    revoke,
    sign,
    signature_verify,
    validate,
)

Handler = Callable[[OpContext, TTLV], Awaitable[TTLV]]

OPERATIONS: dict[str, Handler] = {
    "Create": create.handle,
    "CreateKeyPair": create_key_pair.handle,
    "Get": get.handle_get,
    "Export": get.handle_export,
    "GetAttributes": get_attributes.handle,
    "GetAttributeList": get_attributes.handle_list,
    "Locate": locate.handle,
    "Activate": activate.handle,
    "Revoke": revoke.handle,
    "Destroy": destroy.handle,
    "SetAttribute": attribute_edit.handle_set,
    "AddAttribute": attribute_edit.handle_add,
    "DeleteAttribute": attribute_edit.handle_delete,
    "ModifyAttribute": attribute_edit.handle_modify,
    "Encrypt": encrypt.handle,
    "Decrypt": decrypt.handle,
    "Sign": sign.handle,
    "SignatureVerify": signature_verify.handle,
    "MAC": mac.handle,
    "Mac": mac.handle,
    "MACVerify": mac.handle_verify,
    "Import": import_.handle,
    "Register": register.handle,
    "Query": query.handle,
    "DiscoverVersions": discover_versions.handle,
    "Certify": certify.handle,
    "ReKey": rekey.handle,
    "ReKeyKeyPair": rekey.handle_key_pair,
    "ReCertify": recertify.handle,
    "Validate": validate.handle,
}

# Operations Cosmian dispatches that the sandbox does not implement: 422 "not supported".
KNOWN_UNSUPPORTED = frozenset(
    {
        "Check",
        "DeriveKey",
        "Hash",
        "RNGRetrieve",
        "RNGSeed",
    }
)
