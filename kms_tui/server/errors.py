"""Server errors, shaped like Cosmian's ``KmsError``: an HTTP status and body for bare
operations, a ``ResultReason``/``ResultMessage`` pair for RequestMessage batch items.

The base is :class:`KmipFailure`, not ``KmsError``: that name belongs to the client's errors
(``kms_tui.client.errors.KmsError``), which a user sees; these are what the sandbox answers."""

from __future__ import annotations


class KmipFailure(Exception):
    """A failure the sandbox answers (Cosmian's ``KmsError``): ``status`` for bare operations,
    ``display`` as the plain-text body."""

    status = 422
    prefix = ""
    batch_reason = "Operation_Not_Supported"
    bare_in_batch = False  # batch ResultMessage without the Display prefix

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def display(self) -> str:
        return f"{self.prefix}: {self.message}" if self.prefix else self.message

    @property
    def body(self) -> str:
        """What the HTTP body says: 5xx bodies never leak details."""
        return "Internal server error" if self.status >= 500 else self.display

    @property
    def batch_message(self) -> str:
        return self.message if self.bare_in_batch else self.display


class Kmip21Error(KmipFailure):
    """``{ErrorReason}: {msg}``; batch items carry the reason and the bare message."""

    bare_in_batch = True

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason

    @property
    def display(self) -> str:
        return f"{self.reason}: {self.message}"

    @property
    def batch_reason(self) -> str:  # type: ignore[override]  # a property over the base's class attribute
        return self.reason


class InvalidRequest(KmipFailure):
    """``Invalid Request: …`` (422): a request Cosmian refuses as such."""

    prefix = "Invalid Request"


class NotSupported(KmipFailure):
    """``Not Supported: …`` (422): a feature or format the server does not offer."""

    prefix = "Not Supported"


class Unauthorized(KmipFailure):
    """Access-right failures that Cosmian reports as 401 (no create right, not the owner)."""

    status = 401
    prefix = "Access denied"
    batch_reason = "Permission_Denied"
    bare_in_batch = True


class RouteNotFound(KmipFailure):
    """``Route not supported: …`` (404): an unknown operation tag."""

    status = 404
    prefix = "Route not supported"


class DatabaseError(KmipFailure):
    """``Database Error: …``: 422 for duplicates ("already exist"), else 500."""

    prefix = "Database Error"

    @property
    def status(self) -> int:  # type: ignore[override]  # a property over the base's class attribute
        return 422 if "already exist" in self.message else 500


class CryptographicError(KmipFailure):
    """A cryptographic failure: 500 on bare operations, ``Cryptographic_Failure`` in batches."""

    status = 500
    prefix = "Cryptographic error"
    batch_reason = "Cryptographic_Failure"
    bare_in_batch = True


class UnsupportedPlaceholder(KmipFailure):
    """A missing UniqueIdentifier outside a batch (no ID placeholder to use)."""

    def __init__(self) -> None:
        super().__init__("This KMIP server does not yet support place holder id")

    @property
    def display(self) -> str:
        return self.message


def not_found(uid: str) -> Kmip21Error:
    """What Get/Export/GetAttributes/Activate say for an absent or invisible object."""
    return Kmip21Error("Object_Not_Found", f"object not found for identifier {uid}")


def item_not_found(uid: str) -> Kmip21Error:
    """What Revoke/Destroy say when nothing could be acted on."""
    return Kmip21Error("Item_Not_Found", uid)


def codec(message: str) -> Kmip21Error:
    """A TTLV tree that does not map to the operation's structure."""
    return Kmip21Error("Codec_Error", message)


class ServerError(KmipFailure):
    """``Unexpected server error: …`` (Cosmian's ``kms_bail!("…")``): 500 with a generic body,
    unless the text says "not supported" (then 422); ``Operation_Not_Supported`` in batches."""

    prefix = "Unexpected server error"

    @property
    def status(self) -> int:  # type: ignore[override]  # a property over the base's class attribute
        return 422 if ("not supported" in self.message or "Not Supported" in self.message) else 500
