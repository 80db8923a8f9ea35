"""Files of an import or export: read the input, write the output safely.

The output is written to a temporary file beside it (0600 when it holds key material, else
0644), fsync-ed, then linked into place (so an existing file is never replaced unless ``force``,
which renames over it); a symbolic link at the path is refused, never followed."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from kms_tui import paths
from kms_tui.client.errors import InvalidValue
from kms_tui.safetext import visible


class FileProblem(InvalidValue):
    """A file cannot be read or written (exit 3), with what to do."""


def read_input(path: Path | str, what: str = "file") -> bytes:
    path = Path(path).expanduser()
    try:
        return path.read_bytes()
    except IsADirectoryError:
        raise FileProblem(f"{visible(str(path))} is a directory", f"name the {what} itself", reason="file") from None
    except OSError as exc:
        raise FileProblem(
            f"cannot read {visible(str(path))}: {exc.strerror or exc}",
            f"check the {what} exists and is readable",
            reason="file",
        ) from None


def write_output(path: Path | str, data: bytes, *, secret: bool, force: bool = False) -> Path:
    """Write ``data`` to ``path``; returns the path written."""
    path = Path(path).expanduser()
    shown = visible(str(path))
    if paths.is_link(path):
        raise FileProblem(
            f"{shown} is a symbolic link: not written through it",
            "remove the link or choose another file name",
            reason="link",
        )
    if path.is_dir():
        raise FileProblem(f"{shown} is a directory", "give a file name", reason="file")
    if path.exists() and not force:
        raise FileProblem(
            f"{shown} already exists", "choose another file name, or pass --force to replace it", reason="exists"
        )
    directory = path.parent if str(path.parent) else Path(".")
    tmp = directory / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    mode = 0o600 if secret else 0o644
    try:
        fd = paths.open_nofollow(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600, what="temporary file")
    except OSError as exc:
        raise FileProblem(
            f"cannot write {shown}: {exc.strerror or exc}", "check the directory exists and is writable", reason="file"
        ) from None
    try:
        try:
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if force:
            if paths.is_link(path):  # appeared meanwhile
                raise FileProblem(
                    f"{shown} is a symbolic link: not written through it",
                    "remove the link or choose another file name",
                    reason="link",
                )
            os.replace(tmp, path)  # a rename replaces a link itself, never its target
        else:
            try:
                os.link(tmp, path)  # fails if anything (a file, a link) appeared meanwhile
            except FileExistsError:
                raise FileProblem(
                    f"{shown} already exists", "choose another file name, or pass --force", reason="exists"
                ) from None
            os.unlink(tmp)
    except OSError as exc:
        raise FileProblem(
            f"cannot write {shown}: {exc.strerror or exc}", "check the directory exists and is writable", reason="file"
        ) from None
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)
    return path
