"""The global options: one set, the same meaning before or after the command name.

``kms-tui --profile B create aes`` and ``kms-tui create aes --profile B`` are the same command;
``kms-tui --profile A create aes --profile B`` is a usage error naming both values. Each parser
level (``kms-tui``, ``create``, ``create aes``…) stores its occurrences under its own private
name, so none overwrites another; :func:`settle` then checks they agree and sets ``args.profile``,
``args.conf``, ``args.read_only``, ``args.json``, ``args.no_audit``, ``args.yes``, ``args.print_kmip``
and ``args.debug`` (None, ``""`` for the default file, or the file named).

``--debug`` takes its FILE only attached (``--debug=FILE``), as GNU tools' optional values: a
word after a bare ``--debug`` is the command or its argument (``kms-tui --debug locate``,
``kms-tui revoke --debug UID``), never a file name; :func:`attach_optional_values` makes argparse
see it that way.

Only :mod:`argparse` is imported here: the console's start goes through this module.
"""

from __future__ import annotations

import argparse
import itertools
import os
from typing import Any

from kms_tui import exitcodes

# name -> (flag, metavar, help)
VALUES = {
    "profile": ("--profile", "NAME", "use this kms-tui profile"),
    "conf": ("--conf", "PATH", "use this ckms.toml (default: $CKMS_CONF, the active profile, then ckms's search path)"),
}
FLAGS = {
    "read_only": ("--read-only", "refuse every change: create, activate, revoke, destroy, profile and sign-in writes"),
    "json": ("--json", "print one JSON document on stdout"),
    "no_audit": ("--no-audit", "act even when the local audit trail cannot be written (the action goes unrecorded)"),
    "print_kmip": (
        "--print-kmip",
        "print each request and answer (KMIP JSON TTLV, REST JSON) on stderr, secrets masked",
    ),
    "yes": ("--yes", "confirm a change on a profile marked production (kms-tui profile mark NAME --production)"),
}
# name -> (flag, metavar, help): a value that may be left out, given only as --flag=VALUE
OPTIONAL_VALUES = {
    "debug": (
        "--debug",
        "=FILE",
        "log TLS, proxy, retry and token-refresh decisions (never a secret) to "
        "kms-tui-debug.log in the state directory, or to FILE with --debug=FILE (0600, appended)",
    ),
}
VALUE_FLAGS = tuple(flag for flag, _, _ in VALUES.values())
_PREFIX = "_global_"
_levels = itertools.count()


class OptionError(Exception):
    """A usage error found in the global options (exit 3)."""

    exit_code = exitcodes.USAGE

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.reason = "usage"


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """Add the global options to one parser level (nothing is stored unless given)."""
    level = next(_levels)
    group = parser.add_argument_group("global options (before or after the command name)")
    for name, (flag, metavar, help_) in VALUES.items():
        group.add_argument(
            flag,
            dest=f"{_PREFIX}{name}_{level}",
            action="append",
            metavar=metavar,
            default=argparse.SUPPRESS,
            help=help_,
        )
    for name, (flag, help_) in FLAGS.items():
        group.add_argument(
            flag, dest=f"{_PREFIX}{name}_{level}", action="store_true", default=argparse.SUPPRESS, help=help_
        )
    for name, (flag, metavar, help_) in OPTIONAL_VALUES.items():
        group.add_argument(
            flag,
            dest=f"{_PREFIX}{name}_{level}",
            action="append",
            nargs="?",
            const="",
            metavar=metavar,
            default=argparse.SUPPRESS,
            help=help_,
        )


def attach_optional_values(argv: list[str]) -> list[str]:
    """``argv`` with each bare ``--debug`` (or its abbreviation) written ``--debug=``, so that
    argparse never takes the next word as its FILE. The value of ``--profile``/``--conf`` and
    everything after ``--`` are left as they are."""
    out: list[str] = []
    words = iter(argv)
    for arg in words:
        if arg == "--":
            out += [arg, *words]
            break
        bare = [flag for flag, _, _ in OPTIONAL_VALUES.values() if len(arg) >= 5 and flag.startswith(arg)]
        out.append(f"{bare[0]}=" if bare else arg)
        if arg in VALUE_FLAGS:
            out += [value for value in [next(words, None)] if value is not None]
    return out


