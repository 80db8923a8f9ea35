"""``--debug[=FILE]``: the client's decisions written to a file, never a secret.

What is logged comes from named loggers, one per layer: ``kms_tui.client.transport`` (TLS trust,
server verification, client certificate, cipher suites, proxy choice), ``kms_tui.client.retry``
(each failed attempt and whether and when it is sent again) and ``kms_tui.auth.refresh`` (when
and why a token is refreshed, replayed or adopted). Their lines hold host names, file paths,
masked URLs, times and reasons: no token, password, key byte or header value is ever passed to
them. As a second guard, :class:`_Scrub` masks anything shaped like a bearer, a JWT or an
``Authorization:`` value before a line is written.

The file is opened 0600, appended to, and never through a symbolic link (:mod:`kms_tui.paths`).
Imported only when ``--debug`` is given: the headless start stays as it is without it.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from pathlib import Path
from typing import IO

from kms_tui import paths

DEFAULT_NAME = "kms-tui-debug.log"
LOGGER = "kms_tui"  # every layer's logger is below it
FORMAT = "%(asctime)s.%(msecs)03d %(name)s %(levelname)s %(message)s"

_SECRET_SHAPES = re.compile(
    r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"  # an Authorization value
    r"|eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"  # a JWT
    r"|(?i:authorization|x-vault-token|databasesecret)\s*[:=]\s*\S+"  # a header line
)


class _Scrub(logging.Filter):
    """Mask anything shaped like a credential in a formatted line (the loggers never pass one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _SECRET_SHAPES.sub("••••••", message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def default_path() -> Path:
    """``kms-tui-debug.log`` in kms-tui's state directory (beside the audit trail)."""
    return paths.state_dir() / DEFAULT_NAME


class DebugLog:
    """The handler on the ``kms_tui`` logger while a command or the console runs."""

    def __init__(self, path: Path, handler: logging.Handler, stream: IO[str], level: int) -> None:
        self.path = path
        self.handler = handler
        self._stream = stream
        self._level = level

    def close(self) -> None:
        logger = logging.getLogger(LOGGER)
        logger.removeHandler(self.handler)
        if logging.lastResort is not None:
            logger.removeHandler(logging.lastResort)
        logger.setLevel(self._level)
        self.handler.close()
        self._stream.close()  # a StreamHandler leaves its stream open: the file is ours to close


def enable(file: str | None) -> DebugLog:
    """Start writing the debug log to ``file`` (None or empty: :func:`default_path`).

    Raises :class:`kms_tui.paths.LinkRefused` for a link at that path and OSError when the file
    cannot be opened (a directory, no permission)."""
    path = Path(file).expanduser() if file else default_path()
    fd = paths.open_nofollow(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600, what="debug log")
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise IsADirectoryError(f"{path} is not a regular file")
        if info.st_nlink > 1:
            raise paths.LinkRefused(path, "debug log")
        if stat.S_IMODE(info.st_mode) & 0o077:
            os.fchmod(fd, 0o600)  # an existing file readable by others: the log is the user's alone
        stream = os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace")
    except BaseException:
        os.close(fd)
        raise
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT, "%Y-%m-%d %H:%M:%S"))
    handler.addFilter(_Scrub())
    logger = logging.getLogger(LOGGER)
    log = DebugLog(path, handler, stream, logger.level)
    logger.addHandler(handler)
    # what went to stderr without a handler (warnings: logging's last resort) still goes there
    if logging.lastResort is not None:
        logger.addHandler(logging.lastResort)
    logger.setLevel(logging.DEBUG)
    logger.debug("debug log started (pid %d)", os.getpid())
    return log
