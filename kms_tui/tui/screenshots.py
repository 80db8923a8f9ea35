"""Write an SVG of every console screen, taken from the real app on a real sandbox.

    python -m kms_tui.tui.screenshots [--out screenshots] [--size 80x24] [--only NAME ...]

Runs in a throw-away kms-tui home (your profiles and settings are not touched), starts the
sandbox as the console does, and drives the app with Textual's pilot. To add a screen, append
a ``Shot(name, title, setup)`` to ``SHOTS``: ``setup(pilot)`` brings the app to that screen.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

Setup = Callable[["object"], Awaitable[None]]
FIXED_NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Shot:
    name: str  # file name (without .svg)
    title: str  # caption in the README
    setup: Setup


async def _settle(pilot, seconds: float = 0.6) -> None:
    await pilot.pause(seconds)


def press(*keys: str, wait: float = 0.6) -> Setup:
    async def setup(pilot) -> None:
        await pilot.press(*keys)
        await _settle(pilot, wait)

    return setup


async def _help(pilot) -> None:
    await pilot.press("1", "f1")
    await _settle(pilot)


async def _palette(pilot) -> None:
    await pilot.press("1", "ctrl+p")
    await _settle(pilot, 0.3)
    await pilot.press(*"profile")
    await _settle(pilot)


async def _onboarding(pilot) -> None:
    await pilot.press("1", "ctrl+o")
    await _settle(pilot)


async def _connect(pilot) -> None:
    await _onboarding(pilot)
    await pilot.press("down", "enter")
    await _settle(pilot)


def _close_overlays(pilot) -> None:
    app = pilot.app
    while len(app.screen_stack) > 1:
        app.pop_screen()


SHOTS: list[Shot] = [
    Shot("onboarding", "First start: try the sandbox, connect to a server, or import a ckms.toml", _onboarding),
    Shot("connect", "Connect to a server: URL, TLS, connection check", _connect),
    Shot("whoami", "Who am I: user, session, server, rights", press("1")),
    Shot("profiles", "Profiles", press("4")),
    Shot("signin-form", "Sign-in setup form (inline checks)", press("4", "a", wait=1.0)),
    Shot("config-editor", "Config editor: TOML, live validation", press("5", wait=1.0)),
    Shot("help", "F1: the keys of the current screen", _help),
    Shot("palette", "Command palette: every action", _palette),
    # the objects and audit screens add theirs here
    Shot("objects", "Objects: every object, sortable, filterable, loaded in the background", lambda p: _objects(p)),
    Shot("objects-detail", "Object detail: readable attributes, links to follow", lambda p: _objects(p, "enter")),
    Shot(
        "objects-create",
        "Create a key pair, a symmetric key, secret data or an opaque object",
        lambda p: _objects(p, "n"),
    ),
    Shot("objects-revoke", "Revoke: reason, message, compromise date, cascade", lambda p: _objects(p, "v")),
    Shot(
        "objects-destroy", "Destroy: names the object and its linked key, asks for the id", lambda p: _objects(p, "d")
    ),
    Shot("objects-secret", "Secret data: the value masked until V", lambda p: _secret(p)),
    Shot("objects-name-dates", "Name, dates and vendor attributes of an object (A)", lambda p: _objects(p, "A")),
    Shot(
        "objects-tags",
        "Tags of an object (T): server tags kept, yours edited as one line",
        lambda p: _objects(p, "T", "end", *", rotated-2026"),
    ),
    Shot("objects-revoke-rights", "Revoke some or all of a user's rights", lambda p: _revoke_rights(p)),
    Shot(
        "objects-grant",
        "Grant: a user, the operations, and what they really allow on Cosmian 5.26",
        lambda p: _objects(p, "g"),
    ),
    Shot(
        "access", "Access: what you own, what was granted to you, whether you may create objects", lambda p: _access(p)
    ),
    Shot(
        "objects-locate",
        "Server filters: type, algorithm, state incl. destroyed, tags, name, length, link",
        lambda p: _objects(p, "f"),
    ),
    Shot("audit", "Audit view: what the console did, newest first", lambda p: _audit(p)),
    Shot(
        "objects-rotation-history",
        "Rotation history: the chain of re-keyed keys, policy, next rotation",
        lambda p: _rotation(p, "H"),
    ),
    Shot(
        "objects-test-key",
        "Test this key: a round trip on the server, pass or fail, timing",
        lambda p: _rotation(p, "K"),
    ),
    Shot(
        "objects-certificate",
        "Certificate detail: validity and days left, SANs, usages, fingerprints, chain",
        lambda p: _certificates(p, "enter"),
    ),
    Shot(
        "objects-certify",
        "Certify: new key pair, public key or CSR; issuer picked from the CAs in the KMS",
        lambda p: _certificates(p, "C"),
    ),
    Shot("objects-export", "Export: every format, wrapping, a confirmation before key material", lambda p: _export(p)),
    Shot("objects-import", "Import: what the file holds, shown before anything is sent", lambda p: _import(p)),
    Shot(
        "objects-import-wrapped",
        "Import a wrapped key: unwrap it, store it wrapped by another key of the KMS",
        lambda p: _import_wrapped(p),
    ),
    Shot("radar", "Radar: what needs attention, worst first, each acted on one key away", lambda p: _radar(p)),
    Shot(
        "bulk-preview",
        "Bulk revoke: every object that changes, partners, grants; type the count",
        lambda p: _bulk_preview(p),
    ),
    Shot(
        "bulk-run",
        "Bulk tags on the marked rows: progress, s stops between objects, each outcome",
        lambda p: _bulk_run(p),
    ),
    Shot(
        "doctor",
        "Connection check (the doctor's walk): stops at the first broken link with its fix",
        lambda p: _doctor(p),
    ),
    # last: it leaves the console read-only behind the production banner
    Shot(
        "production", "A production profile: red banner, read-only until ctrl+g and its name", lambda p: _production(p)
    ),
]


async def _access(pilot) -> None:
    await _objects(pilot)  # the sample objects exist
    await pilot.press("6")
    await _settle(pilot, 1.0)


async def _export(pilot) -> None:
    from textual.widgets import Select

    await _objects(pilot, "e")
    await _settle(pilot)
    pilot.app.screen.query_one("#export-format", Select).value = "pkcs8-pem"
    await _settle(pilot)


async def _import(pilot) -> None:
    """The import preview of a PKCS#12 made here (a throw-away certificate and key)."""
    from kms_tui.tui.screenshots_data import sample_pkcs12

    await _objects(pilot)
    path = Path(os.environ.get("HOME", tempfile.gettempdir())) / "service.p12"
    path.write_bytes(sample_pkcs12())
    pilot.app.screen.transfer.import_file(path)
    await _settle(pilot)


