"""What Encrypt, Decrypt, Sign, SignatureVerify, MAC and MACVerify share, as Cosmian 5.26 does it
(``crate/server/src/core/operations/key_ops/crypto_op.rs: select_unique_key,
perform_crypto_operation, execute_local_with_limits``): the key selection (state, then
permission — a ``get`` grant stands for the operation — then eligibility, exactly one match),
its error texts, the process window, UsageLimits, unwrapping a wrapped key, reading the
request's fields and CryptographicParameters, and BulkData (``kmip_2_1/extra/bulk_data.rs``).
Key and data bytes never reach a log or an error message."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from kms_tui.kmip.enums import CryptographicAlgorithm, KmipEnum
from kms_tui.kmip.models.crypto_requests import CP_FIELDS
from kms_tui.kmip.ttlv import TTLV, encode
from kms_tui.server import attributes as A
from kms_tui.server import keys, keysets, wrapping
from kms_tui.server.context import DESTROYED, OpContext
from kms_tui.server.errors import InvalidRequest, Kmip21Error, KmipFailure, Unauthorized, codec
from kms_tui.server.objects import touch
from kms_tui.server.store import StoredObject

# CryptographicUsageMask bits (kmip_0/kmip_types.rs)
SIGN, VERIFY, ENCRYPT, DECRYPT = 0x1, 0x2, 0x4, 0x8
UNRESTRICTED = 0x200000  # non-FIPS: allows every usage (is_usage_authorized_for)
PROTECT = ("Active",)
PROCESS = ("Active", "Deactivated", "Compromised")


class ItemNotFound(KmipFailure):
    """Cosmian's ``KmsError::ItemNotFound``: 422 ``Item not found: …``; ``Item_Not_Found`` with
    the bare message in batches (message.rs)."""

    prefix = "Item not found"
    batch_reason = "Item_Not_Found"
    bare_in_batch = True


def crypto_failure(detail: str) -> Kmip21Error:
    """A CryptoError::OpenSSL/InvalidSize/InvalidTag as the server maps it (error.rs:
    ``From<CryptoError>``): ``Cryptographic_Failure: CRYPTO: error: …``."""
    return Kmip21Error("Cryptographic_Failure", f"CRYPTO: error: {detail}")


# What an OpenSSL failure with an empty error queue (a bad GCM tag, a bad OAEP padding…) reads as
# through rust-openssl: `ErrorStack([])` displays as "OpenSSL error".
OPENSSL_EMPTY = "OpenSSL Error: Error: OpenSSL error. Details: ErrorStack([])"
# Failures for which OpenSSL queues an error: its reason string as rust-openssl prints it
# (`error:<code>:<library>:<function>:<reason>`); code and function are OpenSSL 3's.
OPENSSL_INVALID_TAG = "OpenSSL Error: Error: error:1C800065:Provider routines:gcm_set_ctx_params:invalid tag"
OPENSSL_RSA_DECRYPT = "OpenSSL Error: Error: error:1C880004:Provider routines:rsa_decrypt:RSA lib"
OPENSSL_TOO_LARGE = (
    "OpenSSL Error: Error: error:0200006E:rsa routines:RSA_padding_add_PKCS1_OAEP_mgf1_ex:data too large for key size"
)
OPENSSL_BAD_DECRYPT = "OpenSSL Error: Error: error:1C800064:Provider routines:ossl_cipher_unpadblock:bad decrypt"


def not_supported(message: str) -> Kmip21Error:
    """CryptoError::NotSupported → ``Operation_Not_Supported: …``."""
    return Kmip21Error("Operation_Not_Supported", message)


# -- usage mask ------------------------------------------------------------------------------------


def usage_mask(obj: StoredObject) -> int | None:
    value = obj.attributes.get_value("CryptographicUsageMask")
    return value if isinstance(value, int) else None


def usage_allows(obj: StoredObject, flag: int) -> bool:
    """``Attributes::is_usage_authorized_for`` (non-FIPS: Unrestricted counts); False without a mask."""
    mask = usage_mask(obj)
    return mask is not None and bool(mask & (flag | UNRESTRICTED))


def has_usage_mask(obj: StoredObject, flag: int, lenient: bool) -> bool:
    """``ObjectWithMetadata::has_usage_mask``: ``lenient`` lets a missing mask pass."""
    if lenient and usage_mask(obj) is None:
        return True
    return usage_allows(obj, flag)


# -- key selection ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One operation's ``CryptoOpSpec``: its name in messages, the permission it checks, the
    states it accepts, which objects are eligible, and its ``map_selection_error``."""

    name: str
    right: str
    states: tuple[str, ...]
    eligible: Callable[[StoredObject], bool]
    map_error: Callable[[KmipFailure, str, str], KmipFailure] | None = None
    try_each: bool = False  # KeysetMode::TryEach (Decrypt, SignatureVerify, MACVerify)


