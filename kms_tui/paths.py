"""Where kms-tui keeps its files, and how it opens them (never through a symbolic link).

``KMS_TUI_HOME`` overrides everything: config, data and state then live in
``$KMS_TUI_HOME/{config,data,state}``. Otherwise the platform's user directories are used.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import platformdirs

APP = "kms-tui"


def home() -> Path | None:
    value = os.environ.get("KMS_TUI_HOME")
    return Path(value).expanduser() if value else None


def _dir(kind: str) -> Path:
    h = home()
    if h is not None:
        path = h / kind
    elif kind == "config":
        path = Path(platformdirs.user_config_dir(APP))
    elif kind == "data":
        path = Path(platformdirs.user_data_dir(APP))
    else:
        path = Path(platformdirs.user_state_dir(APP))
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:  # a file where the directory should be, a full disk, no permission: the file
        pass  # opened in it later fails with its own reason (and a read may go on without it)
    return path


def config_dir() -> Path:
    """Profiles and settings."""
    return _dir("config")


def data_dir() -> Path:
    """The sandbox database and other durable data."""
    return _dir("data")


def state_dir() -> Path:
    """The audit trail, the credential cache, logs."""
    return _dir("state")


# -- never through a link -----------------------------------------------------------------------
# kms-tui's own files (audit trail, credential cache, profiles, settings, their backups, temp and
# lock files) are opened with O_NOFOLLOW: a symbolic link planted at one of those paths (dangling
# or not) is refused, never written, created or chmod-ed through. Only the last component is
# checked: a configuration or state directory that is itself a link (dotfile managers) is fine.

O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class LinkRefused(OSError):
    """A symbolic link sits where kms-tui keeps one of its own files; nothing went through it."""

    def __init__(self, path: Path | str, what: str = "file") -> None:
        self.path = Path(path)
        kind = "a symbolic link" if is_link(path) else "a hard link to another file"
        self.message = (
            f"{path} is {kind}: kms-tui does not read or write its {what} through a link (nothing was changed)"
        )
        self.fix = "Remove the link and run again: kms-tui then creates a fresh file of its own."
        super().__init__(errno.ELOOP, self.message, str(path))

    def __str__(self) -> str:
        return f"{self.message}. {self.fix}"


def is_link(path: Path | str) -> bool:
    """True if ``path`` itself is a symbolic link (dangling or not)."""
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return False


def refuse_link(path: Path | str, what: str = "file") -> None:
    """Raise :class:`LinkRefused` if ``path`` is a symbolic link."""
    if is_link(path):
        raise LinkRefused(path, what)


def open_nofollow(path: Path | str, flags: int, mode: int = 0o600, what: str = "file") -> int:
    """``os.open`` that refuses a link at ``path`` (:class:`LinkRefused`), a dangling one included."""
    if not O_NOFOLLOW:  # no O_NOFOLLOW on this platform: check first (best effort)
        refuse_link(path, what)
    try:
        return os.open(path, flags | O_NOFOLLOW | O_CLOEXEC, mode)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK, errno.EEXIST, errno.ENOENT) or is_link(path):
            refuse_link(path, what)  # Linux says ELOOP, BSD EMLINK; O_EXCL says EEXIST
        raise


def read_bytes_nofollow(path: Path | str, what: str = "file") -> bytes:
    """The bytes of the regular file at ``path``; :class:`LinkRefused` for a link,
    FileNotFoundError when there is none."""
    fd = open_nofollow(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0), what=what)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IsADirectoryError(errno.EISDIR, "not a regular file", str(path))
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