async def _import_wrapped(pilot) -> None:
    """The import preview of a json-ttlv AES key wrapped by one key of the KMS (exported so here),
    Unwrap ticked and another key named to store it wrapped by."""
    from kms_tui.client.transfer import export_files
    from kms_tui.kmip import transfer

    await _objects(pilot)
    client = pilot.app.services.client
    old_kek = await client.create_symmetric_key("AES", 256, name="kek-2025")
    key = await client.create_symmetric_key("AES", 256, name="payments-key")
    path = Path(os.environ.get("HOME", tempfile.gettempdir())) / "payments-key.json"
    await export_files.export_to_file(
        client,
        key,
        "SymmetricKey",
        export_files.format_named("json-ttlv"),
        path,
        wrap_key=old_kek,
        wrap_alg=transfer.wrap_algorithm("rfc5649"),
        force=True,
    )
    pilot.app.screen.transfer.import_file(path)
    await _settle(pilot)
    modal = pilot.app.screen
    modal.query_one("#import-unwrap").value = True
    modal.query_one("#import-wrap-key").value = "kek-2027"
    await _settle(pilot)


async def _secret(pilot) -> None:
    """A password stored as secret data, its detail pane open (the value masked)."""
    from kms_tui.client.secrets import SecretValue, create_secret_data

    app = pilot.app
    await _objects(pilot)
    created = await create_secret_data(
        app.services.client, data_type="Password", name="db-password", value=SecretValue(b"not-shown-here"), tags=["db"]
    )
    await pilot.press("r")
    await _settle(pilot, 1.5)
    app.screen.table.select_uid(created.uid)
    await pilot.press("enter")
    await _settle(pilot)


async def _revoke_rights(pilot) -> None:
    """The revoke dialog for a user holding three rights on the RSA key."""
    app = pilot.app
    await _objects(pilot)
    uid = app.screen.table.current.uid
    await app.services.client.grant(uid, "bob@example.com", ["get", "encrypt", "decrypt"])
    await pilot.press("enter")
    await _settle(pilot, 1.0)
    app.screen.query_one("#access-table").focus()
    await pilot.press("delete")
    await _settle(pilot)


