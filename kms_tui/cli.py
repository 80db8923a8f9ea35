"""Entry point: the console by default, headless subcommands for scripts.

Each headless command lives in ``kms_tui/commands/<name>.py`` and exposes
``register(subparsers) -> None``; the parser it adds sets ``func=run`` where
``run(args) -> int`` returns an exit code from :mod:`kms_tui.exitcodes`, and ``writes=True`` (or a
function of the arguments) when it changes a server, a profile or a file it does not create.
Nothing on the headless path imports Textual: the app is imported lazily.

The global options (:mod:`kms_tui.commands.options`) are accepted before or after the command
name and mean the same in both places; after parsing, ``args.profile``, ``args.conf``,
``args.read_only``, ``args.json`` and ``args.no_audit`` hold their one value.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from kms_tui import __version__, exitcodes
from kms_tui.commands import options

# Modules under kms_tui.commands, in the order their commands appear in --help.
COMMAND_MODULES = (
    "serve",
    "whoami",
    "objects",
    "access",
    "audit",
    "profile",
    "login",
    "crypto",
    "due",
    "diff",
)
# Commands that take none of the global options (the sandbox server has its own configuration).
NO_GLOBAL_OPTIONS = ("serve",)


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """Kept for command modules written before the global options: they are added to every
    command by :func:`build_parser` now, so this adds nothing."""


def build_parser(*, with_commands: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kms-tui",
        description="A terminal console for Cosmian KMS. With no command, opens the console. "
        "The options below may also be given after the command name.",
    )
    parser.add_argument("--version", action="version", version=f"kms-tui {__version__}")
    parser.add_argument("--sandbox", action="store_true", help="start straight on the local sandbox KMS")
    options.add_global_options(parser)
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
    done: set[int] = set()
    for name, command in sub.choices.items():  # an alias names the same parser: add the options once
        if name not in NO_GLOBAL_OPTIONS and id(command) not in done:
            done.add(id(command))
            options.add_to_tree(command)
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
        if arg in options.VALUE_FLAGS:
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
    problem = options.settle(args)
    func = getattr(args, "func", None)
    if problem is None and func is None:
        problem = options.console_problem(args)
    if problem is None and getattr(args, "command", None) in NO_GLOBAL_OPTIONS:
        problem = options.unused_problem(args, args.command)
    if problem is None and func is not None and getattr(args, "sandbox", False):
        problem = options.OptionError("--sandbox opens the console; a command takes --profile or --conf",
                                      "start the sandbox with `kms-tui serve --port 0` and point --conf at it")
    if problem is None and func is not None:
        problem = options.read_only_problem(args)
    if problem is not None:
        from kms_tui.commands.headless import report_error

        return report_error(args, problem)
    if func is not None:
        return int(func(args))
    from kms_tui.tui.app import run_console  # lazy: keeps Textual off the headless path

    return int(run_console(args))


if __name__ == "__main__":
    sys.exit(main())
