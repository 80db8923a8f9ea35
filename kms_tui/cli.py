"""Entry point: the console by default, headless subcommands for scripts.

Each headless command lives in ``kms_tui/commands/<name>.py`` and exposes
``register(subparsers) -> None``; the parser it adds sets ``func=run`` where
``run(args) -> int`` returns an exit code from :mod:`kms_tui.exitcodes`, and ``writes=True`` (or a
function of the arguments) when it changes a server, a profile or a file it does not create.
Nothing on the headless path imports Textual: the app is imported lazily.

The global options (:mod:`kms_tui.commands.options`) are accepted before or after the command
name and mean the same in both places; after parsing, ``args.profile``, ``args.conf``,
``args.read_only``, ``args.json``, ``args.no_audit`` and ``args.debug`` hold their one value.
``--debug[=FILE]`` (commands and the console) writes the client's decisions to a file while the
command runs (:mod:`kms_tui.debuglog`, imported only then).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from kms_tui import exitcodes
from kms_tui.commands import options
from kms_tui.gc_pause import collector_paused

# Every headless command: name -> (module under kms_tui.commands that registers it, its line in
# `kms-tui --help`; None for an alias of its module's command). In --help order. Only the module of the command
# being run is imported: the others are known by this table alone (tests/test_cli_startup.py checks it
# against what every module registers). A module may register several commands.
COMMAND_MODULES: dict[str, tuple[str, str | None]] = {
    "serve": ("serve", "run the local sandbox KMS"),
    "whoami": ("whoami", "show the user the server sees, token claims and rights"),
    "locate": ("objects", "find objects (no 1,000 cap: large results are listed in full)"),
    "attributes": ("objects", "show (get), set or delete the attributes and tags of an object"),
    "create": ("objects", "create a key, a key pair, secret data or an opaque object"),
    "activate": ("objects", "activate a pre-active object"),
    "revoke": (
        "objects",
        "revoke an object (and its key-pair partner); --tag: every object with the tags, after a preview",
    ),
    "destroy": (
        "objects",
        "destroy an object's key material (revoke it first if it is active); --tag: every "
        "object with the tags, after a preview",
    ),
    "export": ("import_export", "export a key or certificate to a file (no --format: public PEM, as before)"),
    "import": ("import_export", "import a key or certificate from a file (format detected, or --format)"),
    "reveal": ("secret_data", "show the value of secret data or an opaque object"),
    "access": ("access", "grant, revoke and list users' access rights to objects"),
    "access-rights": ("access", None),
    "audit": ("audit", "show the local audit trail of key operations"),
    "profile": ("profile", "list, check, import and export ckms.toml profiles"),
    "login": ("login", "sign in with the profile's OAuth2/OIDC identity provider"),
    "logout": ("login", "forget the profile's tokens and revoke them at the IdP"),
    "encrypt": ("crypto", "encrypt a file with a symmetric key, a public key or a certificate"),
    "decrypt": ("crypto", "decrypt a file with a symmetric or private key"),
    "sign": ("crypto", "sign a file with a private key"),
    "verify": ("crypto", "verify a signature (exit 0 valid, 1 invalid)"),
    "mac": ("crypto", "compute the HMAC of a file with a symmetric key"),
    "due": ("due", "what needs attention soon: expiring certificates, keys to rotate, compromised partners"),
    "diff": ("diff", "compare two servers: objects on one side only, re-created, different state/tags/links/grants"),
    "rekey": ("rotation", "re-key: a new key replacing this one (ReKey / ReKeyKeyPair)"),
    "rotation": ("rotation", "automatic rotation policy of a key: set, get, clear, history"),
    "certificates": ("certificates", "issue, renew, validate and show X.509 certificates"),
    "certs": ("certificates", None),
    "doctor": ("doctor", "check the whole path to the KMS (DNS, TCP, proxy, TLS, certificates, token, rights)"),
}
# Commands that take none of the global options (the sandbox server has its own configuration).
NO_GLOBAL_OPTIONS = ("serve",)
# Commands that run for long and keep Python's cyclic garbage collector (see main).
LONG_RUNNING = ("serve",)


class _Version(argparse.Action):
    """``--version``: the installed distribution's version, read only when asked for."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(
            option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show program's version number and exit"
        )

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        from kms_tui import version

        print(f"kms-tui {version()}")  # on stdout, as argparse's own version action
        parser.exit()


