"""What every headless command that talks to a KMS shares: connection, output, exit codes.

``run_with_client(args, body)`` resolves the connection (``--profile``/``--conf``/``CKMS_CONF``),
opens one :class:`KmsClient` with the audit trail, runs ``body(client)`` and prints its result:
a readable table by default, one JSON document with ``--json``. Diagnostics go to stderr; the
exit code follows :mod:`kms_tui.exitcodes`.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Sequence

from kms_tui import exitcodes
from kms_tui.audit import AuditTrail
from kms_tui.client import ConnectionSettings, KmsClient, KmsError, RetryPolicy


@dataclass
class Result:
    """What a command prints: ``data`` for --json, ``text`` for people."""

    data: Any
    text: str
    exit_code: int = exitcodes.OK


def retry_policy(resolved: Any) -> RetryPolicy:
    """The profile's retry settings, else settings.toml's, else the defaults."""
    conf = getattr(getattr(resolved, "settings", None), "retry", None)
    if conf is None:
        try:
            from kms_tui.config.settings import load_settings

            conf = load_settings().retry
        except Exception:  # noqa: BLE001 - a broken settings.toml must not block a one-off command
            conf = None
    if conf is None:
        return RetryPolicy()
    return RetryPolicy(timeout=conf.timeout_seconds, attempts=conf.attempts, backoff=conf.backoff_seconds)


def _credentials(resolved: Any) -> Any:
    """The sign-in session (refreshes cached OAuth tokens), or None for the static token."""
    try:
        from kms_tui.auth.session import Session

        return Session(resolved)
    except Exception:  # noqa: BLE001 - no session: the static access_token is used
        return None


def open_client(args: Any) -> KmsClient:
    """A client for the connection the command line names (raises ConfigError/KmsError)."""
    from kms_tui.config import resolve_connection

    resolved = resolve_connection(getattr(args, "profile", None), getattr(args, "conf", None))
    settings = ConnectionSettings.from_http_config(resolved.http_config)
    return KmsClient(
        settings,
        profile=resolved.name,
        audit=AuditTrail(),
        credentials=_credentials(resolved),
        retry=retry_policy(resolved),
    )


def report_error(args: Any, exc: Exception) -> int:
    """Print an error (stderr, and stdout as JSON with --json); return its exit code."""
    message = getattr(exc, "message", None) or str(exc)
    fix = getattr(exc, "fix", "") or ""
    code = int(getattr(exc, "exit_code", exitcodes.REFUSED))
    print(f"error: {message}", file=sys.stderr)
    if fix:
        print(f"  → {fix}", file=sys.stderr)
    problems = getattr(exc, "problems", None) or []
    for p in problems:
        print(f"  {p}", file=sys.stderr)
    if getattr(args, "json", False):
        doc = {"error": {"type": type(exc).__name__, "reason": getattr(exc, "reason", ""), "message": message, "fix": fix}}
        print(json.dumps(doc))
    return code


def emit(args: Any, result: Result) -> int:
    try:
        if getattr(args, "json", False):
            print(json.dumps(result.data, indent=2, default=str))
        elif result.text:
            print(result.text)
        sys.stdout.flush()
    except BrokenPipeError:  # `kms-tui locate | head`: the reader left, which is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return result.exit_code


def run_with_client(args: Any, body: Callable[[KmsClient], Awaitable[Result]]) -> int:
    """Open the client, run ``body``, print, close; map every failure to its exit code."""
    from kms_tui.config import ConfigError

    async def main() -> Result:
        client = open_client(args)
        try:
            async with client:
                return await body(client)
        finally:
            if client.exchange.audit is not None:
                client.exchange.audit.close()

    try:
        return emit(args, asyncio.run(main()))
    except (KmsError, ConfigError) as exc:
        return report_error(args, exc)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """A plain aligned text table."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def object_id(text: str) -> str:
    """An object id, or a JSON array of tags as ckms accepts (``'["a","b"]'``)."""
    text = text.strip()
    if text.startswith("["):
        try:
            tags = json.loads(text)
        except ValueError:
            tags = None
        if not isinstance(tags, list) or not tags or not all(isinstance(t, str) and t for t in tags):
            raise UsageError(f"{text!r} is not a JSON array of tags", 'write it as \'["tag1","tag2"]\'')
        return json.dumps(tags, separators=(",", ":"))
    if not text:
        raise UsageError("the object id is empty", "pass the id printed by create or locate")
    return text


class UsageError(KmsError):
    exit_code = exitcodes.USAGE
