"""Re-key and rotation-policy requests the way ckms 5.26 sends them
(``crate/clients/clap/src/actions/symmetric/keys/rekey.rs``, ``shared/rekey_keypair.rs``,
``shared/set_rotation_policy.rs``, ``shared/get_rotation_policy.rs``):

* ``ckms sym keys re-key -k ID`` sends ``ReKey{UniqueIdentifier}``; ``ckms rsa|ec keys re-key``
  sends ``ReKeyKeyPair{PrivateKeyUniqueIdentifier}``; an ``Offset`` (seconds, LongInteger) is the
  delay between the new key's InitialDate and its ActivationDate (KMIP 2.1 §6.1.46).
* ``ckms … set-rotation-policy`` sends one ``SetAttribute`` each for ``RotateInterval``,
  ``RotateOffset`` (seconds, LongInteger) and ``RotateName``, in that order; the server turns
  RotateAutomatic on for a positive interval. ``get-rotation-policy`` reads them with GetAttributes.
"""

from __future__ import annotations

from kms_tui.kmip.models.attributes import Attributes
from kms_tui.kmip.ttlv import TTLV

__all__ = ["rekey_request", "rekey_key_pair_request", "policy_attributes"]


def rekey_request(uid: str, *, offset: int | None = None) -> TTLV:
    """``ReKey`` for a symmetric key."""
    children = [TTLV.text("UniqueIdentifier", uid)]
    if offset is not None:
        children.append(TTLV.long("Offset", offset))
    return TTLV.struct("ReKey", children)


def rekey_key_pair_request(private_key_uid: str, *, offset: int | None = None) -> TTLV:
    """``ReKeyKeyPair`` for the pair of a private key."""
    children = [TTLV.text("PrivateKeyUniqueIdentifier", private_key_uid)]
    if offset is not None:
        children.append(TTLV.long("Offset", offset))
    return TTLV.struct("ReKeyKeyPair", children)


def policy_attributes(
    *, interval: int | None = None, offset: int | None = None, name: str | None = None
) -> list[Attributes]:
    """The attributes ``set-rotation-policy`` sets, one per SetAttribute, in ckms's order."""
    out = []
    if interval is not None:
        out.append(Attributes(rotate_interval=interval))
    if offset is not None:
        out.append(Attributes(rotate_offset=offset))
    if name is not None:
        out.append(Attributes(rotate_name=name))
    return out
