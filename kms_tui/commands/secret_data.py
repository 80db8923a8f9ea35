"""``kms-tui create secret``, ``kms-tui create opaque`` and ``kms-tui reveal ID``.

After ``ckms secret-data create`` / ``ckms opaque-object create`` / ``… export``, except that a
value never comes from the command line (where ``ps`` and the shell history would keep it):

* ``create secret`` — a random 32-byte Seed made by the server (the default, as ckms); or
  ``--length N`` random bytes (a Seed) or characters (a ``--type password``), made here; or a value
  read from ``--value-file F`` (``-``: stdin) or typed at a masked ``--prompt``. A password read
  from a file or stdin loses one trailing newline.
* ``create opaque --value-file F`` — an OpaqueObject holding the file's bytes.
* ``--sensitive`` and ``--wrapping-key-id ID`` (the server's seed only) as ckms's.
* ``reveal ID`` — the value (exported unwrapped, as ``ckms … export --unwrap``): printable text as
  is, other bytes in hex (``--format``), or the raw
  bytes written 0600 to ``-o FILE`` (never over a file without ``--force``). A revoked object is
  revealed only with ``--allow-revoked``.

The audit trail records each Import/Create/Export and its id, never the value.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from kms_tui.client import KmsClient
from kms_tui.client import secrets as sd
from kms_tui.client.errors import KmsError, WrongLifecycleState
from kms_tui.commands import lifecycle
from kms_tui.commands.headless import Result, UsageError, object_id, run_with_client
from kms_tui.safetext import visible

FORMATS = ("auto", "text", "hex", "base64")


def register_create_kinds(kinds: Any) -> None:
    """Add ``secret`` and ``opaque`` under ``kms-tui create``."""
    k = kinds.add_parser(
        "secret",
        help="secret data: a password or a seed",
        description="Create secret data. Without a value the server makes a random 32-byte "
        "seed. The value is never taken from the command line.",
    )
    k.set_defaults(func=run_create_secret, writes=True)
    k.add_argument(
        "--type",
        dest="data_type",
        type=str.lower,
        choices=("password", "seed"),
        default="seed",
        help="default seed (a password needs a value or --length)",
    )
    source = k.add_mutually_exclusive_group()
    source.add_argument(
        "--length",
        type=int,
        metavar="N",
        help="a random value of N characters (password) or N bytes (seed), made by kms-tui",
    )
    source.add_argument("--value-file", metavar="FILE", help="read the value from FILE, or - for stdin")
    source.add_argument("--prompt", action="store_true", help="type the value at a masked prompt (asked twice)")
    k.add_argument("--sensitive", action="store_true", help="the server never hands the value out unwrapped")
    k.add_argument(
        "--wrapping-key-id", metavar="ID", help="store the server's random seed wrapped by this key (ckms -w)"
    )
    _common(k)

    k = kinds.add_parser(
        "opaque",
        help="an opaque object holding a file's bytes",
        description="Create (import) an opaque object; its bytes come from a file or stdin.",
    )
    k.set_defaults(func=run_create_opaque, writes=True)
    k.add_argument("--value-file", required=True, metavar="FILE", help="read the bytes from FILE, or - for stdin")
    k.add_argument(
        "--type",
        dest="opaque_type",
        type=str.lower,
        choices=("vendor", "unknown"),
        default="vendor",
        help="OpaqueDataType (default vendor, as ckms)",
    )
    _common(k)


def _common(k: argparse.ArgumentParser) -> None:
    k.add_argument("--tag", action="append", default=[], help="repeatable")
    k.add_argument("--name")
    k.add_argument("--id", dest="unique_id", metavar="ID", help="the new object's id (default: a UUID)")


def register(subparsers: Any) -> None:
    """Add ``reveal``."""
    p = subparsers.add_parser(
        "reveal",
        help="show the value of secret data or an opaque object",
        description="Export secret data or an opaque object and show its value (or write its bytes to a 0600 file).",
    )
    p.set_defaults(func=run_reveal, writes=False)
    p.add_argument("id", help="object id, or a JSON array of tags naming one object")
    p.add_argument("--format", choices=FORMATS, default="auto", help="auto (default): printable text as is, else hex")
    p.add_argument("-o", "--output", metavar="FILE", help="write the raw bytes to FILE (0600) instead")
    p.add_argument("--force", action="store_true", help="replace the output file if it exists")
    p.add_argument("--allow-revoked", action="store_true", help="reveal even when the object is revoked")


# -- the value ----------------------------------------------------------------------------------------


def _tags(args: argparse.Namespace) -> tuple[str, ...]:
    tags = tuple(args.tag)
    if any(not t or t.startswith("_") for t in tags):
        raise UsageError("tags must be non-empty and must not start with '_' (reserved for the server)")
    return tags


def _from_file(name: str, *, password: bool) -> sd.SecretValue:
    from kms_tui.commands.crypto import read_input  # here: `create` loads this module, not crypto's

    raw = read_input(name, "value")
    if password:  # `echo pw | kms-tui create secret --type password --value-file -`
        raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1] if raw.endswith(b"\n") else raw
    if not raw:
        raise UsageError(
            f"the value read from {'stdin' if name == '-' else name} is empty",
            "put the value in the file, or ask for a random one with --length",
        )
    return sd.SecretValue(raw)


def _prompted() -> sd.SecretValue:
    if not sys.stdin.isatty():
        raise UsageError("--prompt needs a terminal", "pipe the value in with --value-file - instead")
    first = getpass.getpass("Secret value (not shown): ")
    if not first:
        raise UsageError("no value typed", "type the value, or ask for a random one with --length")
    if getpass.getpass("Again, to confirm: ") != first:
        raise UsageError("the two values differ", "run the command again")
    return sd.SecretValue(first.encode("utf-8"))


def secret_value(args: argparse.Namespace) -> sd.SecretValue | None:
    """The value the options ask for (None: the server's random seed)."""
    password = args.data_type == "password"
    if args.value_file is not None:
        return _from_file(args.value_file, password=password)
    if args.prompt:
        return _prompted()
    if args.length is not None:
        return sd.random_password(args.length) if password else sd.random_seed(args.length)
    if password:
        raise UsageError("a password needs a value", "add --prompt, --value-file FILE (- for stdin) or --length N")
    return None


def _created(created: sd.Created, tags: tuple[str, ...]) -> Result:
    what = "secret data" if created.object_type == "SecretData" else "opaque object"
    data = {
        "id": created.uid,
        "type": created.object_type,
        "data_type": created.data_type,
        "length": created.length,
        "tags": list(tags),
    }
    return Result(data, f"created {what} {visible(created.uid)} ({created.data_type}, {created.length} bytes)")


def run_create_secret(args: argparse.Namespace) -> int:
    try:  # read before connecting: a prompt or a missing file fails fast
        value, tags = secret_value(args), _tags(args)
    except KmsError as exc:
        from kms_tui.commands.headless import report_error

        return report_error(args, exc)

    async def body(client: KmsClient) -> Result:
        created = await sd.create_secret_data(
            client,
            data_type=args.data_type.capitalize(),
            value=value,
            tags=tags,
            name=args.name,
            unique_id=args.unique_id,
            sensitive=args.sensitive,
            wrapping_key_id=args.wrapping_key_id,
        )
        return _created(created, tags)

    return run_with_client(args, body)


def run_create_opaque(args: argparse.Namespace) -> int:
    try:
        value, tags = _from_file(args.value_file, password=False), _tags(args)
    except KmsError as exc:
        from kms_tui.commands.headless import report_error

        return report_error(args, exc)

    async def body(client: KmsClient) -> Result:
        created = await sd.create_opaque_object(
            client,
            value,
            opaque_type=args.opaque_type.capitalize(),
            tags=tags,
            name=args.name,
            unique_id=args.unique_id,
        )
        return _created(created, tags)

    return run_with_client(args, body)


def run_reveal(args: argparse.Namespace) -> int:
    if args.output == "-" and args.json:
        from kms_tui.commands.headless import report_error

        return report_error(args, UsageError("--json and -o - both write to stdout", "write the value to a file"))

    async def body(client: KmsClient) -> Result:
        from kms_tui.commands.objects import SeveralMatches

        selector = object_id(args.id)
        ids = await lifecycle.resolve_ids(client, selector)
        if len(ids) > 1:
            raise SeveralMatches(selector, ids, "name the id of the one to reveal")
        attrs = await client.get_attributes(ids[0], with_tags=False)
        kind = str(attrs.get("ObjectType", ""))
        if kind not in sd.SECRET_TYPES:
            raise sd.NotASecret(
                f"{visible(ids[0])} is a {kind or 'object'}, not secret data or an opaque object",
                "reveal works on secret data and opaque objects; `kms-tui export` writes keys",
                reason="not_secret",
            )
        state = str(attrs.get("State", ""))
        if state in lifecycle.DESTROYED:
            raise WrongLifecycleState(
                f"{visible(ids[0])} is {state}: its value is gone",
                "nothing to reveal; a destroyed object keeps only its attributes",
                reason="destroyed",
            )
        if attrs.get("Sensitive") is True:  # Cosmian's export_get.rs: `Sensitive: DENIED` without a wrapping key
            raise sd.NotASecret(
                f"{visible(ids[0])} is Sensitive: the server never hands its value out in the clear",
                "a sensitive secret is only used inside the KMS",
                reason="sensitive",
            )
        if state in lifecycle.REVOKED and not args.allow_revoked:
            raise WrongLifecycleState(
                f"not revealing {visible(ids[0])}: it is {state}",
                "a revoked secret should not be handed out; pass --allow-revoked to reveal it anyway",
                reason="revoked",
            )
        revealed = await sd.reveal(client, ids[0])
        data: dict[str, Any] = {
            "id": revealed.uid,
            "type": revealed.object_type,
            "data_type": revealed.data_type,
            "length": len(revealed.value),
        }
        if args.output:
            from kms_tui.commands.crypto import write_output

            write_output(args.output, revealed.value.reveal(), force=args.force)
            if args.output == "-":
                return Result(data, "")
            return Result({**data, "file": args.output}, f"wrote {len(revealed.value)} bytes to {visible(args.output)}")
        fmt = args.format
        if fmt == "auto":
            fmt = "text" if revealed.as_text() is not None else "hex"
        return Result({**data, "encoding": fmt, "value": revealed.shown(fmt)}, revealed.shown(fmt))

    return run_with_client(args, body)
