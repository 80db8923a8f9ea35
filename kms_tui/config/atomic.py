"""Crash-safe file writes: temp file in the same directory, fsync, rename, one backup.

If anything fails (disk full, read-only directory), the original file is left exactly as it
was and the temp file is removed. Writing identical bytes is a no-op (nothing touched).
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path

from kms_tui.config.errors import ConfigError, Problem

BACKUP_SUFFIX = ".bak"


def backup_path(path: Path) -> Path:
    """Where the previous version of ``path`` is kept (one generation)."""
    return path.with_name(path.name + BACKUP_SUFFIX)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # some platforms cannot open a directory; the rename is still atomic
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace_with(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to a temp file beside ``path``, fsync it, and rename it over ``path``."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")  # unique per writer
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            os.fchmod(fd, mode)  # the umask may have narrowed the mode asked of O_CREAT
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def write_atomic(path: Path, data: bytes, *, secret: bool, backup: bool = True) -> bool:
    """Atomically replace ``path`` with ``data``; return False if it already held exactly that.

    ``secret`` forces mode 0600 (file and backup); otherwise an existing file keeps its mode
    and a new one is created 0600. Failures raise :class:`ConfigError` naming the cause; the
    original is never damaged.
    """
    path = Path(path)
    try:
        old = path.read_bytes()
        old_mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        old, old_mode = None, None
    except OSError as exc:
        raise _save_error(path, exc) from None
    if old == data:
        return False
    mode = 0o600 if secret or old_mode is None else old_mode
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if backup and old is not None:
            _replace_with(backup_path(path), old, 0o600 if secret else old_mode or 0o600)
        _replace_with(path, data, mode)
    except OSError as exc:
        raise _save_error(path, exc) from None
    return True


def _save_error(path: Path, exc: OSError) -> ConfigError:
    cause = os.strerror(exc.errno) if exc.errno else str(exc)
    fix = {
        errno.ENOSPC: "Free some disk space and save again.",
        errno.EACCES: f"Make {path.parent} writable (or export the profile elsewhere) and save again.",
        errno.EROFS: "The file system is read-only; export the profile to a writable place.",
    }.get(exc.errno or 0, "Check the file and its directory, then save again.")
    return ConfigError(
        f"could not save: {cause}; the previous version is intact",
        [Problem("", None, cause)],
        source=path,
        fix=fix,
    )
