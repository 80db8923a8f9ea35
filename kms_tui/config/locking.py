"""One writer at a time per file: an exclusive ``flock`` on a lock file beside it.

``locked(path)`` holds ``.<name>.lock`` (created 0600, never through a link) in the file's
directory for the duration of a read-check-write, so two kms-tui processes (or threads) saving
the same profile or settings.toml take turns instead of overwriting each other. The holder
removes the lock file before it lets go (nothing is left beside the file); a waiter that then
gets the lock of a removed file sees that its inode is no longer the one at the path and tries
again, so two writers never both hold it. Re-entrant within a thread.
Where ``fcntl`` does not exist (Windows) saves are not locked; the change check still applies.
"""

from __future__ import annotations

import errno
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kms_tui import paths
from kms_tui.config.errors import ConfigError

if sys.platform != "win32":
    import fcntl

WAIT_SECONDS = 15.0  # another kms-tui saving the same file for longer than this is stuck
_held = threading.local()


def lock_path(path: Path) -> Path:
    """The lock file that guards ``path``."""
    return path.with_name(f".{path.name}.lock")


@contextmanager
def locked(path: Path, *, wait: float = WAIT_SECONDS) -> Iterator[None]:
    """Hold the exclusive lock of ``path`` (ConfigError if it cannot be had within ``wait`` s)."""
    path = Path(path)
    key = str(path.absolute())
    held: dict[str, int] = getattr(_held, "counts", None) or {}
    _held.counts = held
    if held.get(key):  # this thread already holds it
        held[key] += 1
        try:
            yield
        finally:
            held[key] -= 1
        return
    if sys.platform == "win32":
        yield
        return
    lock = lock_path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    deadline = time.monotonic() + wait
    while True:
        fd = _open_lock(lock, path)
        try:
            if _acquired(fd, lock, deadline, path):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the holder removed that lock file meanwhile: lock the current one
    held[key] = 1
    try:
        yield
    finally:
        held.pop(key, None)
        try:
            os.unlink(lock)
        except OSError:
            pass
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _open_lock(lock: Path, path: Path) -> int:
    try:
        return paths.open_nofollow(lock, os.O_RDWR | os.O_CREAT, 0o600, what="lock file")
    except paths.LinkRefused as exc:
        raise ConfigError(exc.message, fix=exc.fix) from None
    except OSError as exc:
        raise ConfigError(
            f"cannot lock for saving: {exc.strerror}", source=path, fix=f"Make {path.parent} writable and save again."
        ) from None


def _acquired(fd: int, lock: Path, deadline: float, path: Path) -> bool:
    """Wait for the lock on ``fd``; True if it is still the lock file at ``lock``."""
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            if time.monotonic() > deadline:
                raise ConfigError(
                    "another kms-tui is saving this file; not saved",
                    source=path,
                    fix="Try again in a moment (close other kms-tui windows if it persists).",
                ) from None
            time.sleep(0.005)
    try:
        now = os.lstat(lock)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (now.st_ino, now.st_dev) == (mine.st_ino, mine.st_dev)