def add_to_tree(parser: argparse.ArgumentParser) -> None:
    """Add the global options to ``parser`` and to every sub-command under it."""
    add_global_options(parser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):  # aliases share a parser
                add_to_tree(child)


def _same(name: str, a: str, b: str) -> bool:
    if name == "conf":
        return os.path.realpath(os.path.expanduser(a)) == os.path.realpath(os.path.expanduser(b))
    return a == b


def settle(args: argparse.Namespace) -> OptionError | None:
    """Merge every level's occurrences into one value per option; a conflict is returned."""
    given: dict[str, list[Any]] = {}
    for key in [k for k in vars(args) if k.startswith(_PREFIX)]:
        name = key[len(_PREFIX) :].rsplit("_", 1)[0]
        value = getattr(args, key)
        delattr(args, key)
        given.setdefault(name, []).extend(value if isinstance(value, list) else [value])
    problem = None
    for name, (flag, _, _) in VALUES.items():
        values = given.get(name, [])
        distinct: list[str] = []
        for v in values:
            if not any(_same(name, v, d) for d in distinct):
                distinct.append(v)
        if len(distinct) > 1 and problem is None:
            shown = " and ".join(repr(v) for v in distinct)
            problem = OptionError(
                f"{flag} was given {len(distinct)} different values: {shown}",
                f"give {flag} once (before or after the command name: they mean the same)",
            )
        setattr(args, name, values[0] if values else None)
    for name in FLAGS:
        setattr(args, name, any(given.get(name, [])))
    for name, (flag, _, _) in OPTIONAL_VALUES.items():
        named = list(dict.fromkeys(v for v in given.get(name, []) if v))  # "" is the default file
        if len(named) > 1 and problem is None:
            problem = OptionError(
                f"{flag} was given {len(named)} different files: " + " and ".join(repr(v) for v in named),
                f"give {flag}=FILE once",
            )
        setattr(args, name, (named[0] if named else "") if name in given else None)
    args.given_options = [_flag(n) for n in given]
    return problem


def _flag(name: str) -> str:
    for table in (VALUES, OPTIONAL_VALUES):
        if name in table:
            return table[name][0]
    return FLAGS[name][0]


def console_problem(args: argparse.Namespace) -> OptionError | None:
    """Options that only a command can use, given with no command."""
    for name in ("json", "no_audit", "yes", "print_kmip"):
        if getattr(args, name, False):
            return OptionError(
                f"{FLAGS[name][0]} applies to a command; the console was asked for",
                "name a command (kms-tui --help lists them), or drop the option",
            )
    return None


def unused_problem(args: argparse.Namespace, command: str) -> OptionError | None:
    """Global options given to a command that takes none of them."""
    given = getattr(args, "given_options", [])
    if given:
        return OptionError(
            f"`{command}` takes none of the global options; got {', '.join(given)}", f"see `kms-tui {command} --help`"
        )
    return None


def command_label(args: argparse.Namespace) -> str:
    """``create aes``, ``profile delete``, ``destroy``…"""
    words = [getattr(args, "command", None) or ""]
    for extra in (
        "kind",
        "profile_command",
        "access_action",
        "audit_command",
        "certificates_action",
        "rotation_command",
    ):
        value = getattr(args, extra, None)
        if isinstance(value, str):
            words.append(value)
    return " ".join(w for w in words if w)


def is_write(args: argparse.Namespace) -> bool:
    """Whether the command changes something (its ``writes`` default, a bool or a function)."""
    writes = getattr(args, "writes", False)
    return bool(writes(args) if callable(writes) else writes)


def read_only_problem(args: argparse.Namespace) -> OptionError | None:
    """The refusal of a write under ``--read-only`` (before anything is read or sent)."""
    if getattr(args, "read_only", False) and is_write(args):
        return OptionError(
            f"read-only mode: `{command_label(args)}` makes a change, and --read-only refuses every change",
            "run it again without --read-only",
        )
    return None
