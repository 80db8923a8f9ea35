"""Entry point: the console by default, headless subcommands for scripts.

Each headless command lives in ``kms_tui/commands/<name>.py`` and exposes
``register(subparsers) -> None``; the parser it adds sets ``func=run`` where
``run(args) -> int`` returns an exit code from :mod:`kms_tui.exitcodes`.
Nothing on the headless path imports Textual: the app is imported lazily.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from kms_tui import __version__, exitcodes

# Modules under kms_tui.commands, in the order their commands appear in --help.
COMMAND_MODULES = (
    "serve",
    "whoami",
    "objects",
    "audit",
    "profile",
    "login",
    "crypto",
)


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """Options every command that talks to a server accepts."""
    parser.add_argument("--profile", metavar="NAME", help="use this kms-tui profile")
    parser.add_argument(
        "--conf", metavar="PATH", help="use this ckms.toml (default: $CKMS_CONF, then ckms's search path)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def build_parser(*, with_commands: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kms-tui",
        description="A terminal console for Cosmian KMS. With no command, opens the console.",
    )
    parser.add_argument("--version", action="version", version=f"kms-tui {__version__}")
    parser.add_argument("--profile", metavar="NAME", help="open the console on this profile")
    parser.add_argument("--conf", metavar="PATH", help="open the console on this ckms.toml")
    parser.add_argument("--sandbox", action="store_true", help="start straight on the local sandbox KMS")
    parser.add_argument("--read-only", action="store_true", help="refuse create, revoke, destroy and config writes")
    if not with_commands:
        return parser
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"kms_tui.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"kms_tui.commands.{name}":
                continue  # not built yet
            raise
        module.register(sub)
    return parser


def opens_console(argv: Sequence[str]) -> bool:
    """True when no command is named: the console's start-up then skips importing every command.

    Any positional word is a command (modules register several: `login` also adds `logout`,
    `objects` adds `locate`, `create`...), so only the top-level options' values are skipped.
    """
    words = iter(argv)
    for arg in words:
        if arg in ("-h", "--help"):
            return False
        if arg in ("--profile", "--conf"):
            next(words, None)  # the option's value, not a command
        elif not arg.startswith("-"):
            return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(with_commands=not opens_console(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors; our contract says 3
        code = exc.code if isinstance(exc.code, int) else 1
        return exitcodes.USAGE if code == 2 else code
    func = getattr(args, "func", None)
    if func is not None:
        return int(func(args))
    from kms_tui.tui.app import run_console  # lazy: keeps Textual off the headless path

    return int(run_console(args))


if __name__ == "__main__":
    sys.exit(main())