def default_map_error(spec: Spec, exc: KmipFailure, uid: str) -> KmipFailure:
    """The default ``map_selection_error``: not found and not permitted both become
    ``Item_Not_Found: <Op>: no valid key for id: <uid>``."""
    if isinstance(exc, (ItemNotFound, Unauthorized)):
        return Kmip21Error("Item_Not_Found", f"{spec.name}: no valid key for id: {uid}")
    return exc


def _rust_list(items: list[str] | tuple[str, ...], quoted: bool) -> str:
    return "[" + ", ".join(f'"{i}"' if quoted else i for i in items) + "]"


def select_key(ctx: OpContext, spec: Spec, uid: str) -> StoredObject:
    """``select_unique_key``: state filter (Destroyed objects are as absent), permission
    (owner, the operation's grant or ``get``), eligibility; exactly one must remain. Then the
    operation's error mapping and ``check_process_window``."""
    try:
        obj = _select(ctx, spec, uid)
    except KmipFailure as exc:
        mapped = spec.map_error(exc, uid, ctx.user) if spec.map_error else default_map_error(spec, exc, uid)
        raise mapped from None
    _check_process_window(obj)
    return obj


def _select(ctx: OpContext, spec: Spec, uid: str) -> StoredObject:
    eligible: list[StoredObject] = []
    no_permission = False
    wrong_state: tuple[str, str] | None = None
    for oid in ctx.candidate_ids(uid):
        obj = ctx.store.get(oid)
        if obj is None:
            continue
        obj = ctx.refresh_state(obj)
        if obj.state not in spec.states:
            if obj.state not in DESTROYED and wrong_state is None:
                wrong_state = (obj.uid, obj.state)
            continue
        if not ctx.may(obj, spec.right):
            no_permission = True
            continue
        if not spec.eligible(obj):
            continue
        eligible.append(obj)
    if len(eligible) == 1:
        return eligible[0]
    if len(eligible) > 1:
        ids = _rust_list([o.uid for o in eligible], quoted=True)
        raise InvalidRequest(
            f"{spec.name}: identifier '{uid}' resolves to {len(eligible)} valid keys {ids}; use a unique identifier"
        )
    if no_permission:
        raise Unauthorized(f"{spec.name}: user {ctx.user} does not have permission to use key: {uid}")
    if wrong_state is not None:
        raise Kmip21Error(
            "Permission_Denied",
            f"{spec.name}: key {wrong_state[0]} is in state {wrong_state[1]} but operation requires one of "
            f"{_rust_list(spec.states, quoted=False)}",
        )
    raise ItemNotFound(f"{spec.name}: no valid key found for identifier: {uid}")


# ReKey/ReKeyKeyPair call select_unique_key without a crypto operation's error mapping.
select_unique = _select


def select_keys(ctx: OpContext, spec: Spec, uid: str) -> list[StoredObject]:
    """``resolve_key_for_operation``: a keyset reference first (``kms_tui/server/keysets.py``) —
    ``name@latest|first|N``, or a bare name for an operation that takes the latest key, is the one
    key of the user's keyset (its state checked, no grant needed: only the user's own keys are
    members); a bare name for a ``try_each`` operation is the keyset's usable keys, newest first —
    else :func:`select_key`. A name that is no keyset of the user is an ordinary id."""
    ref = keysets.parse_keyset(uid)
    if ref is not None:
        name, version = ref
        if version == keysets.BARE and spec.try_each:
            chain = keysets.chain(ctx, name)
            if chain:
                return [obj for obj in (_chain_member(ctx, spec, oid) for oid in chain) if obj is not None]
        else:
            found = keysets.single(ctx, name, version)
            if found is not None:
                return [_keyset_key(ctx, spec, found)]
    return [select_key(ctx, spec, uid)]


def _keyset_key(ctx: OpContext, spec: Spec, uid: str) -> StoredObject:
    obj = ctx.store.get(uid)
    if obj is None:
        raise ItemNotFound(f"{spec.name}: keyset key not found: {uid}")
    obj = ctx.refresh_state(obj)
    _check_process_window(obj)
    if obj.state not in spec.states:
        raise Kmip21Error(
            "Permission_Denied",
            f"{spec.name}: key {uid} is in state {obj.state} but operation "
            f"requires one of {_rust_list(spec.states, quoted=False)}",
        )
    return obj


