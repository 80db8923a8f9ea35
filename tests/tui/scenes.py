"""The objects screen with recorded rows: fixed ids and dates, fed through the same parsing code
as a live load (``RECORDED``: the shape ``KmsClient.list_objects`` returns), for snapshots and
pilot tests that need a screen that looks the same on every machine."""

from __future__ import annotations

import copy

from kms_tui.client.listing import ObjectSummary
from kms_tui.tui.objects.loading import row_from_summary
from kms_tui.tui.objects.rows import normalise_attributes, recent_attributes
from tests.tui.conftest import settle

DAY = "2026-01-1{}T08:{}:00Z"
SK = "5b1d0c2e-8f43-4a51-9a0e-7c3f2b9d6e10"
EC = "c0ffee00-1234-4abc-8def-00000000p384"
AES = "0a9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c"


def _key(uid, otype, alg, length, mask, fmt, state, day, tags, names=(), links=()):
    date = DAY.format(day, "0" + str(day))
    return {
        "ActivationDate": date,
        "AlwaysSensitive": False,
        "CryptographicAlgorithm": alg,
        "CryptographicLength": length,
        "CryptographicUsageMask": mask,
        "InitialDate": date,
        "KeyFormatType": fmt,
        "LastChangeDate": date,
        "links": [{"type": t, "id": i} for t, i in links],
        "names": list(names),
        "ObjectType": otype,
        "OriginalCreationDate": date,
        "State": state,
        "UniqueIdentifier": uid,
        "tags": list(tags),
    }


RECORDED = [
    _key(
        SK,
        "PrivateKey",
        "RSA",
        2048,
        2601,
        "TransparentRSAPrivateKey",
        "Active",
        1,
        ["_sk", "eu", "prod"],
        ["web-tls"],
        [("PublicKeyLink", SK + "_pk")],
    ),
    _key(
        SK + "_pk",
        "PublicKey",
        "RSA",
        2048,
        2582,
        "TransparentRSAPublicKey",
        "Active",
        1,
        ["_pk", "eu", "prod"],
        (),
        [("PrivateKeyLink", SK)],
    ),
    _key(
        EC,
        "PrivateKey",
        "ECDH",
        384,
        1063425,
        "TransparentECPrivateKey",
        "Deactivated",
        2,
        ["_sk", "prod"],
        ["payments"],
        [("PublicKeyLink", EC + "_pk")],
    ),
    _key(
        EC + "_pk",
        "PublicKey",
        "ECDH",
        384,
        1051138,
        "TransparentECPublicKey",
        "Deactivated",
        2,
        ["_pk", "prod"],
        (),
        [("PrivateKeyLink", EC)],
    ),
    _key(
        AES, "SymmetricKey", "AES", 256, 2108, "TransparentSymmetricKey", "PreActive", 3, ["_kk", "ops"], ["backup-key"]
    ),
]


async def _objects_with_rows(pilot, *, rows: bool = True):
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    screen = pilot.app.screen
    if rows:
        recorded = copy.deepcopy(RECORDED)  # rows take over (reshape) the dicts they are built from
        add_recorded(pilot, screen, recorded)
        screen._show_counts()
        screen.table.select_uid(SK)
    await pilot.pause()
    return screen


def add_recorded(pilot, screen, recorded: list[dict]) -> None:
    """Rows for the ``recorded`` attributes; the detail pane gets those attributes as if read from
    the server (the objects are not on the sandbox)."""
    summaries = [ObjectSummary.from_attributes(a["UniqueIdentifier"], a) for a in recorded]
    screen.table.add_rows(row_from_summary(s) for s in summaries)
    recent = recent_attributes(pilot.app.services.client)
    for s in summaries:
        recent.put(s.uid, normalise_attributes(s.attributes))


SECRET = "5ec2e7da-7a00-4b1e-9c3d-000000000042"
RECORDED_SECRET = {
    **_key(SECRET, "SecretData", None, None, 1051136, "Raw", "Active", 4, ["_sd", "db"], ["db-password"]),
    "CryptographicAlgorithm": None,
    "CryptographicLength": None,
}


async def _with_secret(pilot):
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    screen = pilot.app.screen
    recorded = copy.deepcopy(RECORDED + [RECORDED_SECRET])
    recorded[-1] = {k: v for k, v in recorded[-1].items() if v is not None}
    add_recorded(pilot, screen, recorded)
    screen._show_counts()
    screen.table.select_uid(SECRET)
    await pilot.pause()
    return screen


# The sandbox's /version names the machine's OpenSSL and the whoami panel shows it: pinned to the
# value these snapshots were reviewed with, so they match on every machine.
SANDBOX_VERSION = "5.26.0 (OpenSSL 3.0.19 27 Jan 2026-non-FIPS)"
