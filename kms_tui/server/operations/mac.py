"""MAC and MACVerify as Cosmian 5.26 does them (``crate/server/src/core/operations/mac.rs:
MacOp, MacVerifyOp, compute_hmac, infer_hmac_hashing_algorithm``): HMAC with any symmetric key
(no usage-mask check), Active for MAC, Active/Deactivated/Compromised for MACVerify, both under
the ``mac`` permission; the hash comes from the request's CryptographicParameters, else from an
HMAC key's algorithm (HMACSHA256…)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server import keys
from kms_tui.server.context import OpContext
from kms_tui.server.errors import InvalidRequest, ServerError
from kms_tui.server.objects import require
from kms_tui.server.operations.crypto_common import (
    PROCESS,
    PROTECT,
    Spec,
    decrement_usage_limits,
    enforce_usage_limits,
    field_bool,
    field_bytes,
    first_success,
    key_object,
    read_params,
    select_keys,
    stored_params,
)
from kms_tui.server.store import StoredObject

HMAC_HASHES = {
    "SHA1": "sha1",
    "SHA224": "sha224",
    "SHA256": "sha256",
    "SHA384": "sha384",
    "SHA512": "sha512",
    "SHA3224": "sha3_224",
    "SHA3256": "sha3_256",
    "SHA3384": "sha3_384",
    "SHA3512": "sha3_512",
}


def _symmetric(obj: StoredObject) -> bool:
    return obj.object_type == "SymmetricKey"


MAC_SPEC = Spec("MAC", "mac", PROTECT, _symmetric)
VERIFY_SPEC = Spec("MACVerify", "mac", PROCESS, _symmetric, try_each=True)


def compute_hmac(key: bytes, data: bytes, algorithm: str) -> bytes:
    """``compute_hmac``."""
    name = HMAC_HASHES.get(algorithm)
    if name is None:
        raise ServerError(f"Unsupported hashing algorithm: {algorithm}")
    return hmac.new(key, data, getattr(hashlib, name)).digest()


def _hmac_hash(algorithm: str) -> str:
    """``hmac_algorithm_to_hashing``: HMACSHA256 → SHA256."""
    if algorithm.startswith("HMACSHA") and algorithm[4:] in HMAC_HASHES:
        return algorithm[4:]
    raise InvalidRequest(f"Unsupported HMAC algorithm for inference: {algorithm}")


def infer_hash(obj: StoredObject, key: TTLV) -> str:
    """``infer_hmac_hashing_algorithm``: the key block's HMAC algorithm, else the key's
    CryptographicParameters."""
    algorithm = key.child("KeyBlock").get_value("CryptographicAlgorithm")
    if isinstance(algorithm, str) and algorithm.startswith("HMACSHA") and algorithm[4:] in HMAC_HASHES:
        return algorithm[4:]
    if obj.attributes.get("CryptographicParameters") is None:
        raise InvalidRequest(
            "Cryptographic parameters are required or inferable from key's cryptographic algorithm or attributes"
        )
    stored = stored_params(obj).get("CryptographicAlgorithm")
    if stored is None:
        raise InvalidRequest(
            "Missing cryptographic algorithm for MAC inference (attributes cryptographic "
            "parameters present without algorithm)"
        )
    return _hmac_hash(stored)


def _mac(obj: StoredObject, key: TTLV, payload: TTLV, cp: dict[str, Any] | None) -> TTLV:
    if cp is not None:
        algorithm = cp.get("HashingAlgorithm")
        if algorithm is None:
            raise InvalidRequest("Hashing algorithm is required")
    else:
        algorithm = infer_hash(obj, key)
    data = field_bytes(payload, "Data") or b""
    init, final = field_bool(payload, "InitIndicator"), field_bool(payload, "FinalIndicator")
    if init is True and final is True:
        raise ServerError("Invalid request: init_indicator and final_indicator cannot both be true")
    correlation = field_bytes(payload, "CorrelationValue")
    # Cosmian keys the HMAC with the correlation value when one is given (mac.rs: execute_local)
    digest = compute_hmac(correlation if correlation is not None else keys.symmetric_bytes(key), data, algorithm)
    return TTLV.struct(
        "MACResponse",
        [
            TTLV.text("UniqueIdentifier", obj.uid),
            TTLV.bytes_("MACData", digest) if init is not True else None,
            TTLV.bytes_("CorrelationValue", digest) if init is True else None,
        ],
    )


def _mac_verify(obj: StoredObject, key: TTLV, payload: TTLV, cp: dict[str, Any] | None) -> TTLV:
    key_bytes = keys.symmetric_bytes(key)
    if cp is not None:
        algorithm = cp.get("HashingAlgorithm")
        if algorithm is None:
            raise InvalidRequest("Hashing algorithm is required in cryptographic parameters if provided")
    else:
        algorithm = infer_hash(obj, key)
    expected = compute_hmac(key_bytes, field_bytes(payload, "Data") or b"", algorithm)
    valid = expected == field_bytes(payload, "MACData")
    return TTLV.struct(
        "MACVerifyResponse",
        [
            TTLV.text("UniqueIdentifier", obj.uid),
            TTLV.enum("ValidityIndicator", "Valid" if valid else "Invalid"),
        ],
    )


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """MAC (also sent as ``Mac``)."""
    return await _run(ctx, payload, MAC_SPEC, _mac)


async def handle_verify(ctx: OpContext, payload: TTLV) -> TTLV:
    """MACVerify: UniqueIdentifier, Data and MACData are required fields."""
    for tag in ("UniqueIdentifier", "Data", "MACData"):
        require(payload, tag)
    return await _run(ctx, payload, VERIFY_SPEC, _mac_verify)


Compute = Callable[[StoredObject, TTLV, TTLV, dict[str, Any] | None], TTLV]


async def _run(ctx: OpContext, payload: TTLV, spec: Spec, compute: Compute) -> TTLV:
    """Select the key (a keyset is tried key by key for MACVerify), check the usage limits,
    ``compute``, count the bytes."""
    uid = ctx.uid_of(payload, use_placeholder=False)
    cp = read_params(payload.get("CryptographicParameters"), spec.name)
    data_len = len(field_bytes(payload, "Data") or b"")

    async def attempt(obj: StoredObject) -> TTLV:
        enforce_usage_limits(obj, data_len)
        response = compute(obj, key_object(ctx, obj), payload, cp)
        decrement_usage_limits(ctx, obj, data_len)
        return response

    return await first_success(spec, select_keys(ctx, spec, uid), attempt)
