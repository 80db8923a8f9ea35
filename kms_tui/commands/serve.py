"""``kms-tui serve``: run the sandbox KMS (KMIP 2.1 JSON TTLV, like Cosmian KMS 5.26)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kms_tui import exitcodes, paths

if TYPE_CHECKING:
    import ssl

    from kms_tui.server.config import ServerConfig
    from kms_tui.server.store import Store


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` subcommand."""
    p = subparsers.add_parser(
        "serve",
        help="run the local sandbox KMS",
        description="Run the sandbox KMS: KMIP 2.1 JSON TTLV and REST endpoints, like Cosmian KMS 5.26. "
        "The first line printed is `listening on URL`. /version reports `5.26.0 (<OpenSSL>-non-FIPS)` "
        "like Cosmian's; KMS_TUI_SANDBOX_VERSION replaces that string (tests use it for "
        "machine-independent screens).",
    )
    p.add_argument("--host", help="address to listen on (default: the config's hostname, else 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (0 picks a free one; default: the config's, else 9998)")
    p.add_argument("--db", type=Path, help="SQLite database (default: sandbox.sqlite in the data directory)")
    p.add_argument("-c", "--config", type=Path, help="server TOML (Cosmian's kms.toml subset)")
    p.add_argument(
        "--test-data-root",
        type=Path,
        metavar="DIR",
        help="directory that `test_data/` paths in the config stand for",
    )
    p.add_argument(  # secret:// references in the config (issue 4)
        "--backend",
        metavar="NAME",
        dest="secret_backend",
        help="secret backend for secret:// references in the config: vault, aws-ssm, azure-kv or "
        "cosmian-kms (default: $KMS_SECRET_BACKEND)",
    )
    p.add_argument(
        "--auto-rotation-check-interval",
        type=float,
        metavar="SECONDS",
        dest="auto_rotation_interval",
        help="run the key auto-rotation check every SECONDS (Cosmian's auto_rotation_check_interval_secs; "
        "0 disables it; default: the config's, else 0)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the config, open the store, serve until SIGTERM/SIGINT; returns an exit code."""
    from kms_tui.server.config import ServerConfig, ServerConfigError, load_config

    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        config = (
            load_config(
                args.config, test_data_root=args.test_data_root, data=_resolved_toml(args.config, args.secret_backend)
            )
            if args.config
            else ServerConfig()
        )
        ssl_ctx = None
        if config.tls.enabled:
            from kms_tui.server.tls import server_context

            ssl_ctx = server_context(config.tls)
    except ServerConfigError as exc:
        print(f"kms-tui serve: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    interval = getattr(args, "auto_rotation_interval", None)
    if interval is not None:
        if interval < 0:
            print(
                "kms-tui serve: --auto-rotation-check-interval must be 0 (disabled) or a number of seconds",
                file=sys.stderr,
            )
            return exitcodes.USAGE
        config.auto_rotation_check_interval_secs = interval
    host = args.host or (config.hostname if args.config else "127.0.0.1")
    port = args.port if args.port is not None else (config.port if config.port is not None else 9998)
    db = args.db or paths.data_dir() / "sandbox.sqlite"
    from kms_tui.server.store import Store

    try:
        store = Store(db)
    except (sqlite3.Error, OSError) as exc:
        print(f"kms-tui serve: cannot open the database {db}: {exc} (choose another file with --db)", file=sys.stderr)
        return exitcodes.USAGE
    try:
        return asyncio.run(_serve(config, store, host, port, ssl_ctx))
    except OSError as exc:
        print(f"kms-tui serve: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return exitcodes.USAGE
    except KeyboardInterrupt:
        return exitcodes.OK


def _resolved_toml(path: Path, backend: str | None) -> dict[str, Any]:
    """The config's TOML with its secret:// references resolved in memory (the file keeps them).

    Resolution belongs here, not in ``server``: the server package uses ``kmip`` only.
    """
    from kms_tui.server.config import ServerConfigError, read_toml

    data = read_toml(path)
    if "secret://" not in path.read_text(encoding="utf-8", errors="replace"):
        return data  # no reference: the secret backends are never imported
    from kms_tui.config.errors import ConfigError
    from kms_tui.config.secrets import resolve_tree

    try:
        resolved: dict[str, Any] = resolve_tree(data, backend, where="server config")[0]
        return resolved
    except ConfigError as exc:
        raise ServerConfigError(f"{path}: {exc}") from None


def display_host(host: str) -> str:
    """The host part of the printed URL: wildcard binds are reached on loopback."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


async def _serve(config: ServerConfig, store: Store, host: str, port: int, ssl_ctx: ssl.SSLContext | None) -> int:
    from aiohttp import web

    from kms_tui.server.app import build_app, handler_options

    runner = web.AppRunner(build_app(config, store), access_log=None, handle_signals=False, **handler_options())
    await runner.setup()
    site = web.TCPSite(runner, host, port, ssl_context=ssl_ctx, backlog=512)
    try:
        await site.start()
    except OSError:
        await runner.cleanup()
        raise
    server = site._server  # the bound port (aiohttp keeps no public handle on it)
    sockets = server.sockets if isinstance(server, asyncio.Server) else []
    bound = sockets[0].getsockname()[1] if sockets else port
    shown = display_host(host)
    scheme = "https" if ssl_ctx else "http"
    print(f"listening on {scheme}://{shown}:{bound}", flush=True)  # the socket already accepts
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()
    return exitcodes.OK