def build_parser(command: str | None = None, *, with_commands: bool = True) -> argparse.ArgumentParser:
    """The ``kms-tui`` parser. ``command``'s module registers its real parser(s); every other
    command is a stand-in carrying its help line, whose module is not imported. Should a stand-in
    be chosen after all (the command word was not where :func:`command_word` looked), it takes
    the rest of the line and :func:`parse` parses again with that command's module."""
    parser = argparse.ArgumentParser(
        prog="kms-tui",
        description="A terminal console for Cosmian KMS. With no command, opens the console. "
        "The options below may also be given after the command name.",
    )
    parser.add_argument("--version", action=_Version)
    parser.add_argument("--sandbox", action="store_true", help="start straight on the local sandbox KMS")
    options.add_global_options(parser)
    if not with_commands:
        return parser
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = COMMAND_MODULES.get(command or "", (None, None))[0]
    stand_ins: set[int] = set()
    for name, (module, help_) in COMMAND_MODULES.items():
        if name in sub.choices:
            continue  # registered with an earlier name of its module
        if module == wanted:
            importlib.import_module(f"kms_tui.commands.{module}").register(sub)
            continue
        aliases = [n for n, (m, h) in COMMAND_MODULES.items() if m == module and h is None and n != name]
        listed: dict[str, Any] = {} if help_ is None else {"help": help_}  # an alias is not listed
        stand_in = sub.add_parser(name, add_help=False, aliases=aliases if help_ is not None else [], **listed)
        stand_in.add_argument("_stand_in_rest", nargs=argparse.REMAINDER)
        stand_ins.add(id(stand_in))
    done: set[int] = set()
    for name, command_parser in sub.choices.items():  # an alias names the same parser: add the options once
        if name not in NO_GLOBAL_OPTIONS and id(command_parser) not in done | stand_ins:
            done.add(id(command_parser))
            options.add_to_tree(command_parser)
    return parser


def command_word(argv: Sequence[str]) -> str | None:
    """The command named in ``argv`` (its first positional word), or None.

    Any positional word is a command (modules register several: `login` also adds `logout`,
    `objects` adds `locate`, `create`...), so only the top-level options' values are skipped.
    """
    words = iter(argv)
    for arg in words:
        if arg in options.VALUE_FLAGS:
            next(words, None)  # the option's value, not a command
        elif not arg.startswith("-"):
            return arg
    return None


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """``argv`` parsed with only the named command's module imported (argparse's SystemExit on
    a usage error, --help or --version)."""
    argv = options.attach_optional_values(list(argv))
    command = command_word(argv)
    console = command is None and not ({"-h", "--help"} & set(argv))
    parser = build_parser(command, with_commands=not console)
    args, unknown = parser.parse_known_args(argv)
    if hasattr(args, "_stand_in_rest"):  # the command was not where command_word looked
        return build_parser(args.command).parse_args(argv)
    if unknown:
        parser.parse_args(argv)  # argparse's own usage error
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # pydantic looks for plugins in the metadata of every installed distribution the first time
    # a model is built (a scan of site-packages, ~10% of a headless command); kms-tui uses none.
    # PYDANTIC_DISABLE_PLUGINS set in the environment (even empty) is left as it is.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if command_word(argv) in (None, *LONG_RUNNING):
        return _main(argv)
    # Optional imports of our libraries that a headless command never uses: httpcore imports
    # trio when it happens to be installed (~50 ms) only to offer trio a lock (we run on asyncio
    # alone); httpx imports its command-line tool (click, rich, pygments: ~25 ms) when those are
    # installed. `import X` of a None entry raises ImportError, which both handle.
    kept_out = [name for name in ("trio", "httpx._main") if name not in sys.modules]
    for name in kept_out:
        sys.modules[name] = None  # type: ignore[assignment]
    # A headless command is a short process whose allocations (modules, classes, one answer)
    # live until it exits: the collector frees nothing. Cycles wait for the end of the command
    # (measured: neutral for one request, 5% of `locate --json` at 10,000 objects; CONTRIBUTING.md).
    try:
        with collector_paused():
            return _main(argv)
    finally:
        for name in kept_out:  # called in-process (tests, embedding): importable again afterwards
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


def _main(argv: list[str]) -> int:
    try:
        args = parse(argv)
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
        problem = options.OptionError(
            "--sandbox opens the console; a command takes --profile or --conf",
            "start the sandbox with `kms-tui serve --port 0` and point --conf at it",
        )
    if problem is None and func is not None:
        problem = options.read_only_problem(args)
    debug = None
    if problem is None and getattr(args, "debug", None) is not None:
        debug, problem = _start_debug_log(args.debug)
    if problem is not None:
        from kms_tui.commands.headless import report_error

        return report_error(args, problem)
    try:
        if func is not None:
            return int(func(args))
        from kms_tui.tui.app import run_console  # lazy: keeps Textual off the headless path

        return int(run_console(args))
    finally:
        if debug is not None:
            debug.close()


def _start_debug_log(file: str) -> tuple[Any, options.OptionError | None]:
    """The debug log opened (``--debug``), or why it cannot be."""
    from kms_tui import debuglog, paths

    try:
        return debuglog.enable(file), None
    except paths.LinkRefused as exc:
        return None, options.OptionError(f"--debug: {exc.message}", exc.fix)
    except OSError as exc:
        where = file or str(debuglog.default_path())
        return None, options.OptionError(
            f"--debug: cannot write the debug log {where}: {exc.strerror or exc}",
            "name a file you can write with --debug=FILE",
        )


if __name__ == "__main__":
    sys.exit(main())
