"""Shared plumbing of the login, logout and whoami commands: resolve the profile, map errors."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from kms_tui import exitcodes
from kms_tui.commands.headless import LocalFileError, report_error


def run_guarded(args: Any, body: Callable[[], int]) -> int:
    """Run a command body, mapping our errors (message + fix, never a secret) and Ctrl-C to exit codes."""
    from kms_tui.client.errors import KmsError
    from kms_tui.config.errors import ConfigError

    try:
        return body()
    except (KmsError, ConfigError) as exc:
        return report_error(args, exc)
    except OSError as exc:  # an unusable state directory (a file where it should be, a full disk)
        return report_error(args, LocalFileError.of(exc))
    except KeyboardInterrupt:
        print("\nSign-in cancelled.", file=sys.stderr)
        return exitcodes.NOT_AUTHENTICATED


def resolve(args: Any) -> Any:
    """The resolved connection for --profile/--conf (ConfigError when there is none)."""
    from kms_tui.config import resolve_connection

    return resolve_connection(getattr(args, "profile", None), getattr(args, "conf", None), quick=True)
