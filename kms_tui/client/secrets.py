"""Secret data and opaque objects: create them as ckms 5.26 does, and read their value back.

A value is held in a :class:`SecretValue`, whose ``repr``/``str`` never show the bytes (a worker's
arguments or a traceback may be printed). Requests carrying a value go through
:meth:`KmsClient.import_object`: the audit trail records the operation and the id, never the
request body.

* random Seed of 32 bytes (the default): a Create, the server makes it (``secret_data_create_request``);
* a value, or a random value of another length (made here with :mod:`secrets`): an Import of a
  SecretData (Password or Seed) — Cosmian 5.26's server creates 32-byte seeds only;
* an opaque object: an Import of an OpaqueObject.
"""

from __future__ import annotations

import base64
import secrets as _random
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kms_tui.client.errors import InvalidValue
from kms_tui.kmip.ttlv import TTLV

if TYPE_CHECKING:
    from kms_tui.client.kms_client import KmsClient

SERVER_SEED_BYTES = 32  # what Cosmian's Create of a SecretData makes
MAX_VALUE_BYTES = 1 << 20  # a secret read from a file or stdin: 1 MiB is plenty
# The characters of a random password: letters, digits and punctuation a shell or a TOML string
# holds without quoting trouble (no quotes, backslash, backquote, $ or space).
PASSWORD_ALPHABET = string.ascii_letters + string.digits + "!#%&()*+,-./:;<=>?@[]^_{|}~"
SECRET_TYPES = ("SecretData", "OpaqueObject")