def _chain_member(ctx: OpContext, spec: Spec, uid: str) -> StoredObject | None:
    """``execute_keyset_try_each``'s filters: state, permission (``get`` stands in), eligibility,
    process window; a key that fails one is skipped."""
    obj = ctx.store.get(uid)
    if obj is None:
        return None
    obj = ctx.refresh_state(obj)
    if obj.state not in spec.states or not ctx.may(obj, spec.right) or not spec.eligible(obj):
        return None
    try:
        _check_process_window(obj)
    except KmipFailure:
        return None
    return obj


async def first_success(
    spec: Spec, objs: list[StoredObject], attempt: Callable[[StoredObject], Awaitable[TTLV]]
) -> TTLV:
    """Run ``attempt`` on each key until one succeeds (one key unless a keyset is tried); the
    last failure otherwise (``execute_keyset_try_each``)."""
    last: KmipFailure | None = None
    for obj in objs:
        try:
            return await attempt(obj)
        except KmipFailure as exc:
            last = exc
    if last is not None:
        raise last
    raise Kmip21Error(
        "Item_Not_Found", f"{spec.name}: decryption failed — no key in the keyset could process the request"
    )


def _check_process_window(obj: StoredObject) -> None:
    """``check_process_window``: an Active key before ProcessStartDate or after ProtectStopDate
    → ``Wrong_Key_Lifecycle_State: DENIED``."""
    if obj.state != "Active":
        return
    now = A.now()
    start = obj.attributes.get_value("ProcessStartDate")
    stop = obj.attributes.get_value("ProtectStopDate")
    if (start is not None and now < start) or (stop is not None and now > stop):
        raise Kmip21Error("Wrong_Key_Lifecycle_State", "DENIED")


# -- usage limits and unwrapping ---------------------------------------------------------------


def _limits(obj: StoredObject) -> TTLV | None:
    node = obj.attributes.get("UsageLimits")
    return node if node is not None and node.type == "Structure" else None


def enforce_usage_limits(obj: StoredObject, data_len: int) -> None:
    """``enforce_usage_limits``: not enough budget → ``Permission_Denied: DENIED``."""
    limits = _limits(obj)
    if limits is None:
        return
    total = limits.get_value("UsageLimitsTotal", 0)
    unit = limits.get_value("UsageLimitsUnit")
    enough = total >= data_len if unit == "Byte" else total > 0
    if not enough:
        raise Kmip21Error("Permission_Denied", "DENIED")


def decrement_usage_limits(ctx: OpContext, obj: StoredObject, data_len: int) -> None:
    """``decrement_usage_limits``: bytes for a Byte unit, else one; persisted."""
    limits = _limits(obj)
    if limits is None:
        return
    node = limits.get("UsageLimitsTotal")
    if node is None:
        return
    used = data_len if limits.get_value("UsageLimitsUnit") == "Byte" else 1
    node.value = max(0, node.value - used)
    touch(obj)
    ctx.store.update(obj)


def key_object(ctx: OpContext, obj: StoredObject) -> TTLV:
    """The key as the operation uses it: a wrapped key is unwrapped in memory only."""
    if not wrapping.is_wrapped(obj.object):
        return obj.object
    return wrapping.unwrapped(ctx, obj)


# Loading an RSA private key validates it (~70 ms for RSA-2048): keep the loaded keys of the last
# few hundred key blocks, found by a digest of the block, so a key is checked once per process.
_LOADED: OrderedDict[bytes, PrivateKeyTypes] = OrderedDict()
_LOADED_MAX = 256
_LOADED_LOCK = threading.Lock()


def load_private(key: TTLV) -> PrivateKeyTypes:
    """``keys.load_private`` with the loaded key kept (raises ``keys.KeyFormatError``)."""
    digest = hashlib.sha256(encode(key.get("KeyBlock") or key).encode()).digest()
    with _LOADED_LOCK:
        found = _LOADED.get(digest)
        if found is not None:
            _LOADED.move_to_end(digest)
            return found
    loaded = keys.load_private(key)
    with _LOADED_LOCK:
        _LOADED[digest] = loaded
        while len(_LOADED) > _LOADED_MAX:
            _LOADED.popitem(last=False)
    return loaded


# -- reading the request ---------------------------------------------------------------------------


def field_bytes(payload: TTLV, tag: str) -> bytes | None:
    node = payload.get(tag)
    if node is None:
        return None
    if node.type != "ByteString":
        raise codec(f"invalid type for `{tag}` in {payload.tag}: expected ByteString, got {node.type}")
    value: bytes = node.value
    return value


