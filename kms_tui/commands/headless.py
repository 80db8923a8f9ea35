"""What every headless command that talks to a KMS shares: connection, output, exit codes.

``run_with_client(args, body)`` resolves the connection (``--profile``/``--conf``/``CKMS_CONF``),
opens one :class:`KmsClient` with the audit trail, runs ``body(client)`` and prints its result:
a readable table by default, one JSON document with ``--json``. Diagnostics go to stderr; the
exit code follows :mod:`kms_tui.exitcodes`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from kms_tui import exitcodes
from kms_tui.audit import AuditTrail
from kms_tui.client import ConnectionSettings, KmsClient, KmsError
from kms_tui.commands import options
from kms_tui.commands.output import dumps, safe_lines, say
from kms_tui.commands.output import table as table  # re-exported: the commands import it from here
from kms_tui.safetext import mask_url, visible
from kms_tui.words import count


@dataclass
class Result:
    """What a command prints: ``data`` for --json, ``text`` for people."""

    data: Any
    text: str
    exit_code: int = exitcodes.OK
    printed: bool = False  # the command wrote its output itself, as it went (locate --json)


def _credentials(resolved: Any) -> Any:
    """The sign-in session (refreshes cached OAuth tokens), or None for the static token."""
    try:
        from kms_tui.auth.session import Session

        return Session(resolved)
    except Exception:  # noqa: BLE001 - no session: the static access_token is used
        return None


class AuditUnavailable(KmsError):
    """The audit trail cannot be written and the command would change something (exit 3)."""

    exit_code = exitcodes.USAGE
    default_fix = (
        "free space or repair the state directory (see KMS_TUI_HOME), or pass --no-audit to act without a record"
    )


def open_audit(args: Any, *, write: bool) -> AuditTrail | None:
    """The audit trail, or None when it cannot be written: a read goes on with a warning on
    stderr; a write is refused (:class:`AuditUnavailable`) unless ``--no-audit`` is given."""
    reason = AuditTrail.check()
    if reason is None:
        try:
            return AuditTrail()
        except Exception as exc:  # noqa: BLE001 - went away between the check and the open
            reason = f"the audit trail: {exc}"
    if write and not getattr(args, "no_audit", False):
        raise AuditUnavailable(
            f"{reason}; `{options.command_label(args)}` would go unrecorded, so it is refused",
            reason="audit_unavailable",
        )
    tail = "; --no-audit: this change is not recorded" if write else ""
    say(f"warning: the audit trail is not being written ({reason}){tail}")
    return None


def close_audit(audit: AuditTrail | None) -> None:
    """Write what is queued; say so on stderr when rows could not be written."""
    if audit is None:
        return
    audit.close()
    if audit.dropped:
        say(f"warning: {count(audit.dropped, 'audit row')} could not be written to {audit.path}")


def read_only_in_settings(resolved: Any) -> str | None:
    """Why settings.toml makes this connection read-only (the console honours it too), or None."""
    if getattr(getattr(resolved, "settings", None), "read_only", False):
        return f"profile {resolved.name} is read-only in settings.toml"
    try:
        from kms_tui.config.quick import settings_absent

        if settings_absent():
            return None
        from kms_tui.config.settings import load_settings

        if load_settings().read_only:
            return "settings.toml sets read_only = true"
    except Exception:  # noqa: BLE001 - a broken settings.toml must not block a one-off command
        pass
    return None


def refuse_unconfirmed_production(args: Any, resolved: Any) -> None:
    """A change on a profile marked production needs ``--yes`` (UsageError, exit 3, otherwise)."""
    if getattr(getattr(resolved, "settings", None), "production", False) and not getattr(args, "yes", False):
        raise UsageError(
            f"profile {visible(resolved.name)} is marked production: `{options.command_label(args)}` "
            "changes it and needs --yes",
            f"run it again with --yes if {visible(resolved.name)} is the server you mean to change",
            reason="production",
        )


@dataclass
class Where:
    """The profile and server a command acted on (named by every write)."""

    profile: str
    server_url: str

    def fields(self) -> dict[str, str]:
        return {"profile": self.profile, "server_url": mask_url(self.server_url)}

    def text(self) -> str:
        return f"on profile {visible(self.profile) or '-'} at {mask_url(self.server_url)}"


def open_client(args: Any, *, write: bool = False) -> tuple[KmsClient, Where]:
    """A client for the connection the command line names, and where it points
    (raises ConfigError/KmsError; a write is refused when settings.toml makes it read-only or the
    audit trail cannot be written)."""
    from kms_tui.config import resolve_connection

    resolved = resolve_connection(getattr(args, "profile", None), getattr(args, "conf", None), quick=True)
    where = Where(resolved.name, resolved.server_url)
    if write:
        why = read_only_in_settings(resolved)
        if why:
            raise UsageError(
                f"read-only: {why}; `{options.command_label(args)}` is refused",
                "change it in settings.toml, or use another profile",
                reason="read_only",
            )
        refuse_unconfirmed_production(args, resolved)
    settings = ConnectionSettings.from_http_config(resolved.http_config)
    from kms_tui.config.quick import client_options

    client = KmsClient(
        settings,
        profile=resolved.name,
        audit=open_audit(args, write=write),
        credentials=_credentials(resolved),
        **client_options(resolved),  # [retry] and [limits]: the profile's over settings.toml's
    )
    if getattr(args, "print_kmip", False):
        client.exchange.observer = print_exchange
    return client, where


def print_exchange(method: str, path: str, request: str | None, status: int, answer: bytes) -> None:
    """``--print-kmip``: the request and the answer on stderr, secrets masked (never a header)."""
    from kms_tui.client.redact import redact_text

    lines = [f"→ {method} {path}"]
    if request:
        lines.append(redact_text(request))
    lines += [f"← {status}", redact_text(answer)]
    say("\n".join(lines))
    sys.stderr.flush()


def report_error(args: Any, exc: Exception, where: Where | None = None) -> int:
    """Print an error (stderr, and stdout as JSON with --json); return its exit code."""
    message = getattr(exc, "message", None) or str(exc)
    fix = getattr(exc, "fix", "") or ""
    code = int(getattr(exc, "exit_code", exitcodes.REFUSED))
    say(f"error: {message}")
    if fix:
        say(f"  → {fix}")
    problems = getattr(exc, "problems", None) or []
    for p in problems:
        say(f"  {p}")
    if where is not None:
        say(f"  ({where.text()})")
    if getattr(args, "json", False):
        doc: dict[str, Any] = {
            "error": {"type": type(exc).__name__, "reason": getattr(exc, "reason", ""), "message": message, "fix": fix}
        }
        doc["error"].update(getattr(exc, "json_fields", None) or {})
        if where is not None:
            doc.update(where.fields())
        print(dumps(doc, indent=None))
    return code


def emit(args: Any, result: Result) -> int:
    try:
        if result.printed:
            pass
        elif getattr(args, "json", False):
            print(dumps(result.data))
        elif result.text:
            print(safe_lines(result.text))
        sys.stdout.flush()
    except BrokenPipeError:
        reader_left()
    return result.exit_code


def reader_left() -> None:
    """`kms-tui locate | head`: the reader of stdout left, which is fine; what is still to be
    printed goes nowhere (and Python's flush at exit does not fail)."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def run_with_client(args: Any, body: Callable[[KmsClient], Awaitable[Result]]) -> int:
    """Open the client, run ``body``, print, close; map every failure to its exit code.

    A write (the command's ``writes``) names where it acted: ``on profile P at URL`` on stderr,
    ``profile`` and ``server_url`` in the JSON document (errors included)."""
    from kms_tui.config import ConfigError

    write = options.is_write(args)
    found: list[Where] = []

    async def main() -> Result:
        client, where = open_client(args, write=write)
        found.append(where)
        try:
            async with client:
                async with user_named_in_audit(client):
                    return await body(client)
        finally:
            close_audit(client.exchange.audit)

    try:
        result = asyncio.run(main())
    except (KmsError, ConfigError) as exc:
        return report_error(args, exc, found[0] if write and found else None)
    except OSError as exc:  # a local file or directory kms-tui needs (never a traceback)
        return report_error(args, LocalFileError.of(exc), found[0] if write and found else None)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    if write and found:
        if isinstance(result.data, dict):
            result.data = {**result.data, **found[0].fields()}
        say(found[0].text())
    return emit(args, result)


USER_LOOKUP_SECONDS = 5.0
USER_GRACE_SECONDS = 1.0


@contextlib.asynccontextmanager
async def user_named_in_audit(client: KmsClient) -> AsyncIterator[None]:
    """Ask the server who we are (``/me``) beside an audited command when the credentials do not
    say (no certificate, no JWT: a no-auth server, an opaque token), so the audit rows name the
    KMS user as the console's do. The lookup runs at the same time as the command, so it neither
    delays the command nor holds it on a server that does not answer; the command's rows are held
    until it answers (at most ``USER_GRACE_SECONDS`` after the command ends). Best effort: the
    command itself reports any failure."""
    audit = client.exchange.audit
    if audit is None or client.exchange.user:
        yield
        return
    audit.hold()
    from kms_tui.client.exchange import UNOBSERVED

    async def ask() -> None:
        UNOBSERVED.set(True)  # in this task only: --print-kmip shows the command's own calls
        await asyncio.wait_for(client.me(), USER_LOOKUP_SECONDS)

    lookup = asyncio.ensure_future(ask())
    try:
        yield
    finally:
        try:
            await asyncio.wait_for(asyncio.shield(lookup), USER_GRACE_SECONDS)
        except Exception:  # noqa: BLE001 - the command's own request says what is wrong
            pass
        lookup.cancel()
        await asyncio.gather(lookup, return_exceptions=True)
        audit.release(client.exchange.user)


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


class LocalFileError(UsageError):
    """A file or directory of this machine could not be used (exit 3)."""

    default_fix = "check the path (KMS_TUI_HOME moves every kms-tui file) and the free space"

    @classmethod
    def of(cls, exc: OSError) -> LocalFileError:
        where = f" ({exc.filename})" if exc.filename else ""
        return cls(f"{exc.strerror or exc}{where}", reason="local_file")
