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

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)


def test_a_command_whose_module_is_missing_fails_with_its_name():
    done = _run("import sys; sys.modules['kms_tui.commands.due'] = None\n"
                "from kms_tui.cli import main; main(['due'])")
    assert done.returncode == 1
    assert "ModuleNotFoundError" in done.stderr and "kms_tui.commands.due" in done.stderr


def test_a_command_table_entry_naming_no_module_fails_loudly():
    """A mistyped module in the command table is an error when the command runs, not a missing command."""
    done = _run("from kms_tui import cli\n"
                "cli.COMMAND_MODULES['whoami'] = ('whoamii', 'typo')\n"
                "cli.main(['whoami'])")
    assert done.returncode == 1 and "No module named 'kms_tui.commands.whoamii'" in done.stderr


def test_the_sandbox_refuses_to_start_without_one_of_its_operations():
    done = _run("import sys; sys.modules['kms_tui.server.operations.certify'] = None\n"
                "import kms_tui.server.operations")
    assert done.returncode == 1
    assert "ModuleNotFoundError" in done.stderr and "kms_tui.server.operations.certify" in done.stderr


def test_every_operation_module_is_in_the_table():
    """Import, Register, Query, DiscoverVersions and Certify are served, not 'not supported'."""
    from kms_tui.server.operations import OPERATIONS

    assert {"Import", "Register", "Query", "DiscoverVersions", "Certify"} <= set(OPERATIONS)


def test_a_screen_whose_module_is_missing_fails_instead_of_a_placeholder():
    done = _run("import sys; sys.modules['kms_tui.tui.screens.access'] = None\n"
                "from kms_tui.tui.registry import BY_MODE, make_screen\n"
                "make_screen(BY_MODE['access'])")
    assert done.returncode == 1
    assert "ModuleNotFoundError" in done.stderr and "kms_tui.tui.screens.access" in done.stderr
    assert not (ROOT / "kms_tui" / "tui" / "screens" / "placeholder.py").exists()