def field_bool(payload: TTLV, tag: str) -> bool | None:
    node = payload.get(tag)
    if node is None:
        return None
    if node.type != "Boolean":
        raise codec(f"invalid type for `{tag}` in {payload.tag}: expected Boolean, got {node.type}")
    value: bool = node.value
    return value


def _enum_name(tag: str, node: TTLV, enum: type[KmipEnum] | None) -> str:
    value = node.value
    if enum is None:
        return value if isinstance(value, str) else str(value)
    if isinstance(value, str):
        if value in enum.names():
            return value
        raise codec(f'invalid value: string "{value}", expected valid {enum.__name__} name')
    member = enum.from_code(value) if isinstance(value, int) else None
    if member is None:
        raise codec(f"invalid value: integer `{value}`, expected valid {enum.__name__} value")
    return member.value


def read_params(node: TTLV | None, where: str) -> dict[str, Any] | None:
    """CryptographicParameters → ``{tag: value}`` (enumerations as Cosmian variant names)."""
    if node is None:
        return None
    if node.type != "Structure":
        raise codec(f"invalid type for `CryptographicParameters` in {where}: expected Structure, got {node.type}")
    out: dict[str, Any] = {}
    for tag, typ, enum in CP_FIELDS:
        child = node.get(tag)
        if child is None:
            continue
        if child.type != typ:
            raise codec(
                f"invalid type for `{tag}` in {where}/CryptographicParameters: expected {typ}, got {child.type}"
            )
        if typ == "Enumeration":
            if tag == "CryptographicAlgorithm":
                enum = CryptographicAlgorithm
            out[tag] = _enum_name(tag, child, enum)
        else:
            out[tag] = child.value
    return out


def stored_params(obj: StoredObject) -> dict[str, Any]:
    """The key's own CryptographicParameters attribute (empty when it has none)."""
    try:
        return read_params(obj.attributes.get("CryptographicParameters"), "Attributes") or {}
    except KmipFailure:
        return {}


def merged(request: dict[str, Any] | None, stored: dict[str, Any]) -> dict[str, Any]:
    """``CryptographicParameters::merged_with_object``: the request's fields, the stored ones
    filling the gaps (only the stored ones without a request structure)."""
    if request is None:
        return dict(stored)
    out = dict(stored)
    out.update(request)
    return out


# -- BulkData ------------------------------------------------------------------------------------------


def _leb128(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated LEB128")
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise ValueError("LEB128 overflow")


def _leb128_bytes(value: int) -> bytes:
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def bulk_items(data: bytes) -> list[bytes] | None:
    """``BulkData::deserialize``: ``0x87 0x87 || count || (len || bytes)*``, else None."""
    if not (len(data) > 2 and data[0] == 0x87 and data[1] == 0x87):
        return None
    try:
        count, pos = _leb128(data, 2)
        if count > len(data) - pos:
            return None
        items = []
        for _ in range(count):
            n, pos = _leb128(data, pos)
            if pos + n > len(data):
                return None
            items.append(data[pos : pos + n])
            pos += n
        return items
    except ValueError:
        return None


def bulk_serialize(items: list[bytes]) -> bytes:
    """``BulkData::serialize``."""
    out = bytearray(b"\x87\x87") + _leb128_bytes(len(items))
    for item in items:
        out += _leb128_bytes(len(item)) + item
    return bytes(out)


async def run_on_data(
    ctx: OpContext,
    payload: TTLV,
    spec: Spec,
    name: str,
    verb: str,
    single: Callable[..., TTLV],
    bulk: Callable[..., TTLV],
) -> TTLV:
    """Encrypt and Decrypt alike (``encrypt.rs``/``decrypt.rs``: ``perform``): select the key,
    check the usage limits, refuse a missing Data, then run ``single`` on the data (or ``bulk`` on
    each item of a BulkData) in a worker thread, and count the bytes against the limits."""
    uid = ctx.uid_of(payload, use_placeholder=False)
    cp = read_params(payload.get("CryptographicParameters"), name)
    data = field_bytes(payload, "Data")

    async def attempt(obj: StoredObject) -> TTLV:
        enforce_usage_limits(obj, len(data or b""))
        if data is None:
            raise InvalidRequest(f"{name}: data to {verb} must be provided")
        key = key_object(ctx, obj)
        items = bulk_items(data)
        if items is not None:
            response = await ctx.run_cpu(bulk, obj, key, payload, cp, items)
        else:
            response = await ctx.run_cpu(single, obj, key, payload, cp, data)
        decrement_usage_limits(ctx, obj, len(data))
        return response

    return await first_success(spec, select_keys(ctx, spec, uid), attempt)
