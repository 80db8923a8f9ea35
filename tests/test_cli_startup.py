"""Headless commands start like a small CLI: what each one imports, checked (not timed).

``kms-tui --version`` and ``--help`` load none of the heavy libraries (Textual, pydantic, keyring,
cryptography, httpx, the KMIP models); ``whoami`` and ``create aes`` against the sandbox load only
what they use. The parser knows every command from ``cli.COMMAND_MODULES`` without importing it;
the table is checked against what each command module really registers, so a command added to a
module (or a module added without a table entry) is caught here. Timings: benchmarks/bench_headless.py.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import kms_tui.commands
from kms_tui import cli

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("textual", "pydantic", "keyring", "cryptography", "httpx", "kms_tui.kmip.models", "kms_tui.tui")
PROBE = """
import json, sys, runpy
sys.argv = ["kms-tui", *json.loads(sys.argv[1])]
code = 0
try:
    runpy.run_module("kms_tui", run_name="__main__")
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(k for k, v in sys.modules.items() if v is not None)}),
      file=sys.stderr)
"""


def loaded(args: list[str], env: dict[str, str] | None = None) -> tuple[int, set[str], str]:
    """(exit code, modules imported, stdout) of ``kms-tui ARGS`` in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        cwd=ROOT,
        timeout=120,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], set(report["modules"]), done.stdout


def heavy(modules: set[str], *names: str) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["--profile", "x", "--help"]])
def test_version_and_help_load_no_heavy_module(args):
    code, modules, out = loaded(args)
    assert code == 0
    assert heavy(modules, *HEAVY) == []
    assert not heavy(modules, "kms_tui.commands.objects", "kms_tui.client")  # no command module either


def test_help_lists_every_command_from_the_table_alone():
    code, modules, out = loaded(["--help"])
    for name, (_, help_) in cli.COMMAND_MODULES.items():
        if help_ is not None:
            assert f"    {name} " in out, name
    assert "kms_tui.commands.whoami" not in modules


def test_version_is_the_installed_distributions():
    import importlib.metadata

    code, _, out = loaded(["--version"])
    assert out == f"kms-tui {importlib.metadata.version('kms-tui')}\n"


def test_a_command_loads_its_own_module_only_and_parses_as_before():
    code, modules, out = loaded(["locate", "--help"])
    assert code == 0 and "--linked-to" in out and "--profile NAME" in out
    assert "kms_tui.commands.objects" in modules
    assert not heavy(modules, "kms_tui.commands.whoami", "kms_tui.commands.crypto", "kms_tui.commands.serve")


def test_an_abbreviated_option_value_before_the_command_still_finds_it():
    """`--prof X locate --help`: the command word is not where the fast look expects it; the
    parse starts again with the right module instead of failing."""
    code, _, out = loaded(["--prof", "x", "locate", "--help"])
    assert code == 0 and "--linked-to" in out


# What the fast paths leave out: a plain profile is read without pydantic or tomlkit
# (kms_tui.config.quick), Create/Locate/GetAttributes are built without the KMIP models
# (kms_tui.client.fast_requests); httpcore's optional trio and httpx's command-line tool (when
# installed) are kept out by cli.main.
NOT_ON_THE_FAST_PATH = (
    "trio",
    "httpx._main",
    "click",
    "rich",
    "pygments",
    "textual",
    "keyring",
    "cryptography",
    "pydantic",
    "pydantic_core",
    "tomlkit",
    "kms_tui.kmip.models",
    "kms_tui.tui",
    "kms_tui.config.schema",
    "kms_tui.config.settings",
)


def test_whoami_create_and_locate_against_the_sandbox_load_only_what_they_use(sandbox, tmp_path):
    conf = tmp_path / "ckms.toml"
    conf.write_text(f'[http_config]\nserver_url = "{sandbox.url}"\n')
    code, modules, out = loaded(["--conf", str(conf), "whoami", "--json"])
    assert code == 0 and json.loads(out)["user"] == "admin"
    assert heavy(modules, *NOT_ON_THE_FAST_PATH) == []
    code, modules, out = loaded(["--conf", str(conf), "create", "aes", "--tag", "startup"])
    assert code == 0 and out.strip()
    assert heavy(modules, *NOT_ON_THE_FAST_PATH) == []
    code, modules, out = loaded(["--conf", str(conf), "locate", "--json", "--tag", "startup"])
    assert code == 0 and len(json.loads(out)["objects"]) == 1
    assert heavy(modules, *NOT_ON_THE_FAST_PATH) == []


def test_a_profile_the_fast_read_does_not_take_on_still_works(sandbox, tmp_path):
    """A legacy key (a warning) sends the profile through the full validation: pydantic is loaded
    and the command runs as before."""
    conf = tmp_path / "ckms.toml"
    conf.write_text(
        f'[http_config]\nserver_url = "{sandbox.url}"\nssl_client_pkcs12_path = "x"\nssl_client_pkcs12_password = ""\n'
    )
    code, modules, _ = loaded(["--conf", str(conf), "locate", "--json"])
    assert "pydantic" in modules and "kms_tui.config.schema" in modules


def _registered(module_name: str) -> dict[str, str | None]:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    importlib.import_module(f"kms_tui.commands.{module_name}").register(sub)
    helps = {action.dest: action.help for action in sub._choices_actions}
    return {name: helps.get(name) for name in sub.choices}


def test_the_command_table_matches_what_every_command_module_registers():
    table_modules = {module for module, _ in cli.COMMAND_MODULES.values()}
    registering = set()  # modules with a top-level `register(subparsers)`
    for info in pkgutil.iter_modules(kms_tui.commands.__path__):
        register = getattr(importlib.import_module(f"kms_tui.commands.{info.name}"), "register", None)
        if register is not None and len(inspect.signature(register).parameters) == 1:
            registering.add(info.name)
    assert registering == table_modules, "a command module is missing from cli.COMMAND_MODULES (or gone)"
    for module in sorted(table_modules):
        expected = {name: help_ for name, (mod, help_) in cli.COMMAND_MODULES.items() if mod == module}
        assert _registered(module) == expected, module
