"""A module that cannot be imported fails loudly: never a missing command, a missing operation
or a blank stand-in screen.

Each test makes one real module unimportable (``sys.modules[name] = None`` makes ``import``
raise ModuleNotFoundError, as a mistyped or missing module does) in a fresh interpreter and
checks the error reaches the user instead of being swallowed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


@pytest.mark.parametrize(
    "missing, code",
    [
        ("kms_tui.commands.due", "from kms_tui.cli import main; main(['due'])"),
        ("kms_tui.server.operations.certify", "import kms_tui.server.operations"),
        (
            "kms_tui.tui.screens.access",
            "from kms_tui.tui.registry import BY_MODE, make_screen; make_screen(BY_MODE['access'])",
        ),
        (
            "kms_tui.config.secrets.vault",
            "from kms_tui.config.secrets.refs import SecretResolver; SecretResolver('vault').fetch('k', 'secret://a/b')",
        ),
    ],
    ids=["command", "sandbox-operation", "console-screen", "secret-backend"],
)
def test_a_missing_module_fails_with_its_name(missing, code):
    """A command, an operation of the sandbox (it refuses to start), a screen of the console
    (no placeholder screen any more) or a secret backend of kms-tui's own (not "install the
    extra", which is for a missing third-party SDK) whose module is missing is an error naming
    the module."""
    done = _run(f"import sys; sys.modules[{missing!r}] = None\n{code}")
    assert done.returncode == 1
    assert "ModuleNotFoundError" in done.stderr and missing in done.stderr


def test_a_command_table_entry_naming_no_module_fails_loudly():
    """A mistyped module in the command table is an error when the command runs, not a missing command."""
    done = _run("from kms_tui import cli\ncli.COMMAND_MODULES['whoami'] = ('whoamii', 'typo')\ncli.main(['whoami'])")
    assert done.returncode == 1 and "No module named 'kms_tui.commands.whoamii'" in done.stderr


def test_every_operation_module_is_in_the_table():
    """Import, Register, Query, DiscoverVersions and Certify are served, not 'not supported'."""
    from kms_tui.server.operations import OPERATIONS

    assert {"Import", "Register", "Query", "DiscoverVersions", "Certify"} <= set(OPERATIONS)


def test_the_placeholder_screen_is_gone():
    assert not (ROOT / "kms_tui" / "tui" / "screens" / "placeholder.py").exists()
