"""DiscoverVersions: KMIP 2.1 first, then the versions Cosmian also speaks; a client list
narrows the answer to the versions both sides support, in the client's order."""

from __future__ import annotations

from kms_tui.kmip.ttlv import TTLV
from kms_tui.server.context import OpContext

SUPPORTED = ((2, 1), (2, 0), (1, 4), (1, 3), (1, 2), (1, 1), (1, 0))


def _version(major: int, minor: int) -> TTLV:
    return TTLV.struct(
        "ProtocolVersion",
        [
            TTLV.integer("ProtocolVersionMajor", major),
            TTLV.integer("ProtocolVersionMinor", minor),
        ],
    )


async def handle(ctx: OpContext, payload: TTLV) -> TTLV:
    """DiscoverVersions: the protocol versions the server speaks."""
    asked = [
        (v.get_value("ProtocolVersionMajor"), v.get_value("ProtocolVersionMinor"))
        for v in payload.children("ProtocolVersion")
    ]
    versions = [v for v in asked if v in SUPPORTED] if asked else list(SUPPORTED)
    return TTLV.struct("DiscoverVersionsResponse", [_version(*v) for v in versions])
