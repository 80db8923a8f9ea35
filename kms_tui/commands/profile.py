"""``kms-tui profile …``: manage profiles without the console (scripts, CI).

list | show [NAME|--conf FILE] | check [NAME|--conf FILE] | import FILE [--name NAME]
| export NAME -o FILE | use NAME | delete NAME | mark NAME --production|--no-production. ``--json`` prints
one JSON document; exit codes: 0 ok, 3 invalid configuration or usage (the problems are listed either
way).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from kms_tui import exitcodes
from kms_tui.commands.output import dumps, say
from kms_tui.config import (
    ConfigError,
    ProfileDocument,
    ProfileStore,
    check_profile,
    load_connection,
    masked_tree,
)
from kms_tui.config.secrets.refs import BACKENDS
from kms_tui.words import count


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``profile`` and its subcommands."""
    parser = subparsers.add_parser("profile", help="list, check, import and export ckms.toml profiles")
    sub = parser.add_subparsers(dest="profile_command", metavar="ACTION", required=True)

    def add(name: str, help_text: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.set_defaults(func=lambda args: _guarded(func, args), writes=WRITES.get(name, False))
        return p

    add("list", "list profiles (stored and discovered ckms configs)", _list)
    for name, text, func in (
        ("show", "show a profile, secrets masked", _show),
        ("check", "validate a profile, its files and certificates", _check),
    ):
        p = add(name, text, func)
        p.add_argument(
            "name",
            nargs="?",
            metavar="NAME",
            help="profile name (default: --profile, else the active one; --conf FILE: that file)",
        )
    p = add("import", "copy a ckms.toml into a new profile", _import)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--name", metavar="NAME", help="profile name (default: the file's name)")
    p.add_argument("--secret-backend", choices=sorted(BACKENDS), help="backend for its secret:// references")
    p = add("export", "write a profile as a standalone ckms.toml", _export)
    p.add_argument("name", metavar="NAME")
    p.add_argument("-o", "--output", metavar="FILE", required=True)
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    p = add("use", "make a profile the active one", _use)
    p.add_argument("name", metavar="NAME")
    p = add("delete", "delete a profile (a discovered ckms config is only hidden)", _delete)
    p.add_argument("name", metavar="NAME")
    p = add("mark", "mark a profile production (red banner, read-only console, --yes for writes) or not", _mark)
    p.add_argument("name", metavar="NAME")
    flag = p.add_mutually_exclusive_group(required=True)
    flag.add_argument("--production", dest="production", action="store_true", help="mark it production")
    flag.add_argument("--no-production", dest="production", action="store_false", help="remove the mark")


# Which actions change something (--read-only refuses them): export only over an existing file.
WRITES: dict[str, Any] = {
    "import": True,
    "use": True,
    "delete": True,
    "mark": True,
    "export": lambda args: Path(args.output).expanduser().exists(),
}


def _global_options(args: argparse.Namespace) -> None:
    """What the global --profile and --conf mean here (ConfigError where they cannot apply).

    show/check: --profile NAME is the NAME, --conf FILE a file instead of a profile; import:
    --profile is the new profile's name; export/use/delete: --profile must be the NAME given."""
    action = args.profile_command
    if args.conf and action not in ("show", "check"):
        raise ConfigError(f"--conf does not apply to `profile {action}`", fix="Drop --conf.")
    if not args.profile:
        return
    if action == "list":
        raise ConfigError("--profile does not apply to `profile list`", fix="Drop --profile.")
    key = "name"
    current = getattr(args, key, None)
    if current and current != args.profile:
        shown = "--name" if action == "import" else "NAME"
        raise ConfigError(
            f"--profile {args.profile!r} and {shown} {current!r} name different profiles", fix="Name the profile once."
        )
    setattr(args, key, args.profile)


def _guarded(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        _global_options(args)
        return func(args)
    except ConfigError as exc:
        _emit(args, exc.to_dict(), str(exc), stream=sys.stderr)
        return exc.exit_code


def _emit(args: argparse.Namespace, document: Any, text: str, *, stream: TextIO | None = None) -> None:
    if args.json:
        print(dumps(document))
    elif text:
        say(text, stream or sys.stdout)


def _target(args: argparse.Namespace, store: ProfileStore) -> tuple[str, ProfileDocument, str]:
    """The profile named on the command line, the file of --conf, or the active profile."""
    if args.conf:
        if args.name:
            raise ConfigError("give a profile NAME or --conf FILE, not both", fix="Drop one of them.")
        return Path(args.conf).stem, ProfileDocument.load(Path(args.conf)), "file"
    name = args.name or store.active()
    if not name:
        raise ConfigError(
            "no profile named and none is active",
            fix="Name one (see `kms-tui profile list`) or run `kms-tui profile use NAME`.",
        )
    entry = store.info(name)
    return entry.name, ProfileDocument.load(entry.path), entry.source


def _list(args: argparse.Namespace) -> int:
    store = ProfileStore()
    entries = store.list()
    settings = store.settings()
    production = {e.name for e in entries if settings.for_profile(e.name).production}
    rows = [{**e.to_dict(), "production": e.name in production} for e in entries]
    width = max((len(e.name) for e in entries), default=4)
    text = "\n".join(
        f"{'*' if e.active else ' '} {e.name:<{width}}  {e.source:<10}  {e.path}"
        + ("  [production]" if e.name in production else "")
        for e in entries
    )
    _emit(args, {"profiles": rows}, text or "no profiles yet: `kms-tui profile import FILE` adds one")
    return exitcodes.OK


def _show(args: argparse.Namespace) -> int:
    store = ProfileStore()
    name, document, source = _target(args, store)
    references = {path: value for path, value in _string_leaves(document.data()) if "secret://" in value}
    shown = masked_tree(document.data(), references)
    settings = store.profile_settings(name).model_dump(mode="json", exclude_defaults=True)
    problems = document.problems()
    payload = {
        "name": name,
        "path": str(document.path),
        "source": source,
        "config": shown,
        "settings": settings,
        "problems": [p.to_dict() for p in problems],
    }
    lines = [f"profile {name} ({source}): {document.path}"]
    lines += [
        f"  {key} = {json.dumps(value, ensure_ascii=False)}" for key, value in _string_leaves(shown, scalars=True)
    ]
    if settings:
        lines.append(f"  settings: {json.dumps(settings)}")
    lines += [f"  ! {p}" for p in problems]
    _emit(args, payload, "\n".join(lines))
    return exitcodes.USAGE if any(p.is_error for p in problems) else exitcodes.OK


def _check(args: argparse.Namespace) -> int:
    store = ProfileStore()
    name, document, source = _target(args, store)
    settings = store.profile_settings(name) if source != "file" else None
    from kms_tui.config.settings import ProfileSettings

    connection = load_connection(document, name, settings or ProfileSettings(), source)
    problems = check_profile(connection, document.text)
    errors = [p for p in problems if p.is_error]
    payload = {"name": name, "path": str(document.path), "ok": not errors, "problems": [p.to_dict() for p in problems]}
    verdict = f"profile {name}: " + ("OK" if not errors else count(len(errors), "problem"))
    _emit(args, payload, "\n".join([verdict, *(f"  {p}" for p in problems)]))
    return exitcodes.USAGE if errors else exitcodes.OK


def _import(args: argparse.Namespace) -> int:
    store = ProfileStore()
    name = store.import_(Path(args.file), args.name, secret_backend=args.secret_backend)
    path = store.path_of(name)
    _emit(args, {"name": name, "path": str(path)}, f"imported {args.file} as profile {name} ({path})")
    return exitcodes.OK


def _export(args: argparse.Namespace) -> int:
    notices = ProfileStore().export(args.name, Path(args.output), overwrite=args.force)
    text = "\n".join([f"exported profile {args.name} to {args.output}", *(f"note: {n}" for n in notices)])
    _emit(args, {"name": args.name, "path": args.output, "notices": notices}, text)
    return exitcodes.OK


def _use(args: argparse.Namespace) -> int:
    ProfileStore().set_active(args.name)
    _emit(args, {"active": args.name}, f"active profile: {args.name}")
    return exitcodes.OK


def _delete(args: argparse.Namespace) -> int:
    entry = ProfileStore().delete(args.name)
    what = "deleted" if entry.source == "store" else f"hidden (the file {entry.path} is left untouched)"
    _emit(
        args,
        {"name": entry.name, "deleted": entry.source == "store", "path": str(entry.path)},
        f"profile {entry.name} {what}",
    )
    return exitcodes.OK


def _mark(args: argparse.Namespace) -> int:
    """Set or clear ``production`` in settings.toml (never in the ckms.toml ckms reads)."""
    store = ProfileStore()
    name = store.info(args.name).name  # an unknown profile is an error naming it
    settings = store.profile_settings(name).model_copy(update={"production": args.production})
    store.set_profile_settings(name, settings)
    what = "production" if args.production else "not production"
    _emit(args, {"name": name, "production": args.production}, f"profile {name} is now marked {what}")
    return exitcodes.OK


def _string_leaves(tree: Any, prefix: str = "", *, scalars: bool = False) -> Iterator[tuple[str, Any]]:
    """(dotted path, value) for every string leaf (every scalar leaf when ``scalars``)."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _string_leaves(value, f"{prefix}.{key}" if prefix else key, scalars=scalars)
    elif isinstance(tree, list) and not scalars:
        for i, value in enumerate(tree):
            yield from _string_leaves(value, f"{prefix}[{i}]")
    elif isinstance(tree, str) or (scalars and tree is not None):
        yield prefix, tree