async def _certificates(pilot, *keys: str) -> None:
    """A root CA and a web certificate it issued (made once), the web certificate under the cursor."""
    from kms_tui.kmip.models.certificate_requests import certify_any

    app = pilot.app
    if not getattr(app, "_shot_leaf", None):
        client = app.services.client
        ca_ext = (
            b"[ v3_ca ]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,crlSign\n"
            b"subjectKeyIdentifier=hash\n"
        )
        root = await client.certify(
            certify_any(generate="ec:p384", subject="CN=Acme Root CA,O=Acme,C=FR", days=3650, extensions=ca_ext)
        )
        leaf_ext = (
            b"[ v3_ca ]\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
            b"subjectAltName=DNS:www.acme.example,DNS:acme.example\n"
        )
        app._shot_leaf = await client.certify(
            certify_any(
                generate="ec:p256",
                subject="CN=www.acme.example,O=Acme",
                issuer_certificate_id=root,
                days=25,
                extensions=leaf_ext,
            )
        )
    # the certificates are real, dated today: the days left are counted from a week on
    app.clock = lambda: datetime.now(UTC) + timedelta(days=7)
    await app.switch_mode("objects")
    await _settle(pilot)
    screen = app.screen
    if screen.filter_bar.expanded:  # left open by the previous shot
        await screen.filter_bar.toggle()
    screen.table.focus()
    await pilot.press("r")
    await _settle(pilot, 1.5)
    screen.table.select_uid(app._shot_leaf)
    await pilot.press(*keys)
    await _settle(pilot, 1.0)


async def _rotation(pilot, key: str) -> None:
    """The web-tls key re-keyed twice (once), then ``key`` on the newest one."""
    app = pilot.app
    await _objects(pilot)
    if not getattr(app, "_shot_rekeyed", False):
        for _ in range(2):
            await pilot.press("R")
            await _settle(pilot, 0.3)
            await pilot.press("y")
            await _settle(pilot, 1.5)
        app._shot_rekeyed = True
    await pilot.press(key)
    await _settle(pilot, 1.0)


async def _radar(pilot) -> None:
    """A key due for deactivation, a compromised key whose partner is still Active, a grant to *."""
    from datetime import timedelta

    from kms_tui.client.attributes import set_attributes
    from kms_tui.kmip.models.attribute_requests import deactivation_date_attribute

    app = pilot.app
    client = app.services.client
    if not getattr(app, "_shot_radar", False):
        soon = await client.create_symmetric_key("AES", 256, name="session-key", tags=["app"])
        await set_attributes(client, soon, [deactivation_date_attribute(FIXED_NOW + timedelta(days=6))])
        leaked, _public = await client.create_key_pair("ec", curve="p256", name="leaked", tags=["app"])
        await client.revoke(leaked, "KeyCompromise", cascade=False)
        shared = await client.create_symmetric_key("AES", 256, name="shared", tags=["app"])
        await client.grant(shared, "*", ["get"])
        app._shot_radar = True
    await app.switch_mode("radar")
    await _settle(pilot)
    await pilot.press("r")
    await _settle(pilot, 1.5)


async def _bulk_preview(pilot) -> None:
    """Every `prod` row marked, then v: the preview of the bulk revoke."""
    await _mark_prod(pilot)
    await pilot.press("v")
    await _settle(pilot, 1.5)


async def _mark_prod(pilot) -> None:
    """The objects screen, every `prod` row marked (filters and detail closed)."""
    await _objects(pilot)
    screen = pilot.app.screen
    if screen.filter_bar.expanded:  # left open by the server-filters shot
        await screen.action_toggle_server_filters()
    screen.remove_class("-detail")
    screen.table.focus()
    await _settle(pilot, 0.3)
    for row in [r for r in screen.table.shown_rows if "prod" in r.tags and r.uid not in screen.table.marked]:
        screen.table.select_uid(row.uid)
        await pilot.press("space")


async def _bulk_run(pilot) -> None:
    """Every `prod` row marked, T, the tag `pci`: the finished run lists each object's outcome."""
    from textual.widgets import Input

    await _mark_prod(pilot)
    await pilot.press("T")
    await _settle(pilot)
    pilot.app.screen.query_one(Input).value = "pci"
    await pilot.press("enter")
    for _ in range(100):
        await _settle(pilot, 0.1)
        if getattr(pilot.app.screen, "report", None) is not None:
            break
    pilot.app.clear_notifications()
    await _settle(pilot, 0.3)


