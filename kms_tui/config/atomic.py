"""Crash-safe file writes: temp file in the same directory, fsync, rename, five backups.

If anything fails (disk full, read-only directory), the original file is left exactly as it
was and the temp file is removed. Writing identical bytes is a no-op (nothing touched).

Never through a link: a symbolic link (dangling or not) at the file's path or its backup's is
refused with a ConfigError naming it; the file is read, created and chmod-ed with O_NOFOLLOW
(the temp file with O_EXCL too). Each write holds the file's lock (:mod:`.locking`), and a
``decide`` callback sees the bytes on disk under that lock, so a save can check (or merge) what
another process wrote since it read the file.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

from kms_tui import paths
from kms_tui.config.errors import ConfigError, Problem
from kms_tui.config.locking import locked

BACKUP_GENERATIONS = 5  # name.toml.1 (the version before the last save) … name.toml.5 (the oldest)
LEGACY_BACKUP_SUFFIX = ".bak"  # the single backup earlier versions kept; becomes .1 on the next save


def backup_path(path: Path, generation: int = 1) -> Path:
    """Where the version of ``path`` ``generation`` saves back is kept (``name.toml.1`` is the newest)."""
    return path.with_name(f"{path.name}.{generation}")


def backup_paths(path: Path) -> list[Path]:
    """Every backup of ``path`` that may exist, newest first (the legacy ``.bak`` last)."""
    return [backup_path(path, g) for g in range(1, BACKUP_GENERATIONS + 1)] + [
        path.with_name(path.name + LEGACY_BACKUP_SUFFIX)
    ]


def _keep_backup(path: Path, old: bytes, mode: int) -> None:
    """Shift ``.1``…``.4`` to ``.2``…``.5`` (the oldest drops off) and keep ``old`` as ``.1``.
    A legacy ``.bak`` with no ``.1`` beside it is kept as ``.1`` first, so it moves down too."""
    legacy = path.with_name(path.name + LEGACY_BACKUP_SUFFIX)
    if not backup_path(path).exists() and legacy.is_file():
        os.replace(legacy, backup_path(path))
    for generation in range(BACKUP_GENERATIONS - 1, 0, -1):
        if backup_path(path, generation).exists():
            os.replace(backup_path(path, generation), backup_path(path, generation + 1))
    _replace_with(backup_path(path), old, mode)


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
    fd = paths.open_nofollow(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode, what="temporary file")
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


def link_error(exc: paths.LinkRefused) -> ConfigError:
    """The ConfigError for a symbolic link found where a file of ours belongs."""
    return ConfigError(exc.message, fix=exc.fix)


def read_current(path: Path) -> tuple[bytes | None, int | None]:
    """The bytes and mode of the file at ``path`` (None, None if there is none), never through a link."""
    try:
        fd = paths.open_nofollow(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None, None
    except paths.LinkRefused as exc:
        raise link_error(exc) from None
    except OSError as exc:
        raise _save_error(path, exc) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(
                "is not a regular file; not overwritten", source=path, fix="Move it away, then save again."
            )
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks), stat.S_IMODE(info.st_mode)
    except OSError as exc:
        raise _save_error(path, exc) from None
    finally:
        os.close(fd)


def write_atomic(
    path: Path, data: bytes, *, secret: bool, backup: bool = True, decide: Callable[[bytes | None], bytes] | None = None
) -> bool:
    """Atomically replace ``path`` with ``data``; return False if it already held exactly that.

    ``secret`` forces mode 0600 (file and backup); otherwise an existing file keeps its mode
    and a new one is created 0600. ``decide``, if given, is called under the file's lock with
    the bytes on disk (None when there is no file) and returns the bytes to write instead of
    ``data`` (or raises ConfigError to refuse). Failures raise :class:`ConfigError` naming the
    cause; the original is never damaged.
    """
    path = Path(path)
    try:
        paths.refuse_link(path)
        if backup:
            for each in backup_paths(path):
                paths.refuse_link(each, "backup file")
    except paths.LinkRefused as exc:
        raise link_error(exc) from None
    with locked(path):
        old, old_mode = read_current(path)
        if decide is not None:
            data = decide(old)
        if old == data:
            return False
        mode = 0o600 if secret or old_mode is None else old_mode
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if backup and old is not None:
                _keep_backup(path, old, 0o600 if secret else old_mode or 0o600)
            _replace_with(path, data, mode)
        except paths.LinkRefused as exc:
            raise link_error(exc) from None
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
