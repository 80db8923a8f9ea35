"""Every screen and modal at 80x24 and 120x40: fixed clock, no cursor blink, no discovered config.

The server is a real sandbox on a fixed port (its URL is on screen). Update after reviewing
snapshot_report.html with ``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kms_tui.config import ProfileStore
from kms_tui.server.rest import ENV_VERSION
from kms_tui.tui.modals.confirm import ConfirmationModal
from kms_tui.tui.modals.diff import DiffModal
from kms_tui.tui.modals.error import ErrorModal
from kms_tui.tui.modals.file_picker import FilePickerModal
from kms_tui.tui.modals.prompt import PromptModal
from kms_tui.tui.modals.sign_in import SignInModal, SignInProgress
from tests.tui.conftest import SIZES
from tests.tui.helpers import wait_until
from tests.tui.scenes import SANDBOX_VERSION

SIZE_IDS = [f"{w}x{h}" for w, h in SIZES]


@pytest.fixture(autouse=True)
def _pinned_sandbox_version(monkeypatch):
    monkeypatch.setenv(ENV_VERSION, SANDBOX_VERSION)  # the sandbox process inherits it


class ServerRefused(Exception):
    message = "Object 4a1f… cannot be destroyed: it is Active"
    fix = "Revoke it first (r), then destroy it."


async def connected(pilot) -> None:
    await wait_until(pilot, lambda: pilot.app.whoami_data is not None, what="whoami")
    await pilot.pause()


def go(key: str):
    async def run_before(pilot) -> None:
        await connected(pilot)
        await pilot.press(key)
        await pilot.pause(0.5)  # the inline checks/validation settle

    return run_before


def push(modal_factory, key: str = "1"):
    async def run_before(pilot) -> None:
        await connected(pilot)
        await pilot.press(key)
        pilot.app.push_screen(modal_factory())
        await pilot.pause()

    return run_before


async def first_start(pilot) -> None:
    await pilot.pause()


def add_profile(key: str):
    async def run_before(pilot) -> None:
        await connected(pilot)
        await pilot.press("4", key)
        await pilot.pause(0.6)

    return run_before


async def connect_screen(pilot) -> None:
    await pilot.pause()
    await pilot.press("down", "enter")
    await pilot.pause()


async def import_screen(pilot) -> None:
    await pilot.pause()
    await pilot.press("down", "down", "enter")
    await pilot.pause()


async def palette(pilot) -> None:
    await connected(pilot)
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*"profiles")
    await pilot.pause(0.5)


class DeviceCodeSignIn(SignInModal):
    """The sign-in modal as a device-code flow shows it, with fixed values (a real flow's code is random)."""

    def on_mount(self, event) -> None:
        event.prevent_default()  # not the real flow: this profile has no identity provider
        from kms_tui.auth.device import DeviceAuthorization, instructions
        from kms_tui.auth.login import ssh_advice
        from kms_tui.auth.oauth import OAuthConfig

        auth = DeviceAuthorization(
            "device-code",
            "WDJB-MJHT",
            "https://idp.example.com/device",
            "https://idp.example.com/device?user_code=WDJB-MJHT",
            600,
        )
        conf = OAuthConfig(
            client_id="kms-console",
            token_url="https://idp.example.com/token",
            device_authorization_endpoint="https://idp.example.com/device_authorization",
        )
        self.post_message(SignInProgress(ssh_advice(conf)))
        self.post_message(SignInProgress(instructions(auth)))


def make_picker_folder(cwd: Path) -> None:
    """A `certs` folder under the test's working directory: the picker opens on a relative path,
    so what it shows is the same on every run and machine."""
    (cwd / "certs" / "old").mkdir(parents=True, exist_ok=True)
    for name in ("ca.pem", "client.crt", "client.key", "client.p12"):
        (cwd / "certs" / name).touch()


async def file_picker(pilot) -> None:
    await connected(pilot)
    await pilot.press("4")
    pilot.app.push_screen(FilePickerModal("Client certificate (PEM)", Path("certs")))
    await pilot.pause(0.5)  # the tree lists the folder in a worker


SCREENS = {
    "whoami": go("1"),
    "placeholder-objects": None,  # replaced once the objects screen exists (see below)
    "profiles": go("4"),
    "config-editor": go("5"),
    "help": go("f1"),
    "profile-form": add_profile("e"),
    "new-profile-form": add_profile("a"),
    "palette": palette,
    "confirm": push(
        lambda: ConfirmationModal("Delete profile prod-eu? Its ckms.toml is removed.", confirm_label="Delete")
    ),
    "error": push(lambda: ErrorModal(ServerRefused(), title="The action failed")),
    "prompt": push(lambda: PromptModal("Copy prod-eu as:", value="prod-eu-copy"), "4"),
    "sign-in": push(DeviceCodeSignIn),
    "file-picker": file_picker,
    "diff": push(
        lambda: DiffModal(
            "--- ckms.toml (on disk)\n+++ ckms.toml (edited)\n@@ -1,2 +1,3 @@\n+# edited\n [http_config]\n"
        ),
        "5",
    ),
}
SCREENS.pop("placeholder-objects")
NO_PROFILE = {"onboarding": first_start, "connect": connect_screen, "import": import_screen}


@pytest.fixture
def snapshot_app(console_factory, snapshot_sandbox):
    store = ProfileStore()
    store.create("prod-eu", snapshot_sandbox.url)
    store.set_active("prod-eu")
    return console_factory()


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(snap_compare, snapshot_app, screen, size, tmp_path, monkeypatch):
    if screen == "file-picker":
        make_picker_folder(tmp_path)
        monkeypatch.chdir(tmp_path)
    assert snap_compare(snapshot_app, run_before=SCREENS[screen], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("screen", list(NO_PROFILE))
def test_first_start(snap_compare, console_factory, screen, size):
    assert snap_compare(console_factory(), run_before=NO_PROFILE[screen], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_read_only_and_ansi_theme(snap_compare, console_factory, snapshot_sandbox, size):
    store = ProfileStore()
    store.create("prod-eu", snapshot_sandbox.url)
    store.set_active("prod-eu")
    app = console_factory(read_only=True, theme="ansi-dark")
    assert snap_compare(app, run_before=go("4"), terminal_size=size)