class SecretValue:
    """Bytes that must not be shown by accident: ``repr`` and ``str`` say only the length."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        self._value = bytes(value)

    def reveal(self) -> bytes:
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def __repr__(self) -> str:
        return f"SecretValue(<{len(self._value)} bytes hidden>)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretValue) and _random.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(len(self._value))


def random_password(length: int) -> SecretValue:
    """``length`` characters drawn with :mod:`secrets` from :data:`PASSWORD_ALPHABET`."""
    _check_length(length)
    return SecretValue("".join(_random.choice(PASSWORD_ALPHABET) for _ in range(length)).encode())


def random_seed(length: int) -> SecretValue:
    """``length`` random bytes (:func:`secrets.token_bytes`)."""
    _check_length(length)
    return SecretValue(_random.token_bytes(length))


def _check_length(length: int) -> None:
    if not 1 <= length <= 4096:
        raise InvalidValue(f"a random secret of {length} is not possible", "choose a length from 1 to 4096")


def check_value(value: SecretValue) -> None:
    if not len(value):
        raise InvalidValue("the secret value is empty", "give a non-empty value, or a length for a random one")
    if len(value) > MAX_VALUE_BYTES:
        raise InvalidValue(f"the secret value is {len(value)} bytes", f"keep it under {MAX_VALUE_BYTES} bytes")


@dataclass(frozen=True)
class Created:
    uid: str
    object_type: str  # SecretData | OpaqueObject
    data_type: str  # Password | Seed | Vendor | Unknown
    length: int  # bytes


async def create_secret_data(
    client: KmsClient,
    *,
    data_type: str = "Seed",
    value: SecretValue | None = None,
    tags: Sequence[str] = (),
    name: str | None = None,
    unique_id: str | None = None,
    activate: bool = True,
    sensitive: bool = False,
    wrapping_key_id: str | None = None,
) -> Created:
    """A SecretData: the server's random 32-byte Seed when no value is given, else ``value``.
    ``sensitive``: the server never hands the value out unwrapped; ``wrapping_key_id`` (the
    server's seed only): stored wrapped by that key."""
    from kms_tui.kmip.models import secret_requests as build  # here: `create aes` needs no models

    if data_type not in build.SECRET_DATA_TYPES:
        raise InvalidValue(f"unknown secret data type {data_type!r}", "use Password or Seed")
    if value is None:
        if data_type != "Seed":
            raise InvalidValue("a password needs a value", "type it, read it from a file, or ask for a random one")
        create = build.secret_data_create_request(
            list(tags),
            unique_id=unique_id,
            name=name,
            activate=activate,
            sensitive=sensitive,
            wrapping_key_id=wrapping_key_id,
        )
        answer = await client.send(create.to_ttlv(), require=("UniqueIdentifier",))
        uid = str(answer.get_value("UniqueIdentifier"))
        return Created(uid, "SecretData", "Seed", SERVER_SEED_BYTES)
    if wrapping_key_id:
        raise InvalidValue(
            "a wrapping key applies to the seed the server makes, not to a value given here",
            "leave out the value (a random 32-byte seed), or the wrapping key",
        )
    check_value(value)
    op = build.secret_data_import_request(
        value.reveal(),
        data_type,
        list(tags),
        unique_id=unique_id or "",
        name=name,
        activate=activate,
        sensitive=sensitive,
    )
    uid = await client.import_object(op.to_ttlv())
    return Created(uid, "SecretData", data_type, len(value))


async def create_opaque_object(
    client: KmsClient,
    value: SecretValue,
    *,
    opaque_type: str = "Vendor",
    tags: Sequence[str] = (),
    name: str | None = None,
    unique_id: str | None = None,
    activate: bool = True,
) -> Created:
    """An OpaqueObject holding ``value``."""
    from kms_tui.kmip.models import secret_requests as build

    check_value(value)
    try:
        op = build.opaque_object_import_request(
            value.reveal(), list(tags), opaque_type=opaque_type, unique_id=unique_id or "", name=name, activate=activate
        )
    except ValueError as exc:
        raise InvalidValue(str(exc), "use Vendor or Unknown") from None
    uid = await client.import_object(op.to_ttlv())
    return Created(uid, "OpaqueObject", opaque_type, len(value))


@dataclass(frozen=True)
class Revealed:
    uid: str
    object_type: str
    data_type: str  # SecretDataType or OpaqueDataType
    value: SecretValue

    def as_text(self) -> str | None:
        """The value as text when it is printable UTF-8, else None."""
        try:
            text = self.value.reveal().decode("utf-8")
        except UnicodeDecodeError:
            return None
        return text if text.isprintable() else None

    def shown(self, fmt: str = "auto") -> str:
        """The value for a person: text (``auto`` when printable), ``hex`` or ``base64``."""
        raw = self.value.reveal()
        if fmt == "hex":
            return raw.hex()
        if fmt == "base64":
            return base64.b64encode(raw).decode()
        text = self.as_text() if fmt in ("auto", "text") else None
        if text is not None:
            return text
        if fmt == "text":
            raise InvalidValue("the value is not printable text", "show it as hex or base64, or write it to a file")
        return raw.hex()


class NotASecret(InvalidValue):
    """The object is not a SecretData or OpaqueObject (exit 3)."""


def value_of(response: TTLV) -> tuple[str, str, bytes]:
    """(object type, data type, bytes) of a Get/Export answer holding a SecretData or OpaqueObject."""
    kind = str(response.get_value("ObjectType") or "")
    if kind not in SECRET_TYPES:
        raise NotASecret(
            f"the object is a {kind or 'unknown object'}, not a SecretData or OpaqueObject",
            "reveal works on secret data and opaque objects",
            reason="not_secret",
        )
    data_type = ""
    for node in response.walk():
        if node.tag in ("SecretDataType", "OpaqueDataType"):
            data_type = str(node.value)
        if node.tag in ("KeyMaterial", "OpaqueDataValue") and isinstance(node.value, bytes):
            return kind, data_type, node.value
        if node.tag == "KeyMaterial" and node.is_struct:  # TransparentSymmetricKey-style {Key: bytes}
            key = node.get_value("Key")
            if isinstance(key, bytes):
                return kind, data_type, key
        if node.tag == "KeyValue" and node.type == "ByteString":
            raise NotASecret(
                "the value is stored wrapped by another key", "unwrap it first (export with a key)", reason="wrapped"
            )
    raise NotASecret(
        "the object holds no readable bytes", "store the secret as raw SecretData bytes", reason="no_value"
    )


async def reveal(client: Any, uid: str) -> Revealed:
    """Export the object unwrapped (KeyWrapType NotWrapped: a value stored wrapped comes back in the
    clear, as ``ckms … export --unwrap``; Export also serves a revoked object: the caller decides)
    and read its value."""
    from kms_tui.kmip.models.requests import export_request

    response = await client.send(export_request(uid, None, "NotWrapped").to_ttlv())
    kind, data_type, raw = value_of(response)
    return Revealed(str(response.get_value("UniqueIdentifier", uid)), kind, data_type, SecretValue(raw))
