#!/usr/bin/env python3
"""Install kms-tui from this checkout into a virtual environment, with nothing but python3.

    python3 install.py            # .venv/ beside this file, kms-tui installed editable
    python3 install.py --extra test
    python3 install.py --venv DIR

Then run ``.venv/bin/kms-tui`` (or activate: ``. .venv/bin/activate``).

Debian and Ubuntu mark their Python "externally managed" (PEP 668): pip refuses to install into
it, so kms-tui goes into a virtual environment. Their python3 also lacks ``ensurepip`` until the
python3-venv package is installed, so the virtual environment may come without pip. This script
then gives it pip from the system's pip if there is one (``pip --python``), else from the pip
wheel it downloads from the package index ($PIP_INDEX_URL, default PyPI), checking the index's
sha256. Only the standard library is used; nothing is installed outside the virtual environment.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
MINIMUM = (3, 11)
DEFAULT_INDEX = "https://pypi.org/simple"


class InstallError(Exception):
    """Something the person installing must act on; the message says what."""


def clean_env() -> dict[str, str]:
    """The environment for the virtual environment's python: no PYTHONPATH/PYTHONHOME from outside."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PIP_USER")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def has_pip(python: Path | str, env: dict[str, str] | None = None) -> bool:
    try:
        done = subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True, env=env, timeout=120)
    except OSError:
        return False
    return done.returncode == 0


def has_ensurepip() -> bool:
    """False on Debian/Ubuntu without python3-venv (their python3 ships without ensurepip)."""
    try:
        import ensurepip  # noqa: F401
    except ImportError:
        return False
    return True


def create_venv(venv: Path) -> None:
    """A virtual environment at ``venv``, with pip when this python can give it one."""
    if venv_python(venv).exists():
        return
    with_pip = has_ensurepip()
    command = [sys.executable, "-m", "venv", str(venv)] + ([] if with_pip else ["--without-pip"])
    print(f"install.py: creating the virtual environment {venv}")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0 and with_pip:
        # ensurepip is there but failed (a broken python3-venv, say): fall back to a venv without pip.
        done = subprocess.run(
            [sys.executable, "-m", "venv", "--clear", "--without-pip", str(venv)], capture_output=True, text=True
        )
    if done.returncode != 0:
        raise InstallError(
            f"cannot create a virtual environment with {sys.executable} -m venv:\n{done.stdout}{done.stderr}"
            "On Debian/Ubuntu: sudo apt install python3-venv, then run this again."
        )


def system_pip_can_target() -> bool:
    """This python has a pip new enough for ``--python`` (pip 22.3+), e.g. Debian's python3-pip."""
    done = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True, text=True)
    if done.returncode != 0:
        return False
    try:
        major, minor = (int(part) for part in done.stdout.split()[1].split(".")[:2])
    except (IndexError, ValueError):
        return False
    return (major, minor) >= (22, 3)


def _listed_files(page: str) -> list[dict]:
    """The files an index lists for a project: its PEP 691 JSON, else its PEP 503 HTML page."""
    accept = "application/vnd.pypi.simple.v1+json, text/html;q=0.1"
    request = urllib.request.Request(page, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=60) as answer:
        kind = answer.headers.get("Content-Type", "")
        body = answer.read()
    if "json" in kind:
        try:
            return list(json.loads(body).get("files", []))
        except (ValueError, AttributeError) as exc:
            raise InstallError(f"the index's page {page} is not the JSON it says it is: {exc}") from exc
    files = []
    for anchor in re.finditer(r"<a\s[^>]*>", body.decode("utf-8", "replace"), re.IGNORECASE):
        tag = anchor.group(0)
        href = re.search(r'href\s*=\s*["\']([^"\']+)["\']', tag, re.IGNORECASE)
        if not href:
            continue
        url = html.unescape(href.group(1))
        path, _, fragment = url.partition("#")
        sha256 = fragment[len("sha256=") :] if fragment.startswith("sha256=") else ""
        files.append(
            {
                "filename": urllib.parse.unquote(path.rsplit("/", 1)[-1]),
                "url": url,
                "hashes": {"sha256": sha256},
                "yanked": "data-yanked" in tag,
            }
        )
    return files