async def _doctor(pilot) -> None:
    """The connect screen's check on a URL where nothing listens: the walk stops at tcp."""
    import socket

    from textual.widgets import Input

    from kms_tui.tui.screens.connect import ConnectScreen

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = pilot.app
    app.push_screen(ConnectScreen())
    await _settle(pilot)
    app.screen.query_one("#connect-url", Input).value = f"https://127.0.0.1:{port}"
    app.screen.query_one("#connect-url", Input).focus()
    await pilot.press("enter")
    for _ in range(150):
        await _settle(pilot, 0.1)
        if "✗" in str(app.screen.query_one("#connect-result").render()):
            break
    await _settle(pilot, 0.3)


async def _production(pilot) -> None:
    """The sandbox profile as `kms-tui profile mark sandbox --production` leaves it: the banner
    and a read-only console (the objects screen)."""
    from kms_tui.tui.messages import ServicesReady

    app = pilot.app
    app.services.production = True
    app.post_message(ServicesReady(app.services))
    await _objects(pilot)
    screen = app.screen
    screen.bulk.clear()  # the marks of the bulk shots
    screen.refresh_bindings()  # the write keys leave the footer
    await _settle(pilot, 1.0)


async def _audit(pilot) -> None:
    """The audit view after a revoke with its reason and a destroy the server refused."""
    from kms_tui.client.errors import KmsError

    client = pilot.app.services.client
    uid = await client.create_symmetric_key("AES", 256, name="old-backup", tags=["ops"])
    await client.revoke(uid, "KeyCompromise", message="laptop stolen")
    try:
        await client.destroy(uid + "-typo")
    except KmsError:
        pass  # refused: the audit view shows it as such
    await pilot.app.switch_mode("audit")
    await _settle(pilot, 1.0)


async def _objects(pilot, *keys: str) -> None:
    """The objects screen with a few keys in it (created once), the RSA key under the cursor."""
    app = pilot.app
    if not getattr(app, "_shot_keys", False):
        client = app.services.client
        await client.create_key_pair("rsa", size=2048, name="web-tls", tags=["prod", "eu"])
        await client.create_key_pair("ec", curve="p384", name="payments", tags=["prod"])
        await client.create_symmetric_key("AES", 256, name="backup-key", tags=["ops"])
        app._shot_keys = True
    await app.switch_mode("objects")  # not the key: a text editor may have the focus
    await _settle(pilot)
    await pilot.press("r")
    await _settle(pilot, 1.5)
    screen = app.screen
    target = next((r for r in screen.table.shown_rows if r.name == "web-tls"), None)
    if target is not None:
        screen.table.select_uid(target.uid)
    await pilot.press(*keys)
    await _settle(pilot)


async def take_all(out: Path, size: tuple[int, int], only: frozenset[str] = frozenset()) -> list[Path]:
    """Start the app on a sandbox and save one SVG per shot (those named in ``only``, if given)."""
    from kms_tui.tui.app import create_app

    app = create_app(sandbox=True, clock=lambda: FIXED_NOW, discover_user_config=False, theme="textual-dark")
    written = []
    async with app.run_test(size=size) as pilot:
        for _ in range(200):  # up to ~20 s for the sandbox to start
            if app.whoami_data is not None:
                break
            await pilot.pause(0.1)
        else:
            raise SystemExit("the sandbox did not answer: run `kms-tui --sandbox` to see why")
        for shot in SHOTS:
            if only and shot.name not in only:
                continue
            _close_overlays(pilot)
            await shot.setup(pilot)
            path = out / f"{shot.name}.svg"
            path.write_text(app.export_screenshot(title=f"kms-tui — {shot.title}"), encoding="utf-8")
            written.append(path)
        await app.shutdown()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kms_tui.tui.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="screenshots", help="folder for the SVGs (default: screenshots)")
    parser.add_argument("--size", default="80x24", help="terminal size, COLSxROWS (default: 80x24, as over SSH)")
    parser.add_argument(
        "--only",
        nargs="+",
        default=[],
        metavar="NAME",
        help="take only these shots (file names without .svg): " + ", ".join(s.name for s in SHOTS),
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only) - {s.name for s in SHOTS})
    if unknown:
        parser.error(f"no such shot: {', '.join(unknown)}")
    cols, rows = (int(n) for n in args.size.lower().split("x"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kms-tui-shots-") as home:
        # a throw-away home: the user's profiles, settings and ckms.toml stay out of the pictures
        os.environ["KMS_TUI_HOME"] = str(Path(home) / "kms-tui")
        os.environ["HOME"] = str(Path(home) / "user")
        os.environ.pop("CKMS_CONF", None)
        Path(os.environ["HOME"]).mkdir()
        written = asyncio.run(take_all(out, (cols, rows), frozenset(args.only)))
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
