"""Typed pydantic models for Cosmian's KMIP 2.1 payloads, with ``to_ttlv()`` / ``from_ttlv()``.

Split by area: ``attributes`` (the flat Attributes structure, links, names, vendor attributes,
tags), ``objects`` (key blocks, certificates, secret data), ``operations`` (create / find / fetch
payloads), ``admin_ops`` (attribute and lifecycle payloads), ``messages`` (RequestMessage /
ResponseMessage batches) and ``requests`` (ckms-style request builders).
"""

from kms_tui.kmip.models import admin_ops, attributes, messages, objects, operations, requests
from kms_tui.kmip.models.admin_ops import *  # noqa: F403
from kms_tui.kmip.models.attributes import *  # noqa: F403
from kms_tui.kmip.models.base import CodecError, TTLVModel, W, codec_error
from kms_tui.kmip.models.messages import *  # noqa: F403
from kms_tui.kmip.models.objects import *  # noqa: F403
from kms_tui.kmip.models.operations import *  # noqa: F403
from kms_tui.kmip.models.requests import *  # noqa: F403

__all__ = ["CodecError", "TTLVModel", "W", "codec_error"] + [
    name for module in (admin_ops, attributes, messages, objects, operations, requests) for name in module.__all__
]
