"""Packaging and install, as a person gets kms-tui: from the wheel, and from install.py.

* The wheel is built from the sdist (``python -m build``), both pass ``twine check``, the wheel
  carries every file the package reads at run time (every non-Python file under kms_tui/ but the
  READMEs), and its version is pyproject.toml's (the one place it is written). Installed in a fresh virtual environment,
  with nothing of the checkout on the path, ``kms-tui --version`` answers, ``kms-tui serve`` answers
  ``/version`` over HTTP and ``kms-tui --sandbox`` draws whoami in tmux at 80x24.
* ``python3 install.py`` (the README's first command) installs into ``.venv`` on a python without
  ``ensurepip`` (Debian and Ubuntu without python3-venv), and gives a pip-less virtual environment
  pip from a package index only when the wheel matches the index's sha256.

pip runs with the real user's home so that it uses the machine's pip configuration and cache
(the suite's other tests get a fresh HOME); kms-tui itself runs with the test's HOME.
"""

from __future__ import annotations

import email.parser
import hashlib
import http.server
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import time
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.tui.tmux_helpers import Tmux

# Each builds or fills a virtual environment: minutes when pip has to download the dependencies.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[1]
__version__ = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
REAL_HOME = os.path.expanduser("~")  # read on import, before the autouse fixture replaces HOME
# What a person's checkout holds that a build or install.py reads.
SOURCES = ("pyproject.toml", "README.md", "CHANGELOG.md", "install.py", "kms_tui")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".venv", "build", "dist")


def _copy_checkout(dest: Path) -> Path:
    """The checkout's sources copied to ``dest`` (builds write egg-info and build/ beside them)."""
    dest.mkdir(parents=True)
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=IGNORED)
        else:
            shutil.copy2(source, dest / name)
    return dest


