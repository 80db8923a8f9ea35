"""`kms-tui whoami`: who the server thinks we are, and how we signed in."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from kms_tui import exitcodes
from kms_tui.commands._auth_common import resolve, run_guarded
from kms_tui.commands.headless import close_audit, open_audit, report_error
from kms_tui.commands.output import dumps, safe_lines
from kms_tui.safetext import mask_url, visible


def register(subparsers: Any) -> None:
    """Add the `whoami` command."""
    parser = subparsers.add_parser("whoami", help="show the user the server sees, token claims and rights")
    parser.set_defaults(func=run)


async def _collect(connection: Any, args: argparse.Namespace) -> Any:
    from kms_tui.auth.session import Session
    from kms_tui.auth.whoami import whoami
    from kms_tui.client import ConnectionSettings, KmsClient
    from kms_tui.config.quick import client_options

    audit = open_audit(args, write=False)
    try:
        async with Session(connection) as session:
            settings = ConnectionSettings.from_http_config(dict(connection.http_config))
            options = client_options(connection)  # [retry] and [limits] of settings.toml, as every command
            async with KmsClient(
                settings, profile=connection.name, audit=audit, credentials=session, **options
            ) as client:
                if args.print_kmip:
                    from kms_tui.commands.headless import print_exchange

                    client.exchange.observer = print_exchange
                data = await whoami(client, session)
    finally:
        close_audit(audit)
    data.server_url = mask_url(data.server_url)  # text and --json: never a password from the URL
    return data


def _text(data: Any) -> str:
    lines = [f"profile:      {data.profile or '-'}  ({mask_url(data.server_url)})", f"user:         {data.user or '-'}"]
    if data.token:
        left = f"{data.token.seconds_left // 60} min left" if data.token.seconds_left is not None else "no exp"
        lines.append(
            f"token:        email={data.token.email} sub={data.token.sub} iss={data.token.iss} "
            f"exp={data.token.exp} ({left}) [claims not verified]"
        )
    if data.client_certificate:
        c = data.client_certificate
        lines.append(f"certificate:  {c.subject} issued by {c.issuer}, expires {c.not_after}")
    lines.append(f"server:       {data.server_version or '-'}  health={(data.health or {}).get('status', '-')}")
    lines.append(f"rights:       may create={_yes_no(data.can_create)} privileged={_yes_no(data.privileged)}")
    methods = [m for m in data.sign_in_methods if m != "none"]
    lines.append(f"sign-in:      {', '.join(methods) or 'none configured'}")
    session = data.session or {}
    if session and session.get("status") not in (None, "signed_out"):
        parts = [str(session.get("status")).replace("_", " ")]
        if session.get("next_refresh"):
            parts.append(f"next refresh {session['next_refresh']}")
        if session.get("last_error"):
            parts.append(f"last error: {session['last_error']}")
        lines.append(f"session:      {', '.join(parts)}")
    for name, error in data.errors.items():
        lines.append(f"({name}: {visible(error)})")
    return "\n".join(lines)


def _yes_no(value: object) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def run(args: argparse.Namespace) -> int:
    """Print the whoami data; exit 2 when the server does not accept our credentials."""

    def body() -> int:
        data = asyncio.run(_collect(resolve(args), args))
        print(
            dumps({**data.to_dict(), "server_url": mask_url(data.server_url)}) if args.json else safe_lines(_text(data))
        )
        if data.user_error is not None:  # the JSON document above already carries the errors
            return report_error(argparse.Namespace(json=False), data.user_error)
        return exitcodes.OK

    return run_guarded(args, body)
