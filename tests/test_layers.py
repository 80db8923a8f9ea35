"""The layer rules of ARCHITECTURE.md, checked on the code: every import statement (module level
or inside a function) of the lower packages, and what importing each package really loads."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import kms_tui

ROOT = Path(kms_tui.__file__).parent

# Package → the kms_tui packages/modules it may import (besides itself), per ARCHITECTURE.md.
ALLOWED: dict[str, set[str]] = {
    "kmip": {"gc_pause"},  # the one leaf module the pure protocol layer uses
    "server": {"kmip", "safetext", "access_rights"},
    "audit": {"paths", "safetext"},
    "client": {"kmip", "audit", "exitcodes", "paths", "safetext", "words", "gc_pause"},
    "config": {"kmip", "client", "exitcodes", "paths", "safetext"},  # client: the cosmian-kms secret backend
    "auth": {"kmip", "client", "config", "audit", "exitcodes", "paths", "safetext"},
    "doctor": {"client", "config", "auth", "exitcodes", "safetext"},  # config: a resolved profile's type
}
UI_LIBRARIES = {"textual", "rich"}  # only kms_tui.tui draws


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in ``path``, relative imports resolved."""
    package = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            if base == "kms_tui":  # `from kms_tui import exitcodes`
                found += [(node.lineno, f"kms_tui.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, base))
    return found


def violations(layer: str) -> list[str]:
    """Imports under ``kms_tui/<layer>`` that its rule forbids, as ``file:line module``."""
    bad = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for line, module in _imports(path):
            parts = module.split(".")
            where = f"{path.relative_to(ROOT.parent)}:{line} imports {module}"
            if parts[0] in UI_LIBRARIES:
                bad.append(where)
            elif parts[0] == "kms_tui" and len(parts) > 1 and parts[1] != layer and parts[1] not in ALLOWED[layer]:
                bad.append(where)
    return bad


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_the_architecture_allows(layer):
    assert (ROOT / layer).is_dir()
    assert violations(layer) == []


def test_only_the_console_imports_textual():
    """Textual (and rich) anywhere but kms_tui/tui: commands and cli included."""
    outside = [p for p in sorted(ROOT.rglob("*.py")) if "tui" not in p.relative_to(ROOT).parts[:1]]
    assert len(outside) > 50
    found = [
        f"{p.relative_to(ROOT.parent)}:{line} imports {m}"
        for p in outside
        for line, m in _imports(p)
        if m.split(".")[0] in UI_LIBRARIES
    ]
    assert found == []


def test_headless_commands_never_import_the_entry_point():
    """``kms_tui.cli`` sits above ``kms_tui/commands``: what a command needs for its parser (the
    global options) lives in ``commands/options.py``."""
    found = [
        f"{p.relative_to(ROOT.parent)}:{line}"
        for p in sorted((ROOT / "commands").rglob("*.py"))
        for line, m in _imports(p)
        if m == "kms_tui.cli" or m.startswith(("kms_tui.cli.", "kms_tui.__main__"))
    ]
    assert found == []


def test_the_checker_sees_function_level_and_relative_imports(tmp_path, monkeypatch):
    """A forbidden import hidden in a function, or written relatively, is reported."""
    fake = tmp_path / "kms_tui"
    (fake / "server").mkdir(parents=True)
    (fake / "server" / "bad.py").write_text(
        "def f():\n    from kms_tui.config import secrets\n    from ..tui import app\n    import textual\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", fake)
    assert [v.split(" imports ")[1] for v in violations("server")] == ["kms_tui.config", "kms_tui.tui", "textual"]


PROBE = """
import importlib, json, pkgutil, sys
import kms_tui.{layer} as pkg
for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
    importlib.import_module(info.name)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("kms_tui", "textual"))))
"""


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_importing_every_module_of_a_layer_loads_nothing_above_it(layer):
    """What Python really loads (transitively) when every module of the layer is imported."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(layer=layer)], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    loaded = json.loads(out.strip().splitlines()[-1])
    allowed = ALLOWED[layer] | {layer}
    # what the allowed packages themselves may load is allowed too (config → client → audit)
    for dep in list(allowed):
        allowed |= ALLOWED.get(dep, set())
    # (rich is not probed here: httpx itself loads it for its command-line entry point)
    above = [
        m
        for m in loaded
        if m.split(".")[0] == "textual" or (m.startswith("kms_tui.") and m.split(".")[1] not in allowed)
    ]
    assert above == []


# -- inside the console: the objects feature is one package, its modals and widgets stand below it --


def _console_imports(folder: str) -> list[tuple[str, str]]:
    return [
        (f"{path.relative_to(ROOT.parent)}:{line}", module)
        for path in sorted((ROOT / "tui" / folder).rglob("*.py"))
        for line, module in _imports(path)
    ]


def test_widgets_import_neither_modals_nor_the_objects_feature():
    """Generic widgets stand below the dialogs and the features (the widgets<->modals cycle is gone)."""
    bad = [
        f"{where} imports {module}"
        for where, module in _console_imports("widgets")
        if module.startswith(("kms_tui.tui.modals", "kms_tui.tui.objects", "kms_tui.tui.screens"))
    ]
    assert bad == []


def test_modals_never_import_a_screen():
    """A dialog returns what was asked; the objects screen (or any screen) acts on it."""
    bad = [
        f"{where} imports {module}"
        for where, module in _console_imports("modals")
        if module.startswith(("kms_tui.tui.objects.screen", "kms_tui.tui.screens"))
    ]
    assert bad == []


def test_nothing_outside_the_console_imports_the_objects_feature():
    """kms_tui/tui/objects may use client and kmip; outside the console nothing imports it (the
    lower layers import no console module at all: see the rules above)."""
    outside = [p for p in sorted(ROOT.rglob("*.py")) if p.relative_to(ROOT).parts[0] != "tui"]
    bad = [
        f"{p.relative_to(ROOT.parent)}:{line}"
        for p in outside
        for line, module in _imports(p)
        if module.startswith("kms_tui.tui.objects")
    ]
    assert bad == []


KNOWN_MIXED: set[str] = set()  # classes still built from two kms_tui classes (none)


def test_the_objects_feature_has_no_mixins():
    """Each class of kms_tui/tui/objects derives from at most one class of kms_tui: what the screen
    needs done is an object it owns (screen.lifecycle, screen.arrivals, ...), not a mixin."""
    ours: set[str] = set()
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(ROOT.rglob("*.py"))}
    for tree in trees.values():
        ours |= {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    mixed = []
    for path, tree in trees.items():
        if path.relative_to(ROOT).parts[:2] != ("tui", "objects"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = [b.id for b in node.bases if isinstance(b, ast.Name) and b.id in ours]
                if len(bases) > 1 and node.name not in KNOWN_MIXED:
                    mixed.append(f"{path.relative_to(ROOT.parent)}: {node.name}({', '.join(bases)})")
    assert mixed == []
    from kms_tui.tui.objects.screen import ObjectsScreen
    from kms_tui.tui.screens.base import ConsoleScreen

    assert ObjectsScreen.__bases__ == (ConsoleScreen,)
