"""Shared plumbing of the login, logout and whoami commands: resolve the profile, report errors."""

from __future__ import annotations

import json
import sys
from typing import Any, Callable

from kms_tui import exitcodes


def report_error(exc: BaseException, as_json: bool) -> int:
    """Print an error (message + what to do) and return its exit code; never prints a secret."""
    message = getattr(exc, "message", None) or str(exc)
    fix = getattr(exc, "fix", "") or ""
    code = int(getattr(exc, "exit_code", exitcodes.USAGE))
    if as_json:
        print(json.dumps({"error": type(exc).__name__, "message": message, "fix": fix}))
    print(f"error: {message}" + (f"\n  → {fix}" if fix else ""), file=sys.stderr)
    return code


def run_guarded(body: Callable[[], int], as_json: bool) -> int:
    """Run a command body, mapping our errors and Ctrl-C to exit codes."""
    from kms_tui.client.errors import KmsError
    from kms_tui.config.errors import ConfigError

    try:
        return body()
    except (KmsError, ConfigError) as exc:
        return report_error(exc, as_json)
    except KeyboardInterrupt:
        print("\nSign-in cancelled.", file=sys.stderr)
        return exitcodes.NOT_AUTHENTICATED


def resolve(args: Any) -> Any:
    """The resolved connection for --profile/--conf (ConfigError when there is none)."""
    from kms_tui.config import resolve_connection

    return resolve_connection(getattr(args, "profile", None), getattr(args, "conf", None))