def pip_wheel_url(index: str) -> tuple[str, str]:
    """The newest pip wheel on a simple index (PEP 691 JSON or PEP 503 HTML): its URL and sha256."""
    page = index.rstrip("/") + "/pip/"

    def version(name: str) -> tuple[int, ...]:
        try:
            return tuple(int(part) for part in name.split("-")[1].split("."))
        except (IndexError, ValueError):
            return ()  # a pre-release or odd name: never chosen over a release

    wheels = [
        f
        for f in _listed_files(page)
        if str(f.get("filename", "")).endswith("-py3-none-any.whl")
        and not f.get("yanked")
        and (f.get("hashes") or {}).get("sha256")
        and version(f["filename"])
    ]
    if not wheels:
        raise InstallError(f"the index {index} lists no pip wheel with a sha256")
    best = max(wheels, key=lambda f: version(f["filename"]))
    return urllib.parse.urljoin(page, best["url"]), best["hashes"]["sha256"]


def pip_from_system(python: Path) -> None:
    """Install pip into the virtual environment with this python's own pip (``pip --python``)."""
    print("install.py: giving the virtual environment pip with the system's pip")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "pip"], check=True, env=clean_env()
    )


def pip_from_index(python: Path, index: str) -> None:
    """Install pip into the virtual environment from the pip wheel on ``index``, checked by sha256."""
    url, sha256 = pip_wheel_url(index)
    name = urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1]
    print(f"install.py: no ensurepip and no system pip: downloading {name}")
    with tempfile.TemporaryDirectory() as tmp:
        wheel = Path(tmp) / name
        with urllib.request.urlopen(url, timeout=120) as answer:
            wheel.write_bytes(answer.read())
        if hashlib.sha256(wheel.read_bytes()).hexdigest() != sha256:
            raise InstallError(f"{name} does not match the sha256 the index gave; nothing installed")
        # A pip wheel runs as a zip application: python pip-X.whl/pip install pip-X.whl
        subprocess.run(
            [str(python), str(wheel / "pip"), "install", "-q", "--no-index", str(wheel)], check=True, env=clean_env()
        )


def bootstrap_pip(python: Path) -> None:
    """Give the virtual environment's ``python`` pip, without ensurepip."""
    if system_pip_can_target():
        pip_from_system(python)
    else:
        pip_from_index(python, os.environ.get("PIP_INDEX_URL") or DEFAULT_INDEX)


def install(venv: Path, extras: list[str]) -> Path:
    """Create or reuse ``venv``, give it pip, install this checkout in it (editable)."""
    if sys.version_info < MINIMUM:
        raise InstallError(
            f"kms-tui needs Python {MINIMUM[0]}.{MINIMUM[1]} or newer; {sys.executable} is {sys.version.split()[0]}"
        )
    create_venv(venv)
    python = venv_python(venv)
    env = clean_env()
    if not has_pip(python, env):
        bootstrap_pip(python)
    target = f".[{','.join(extras)}]" if extras else "."
    print(f"install.py: installing kms-tui{target[1:]} into {venv}")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", target], check=True, cwd=HERE, env=env)
    return python


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Install kms-tui from this checkout into a virtual environment.")
    parser.add_argument("--venv", type=Path, default=HERE / ".venv", help="where (default: .venv beside this file)")
    parser.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="NAME",
        help="also install an extra: test, vault, aws, azure, keyring (repeatable)",
    )
    args = parser.parse_args(argv)
    try:
        install(args.venv.resolve(), args.extra)
    except InstallError as exc:
        print(f"install.py: {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(f"install.py: {' '.join(map(str, exc.cmd))} failed (exit {exc.returncode})", file=sys.stderr)
        return 1
    except OSError as exc:  # the index cannot be reached, a disk full...
        print(f"install.py: {exc}", file=sys.stderr)
        return 1
    bin_dir = venv_python(args.venv).parent
    print(f"install.py: done: {bin_dir / 'kms-tui'} (or '. {bin_dir / 'activate'}' then kms-tui)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