def _pip_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(HOME=REAL_HOME, PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def _user_env(tmp_path: Path) -> dict[str, str]:
    """kms-tui's environment: the test's homes, nothing of the checkout on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(
        KMS_TUI_HOME=str(tmp_path / "kms-tui-home"),
        HOME=str(tmp_path / "user-home"),
        TERM="xterm-256color",
        TEXTUAL_ANIMATIONS="none",
    )
    return env


def _run(command: list, *, env: dict[str, str], cwd: Path, timeout: float = 600) -> str:
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    assert done.returncode == 0, (
        f"{' '.join(map(str, command))} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    )
    return done.stdout


def _runtime_data_files() -> list[str]:
    """Every non-Python file under kms_tui/ that the package may read: all but the READMEs."""
    found = []
    for path in sorted((ROOT / "kms_tui").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".py", ".pyc", ".md"):
            found.append(path.relative_to(ROOT).as_posix())
    return found


def test_wheel_from_the_sdist_passes_twine_carries_its_data_and_runs_from_a_fresh_venv(tmp_path):
    if shutil.which("tmux") is None:
        pytest.fail("tmux is needed to draw the console from the wheel (apt-get install tmux)")
    src = _copy_checkout(tmp_path / "src")
    dist = tmp_path / "dist"
    pip_env = _pip_env()

    # Built as a packager builds: the sdist, then the wheel from the unpacked sdist.
    _run([sys.executable, "-m", "build", "--outdir", dist, src], env=pip_env, cwd=tmp_path)
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    assert [w.name for w in wheels] == [f"kms_tui-{__version__}-py3-none-any.whl"]
    assert [s.name for s in sdists] == [f"kms_tui-{__version__}.tar.gz"]
    checked = _run([sys.executable, "-m", "twine", "check", "--strict", *wheels, *sdists], env=pip_env, cwd=tmp_path)
    assert checked.count("PASSED") == 2, checked

    with zipfile.ZipFile(wheels[0]) as wheel:
        names = set(wheel.namelist())
        metadata = email.parser.Parser().parsestr(wheel.read(f"kms_tui-{__version__}.dist-info/METADATA").decode())
    data_files = _runtime_data_files()
    assert "kms_tui/tui/app.tcss" in data_files and "kms_tui/py.typed" in data_files
    modules = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "kms_tui").rglob("*.py"))
    missing = [name for name in data_files + modules if name not in names]
    assert not missing, f"the wheel lacks files the package has: {missing}"
    assert metadata["Version"] == __version__
    assert metadata["License-Expression"] == "Apache-2.0"
    assert "# kms-tui" in metadata.get_payload()  # the README is the project page
    with tarfile.open(sdists[0]) as sdist:
        in_sdist = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "kms_tui/tui/app.tcss", "kms_tui/py.typed"} <= in_sdist

    # A fresh virtual environment with the wheel and its dependencies only (this python's pip
    # installs into it: no ensurepip run, a few seconds less).
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], env=pip_env, cwd=tmp_path)
    _run(
        [sys.executable, "-m", "pip", "--python", venv / "bin/python", "install", "-q", wheels[0]],
        env=pip_env,
        cwd=tmp_path,
    )
    shutil.rmtree(src)  # nothing of a checkout left to import from
    env = _user_env(tmp_path)
    (tmp_path / "user-home").mkdir(exist_ok=True)
    where = _run(
        [
            venv / "bin/python",
            "-c",
            "import kms_tui, importlib.metadata as m; print(kms_tui.__file__); print(m.version('kms-tui'))",
        ],
        env=env,
        cwd=tmp_path,
    )
    assert where.split() == [
        str(
            venv
            / "lib"
            / f"python{sys.version_info[0]}.{sys.version_info[1]}"
            / "site-packages"
            / "kms_tui"
            / "__init__.py"
        ),
        __version__,
    ]
    assert _run([venv / "bin/kms-tui", "--version"], env=env, cwd=tmp_path) == f"kms-tui {__version__}\n"

    # The console's listing helper process starts from the wheel (its modules are installed).
    helper = _run(
        [
            venv / "bin/python",
            "-c",
            "import asyncio\n"
            "from kms_tui.client.decoder_process import ListingDecoder\n"
            "from kms_tui.client.requests import LocateFilter\n"
            "async def main():\n"
            "    d = ListingDecoder()\n"
            "    print(await d.open(LocateFilter()), d.unavailable)\n"
            "    await d.aclose()\n"
            "asyncio.run(main())\n",
        ],
        env=env,
        cwd=tmp_path,
    )
    assert helper.split() == ["1", "None"], helper

    # kms-tui serve from the wheel answers /version over HTTP.
    with subprocess.Popen(
        [venv / "bin/kms-tui", "serve", "--port", "0", "--db", tmp_path / "serve.sqlite"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    ) as server:
        try:  # leaving the with block closes the pipes and waits for the server
            first = server.stdout.readline()
            assert first.startswith("listening on http://127.0.0.1:"), first + server.stderr.read()
            url = first.split("listening on ", 1)[1].strip()
            with urllib.request.urlopen(url.rstrip("/") + "/version", timeout=30) as answer:
                assert answer.status == 200
                assert json.load(answer).startswith("5.26.0 (")
        finally:
            server.terminate()

    # The console from the wheel, in a terminal: its stylesheet loads and whoami is drawn.
    tmux = Tmux(
        [str(venv / "bin/kms-tui"), "--sandbox"],
        {k: env[k] for k in ("KMS_TUI_HOME", "HOME", "TERM", "TEXTUAL_ANIMATIONS", "PATH")},
    )
    try:
        tmux.wait_for("Effective user", timeout=90)
        shown = tmux.wait_for("admin", timeout=90)
        assert "sandbox" in shown
        tmux.run("send-keys", "-t", "t", "C-q")
        deadline = time.monotonic() + 30
        while tmux.alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not tmux.alive(), "the console from the wheel did not quit on ctrl+q"
    finally:
        tmux.close()


def _load_install_py():
    spec = importlib.util.spec_from_file_location("kms_tui_install", ROOT / "install.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_install_py_installs_into_dot_venv_on_a_python_without_ensurepip(tmp_path):
    """The README's first command on Debian/Ubuntu without python3-venv (no ensurepip)."""
    src = _copy_checkout(tmp_path / "checkout")
    shim = tmp_path / "no-python3-venv" / "ensurepip"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text('raise ImportError("no ensurepip: python3-venv is not installed")\n')
    env = {**_pip_env(), "PYTHONPATH": str(shim.parent)}
    out = _run([sys.executable, "install.py"], env=env, cwd=src)
    assert "giving the virtual environment pip with the system's pip" in out
    venv = src / ".venv"
    user_env = _user_env(tmp_path)
    (tmp_path / "user-home").mkdir(exist_ok=True)
    assert _run([venv / "bin/kms-tui", "--version"], env=user_env, cwd=tmp_path) == f"kms-tui {__version__}\n"
    where = _run([venv / "bin/python", "-c", "import kms_tui; print(kms_tui.__file__)"], env=user_env, cwd=tmp_path)
    assert where.strip() == str(src / "kms_tui" / "__init__.py")  # editable: the checkout's code runs
    # The virtual environment has a pip of its own: the README's test command works inside it.
    assert "pip " in _run([venv / "bin/python", "-m", "pip", "--version"], env=user_env, cwd=tmp_path)


class _Index(http.server.BaseHTTPRequestHandler):
    """A simple index on loopback (PEP 691 JSON or PEP 503 HTML) listing one pip wheel under a
    given sha256, and a pre-release that must not be chosen."""

    wheel: Path
    listed_sha256: str
    json_api: bool

    def do_GET(self) -> None:
        if self.path == "/simple/pip/":
            listed = [(self.wheel.name, self.listed_sha256), ("pip-99.0b1-py3-none-any.whl", "0" * 64)]
            if self.json_api:
                body = json.dumps(
                    {
                        "meta": {"api-version": "1.0"},
                        "name": "pip",
                        "files": [
                            {"filename": name, "url": f"../../files/{name}", "hashes": {"sha256": sha}}
                            for name, sha in listed
                        ],
                    }
                ).encode()
                kind = "application/vnd.pypi.simple.v1+json"
            else:
                body = "<!DOCTYPE html><html><body>{}</body></html>".format(
                    "".join(
                        f'<a href="../../files/{name}#sha256={sha}" data-requires-python="&gt;=3.9">{name}</a><br/>'
                        for name, sha in listed
                    )
                ).encode()
                kind = "text/html"
        elif self.path == f"/files/{self.wheel.name}":
            body, kind = self.wheel.read_bytes(), "application/octet-stream"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.mark.parametrize("json_api", [True, False], ids=["pep691-json", "pep503-html"])
def test_install_py_gives_a_pipless_venv_pip_from_the_index_only_when_the_sha256_matches(tmp_path, json_api):
    """No ensurepip and no system pip: pip comes from the index's wheel, checked by its sha256."""
    install = _load_install_py()
    wheels = tmp_path / "wheels"
    _run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:", "-d", wheels, "pip"],
        env=_pip_env(),
        cwd=tmp_path,
    )
    (wheel,) = wheels.glob("pip-*-py3-none-any.whl")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], env=_pip_env(), cwd=tmp_path)
    python = install.venv_python(venv)
    assert not install.has_pip(python, install.clean_env())

    handler = type("Index", (_Index,), {"wheel": wheel, "listed_sha256": "0" * 64, "json_api": json_api})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    index = f"http://127.0.0.1:{server.server_address[1]}/simple"
    try:
        with pytest.raises(install.InstallError, match="does not match the sha256"):
            install.pip_from_index(python, index)
        assert not install.has_pip(python, install.clean_env()), "a wheel with the wrong sha256 was installed"
        handler.listed_sha256 = hashlib.sha256(wheel.read_bytes()).hexdigest()
        install.pip_from_index(python, index)
    finally:
        server.shutdown()
        server.server_close()
    version = wheel.name.split("-")[1]
    assert _run([python, "-m", "pip", "--version"], env=install.clean_env(), cwd=tmp_path).startswith(f"pip {version} ")


def test_one_version_number_and_its_changelog_section():
    """The version is written once (pyproject.toml); the package reads it from its metadata (no
    second copy in the code); a release adds its CHANGELOG section."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "dynamic" not in pyproject["project"] and "dynamic" not in pyproject["tool"].get("setuptools", {})
    written = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "kms_tui").rglob("*.py")
        if f'"{__version__}"' in p.read_text(encoding="utf-8")
    ]
    assert not written, f"the version number is written in the code too: {written}"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"\n## {__version__} " in changelog, f"CHANGELOG.md has no section for {__version__}"


def test_readme_quick_start_is_install_py_and_the_command_ci_runs():
    """The README's two commands: install.py then the console; the test command .ci/run runs."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = [part.split("```", 1)[0].strip() for part in quick.split("```sh\n")[1:]]
    assert len(blocks) == 2, quick
    assert blocks[0].startswith("python3 install.py ") and blocks[0].endswith("kms-tui --sandbox"), blocks[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert blocks[1] in ci, ".ci/run no longer runs the README's test command"
