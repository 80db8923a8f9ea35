"""Headless key commands: locate, attributes, create, activate, revoke, destroy, export."""

from __future__ import annotations

import argparse
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from kms_tui.client import KmsClient, LocateFilter
from kms_tui.client.listing import ObjectSummary
from kms_tui.client.pem import NotExportable, to_pem
from kms_tui.client.requests import REVOCATION_REASONS
from kms_tui.client.serde_dates import rfc3339
from kms_tui.commands.headless import Result, UsageError, object_id, run_with_client, table

def _key(text: str) -> str:
    return text.replace("_", "").replace("-", "").lower()


OBJECT_TYPES = {_key(t): t for t in ("SymmetricKey", "PrivateKey", "PublicKey", "Certificate", "SecretData", "OpaqueObject")}
STATES = {_key(s): s for s in ("PreActive", "Active", "Deactivated", "Compromised", "Destroyed", "Destroyed_Compromised")}
REASONS = {_key(r): r for r in REVOCATION_REASONS}
LOCATE_CAP = 1000


def _choice(table_: dict[str, str], what: str):  # noqa: ANN202 - argparse type
    def convert(text: str) -> str:
        key = _key(text)
        if key not in table_:
            raise argparse.ArgumentTypeError(f"unknown {what} {text!r} (one of: {', '.join(table_.values())})")
        return table_[key]

    return convert


def register(subparsers: Any) -> None:
    """Add the key commands to the ``kms-tui`` parser."""
    from kms_tui.cli import add_connection_options

    def command(name: str, help_: str, func: Any) -> argparse.ArgumentParser:
        p = subparsers.add_parser(name, help=help_, description=help_)
        add_connection_options(p)
        p.set_defaults(func=func)
        return p

    p = command("locate", "find objects (no 1,000 cap: large results are listed in full)", run_locate)
    p.add_argument("--type", type=_choice(OBJECT_TYPES, "object type"), dest="object_type")
    p.add_argument("--algorithm", help="e.g. AES, RSA, ECDH, Ed25519")
    p.add_argument("--state", type=_choice(STATES, "state"), help="e.g. Active; Destroyed lists destroyed objects")
    p.add_argument("--tag", action="append", default=[], help="repeatable: objects carrying all these tags")
    p.add_argument("--name")
    p.add_argument("--length", type=int, help="key length in bits")
    p.add_argument("--linked-to", metavar="ID", help="objects with a link to this id")

    p = command("attributes", "show every attribute of an object", run_attributes)
    p.add_argument("id", help='object id, or a JSON array of tags: \'["t1","t2"]\'')

    p = command("create", "create a key or a key pair", None)
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind, help_ in (("rsa", "RSA key pair"), ("ec", "NIST curve key pair"), ("ed25519", "Ed25519 key pair"),
                        ("ed448", "Ed448 key pair"), ("aes", "AES symmetric key")):
        k = kinds.add_parser(kind, help=help_)
        add_connection_options(k)
        k.set_defaults(func=run_create)
        if kind == "rsa":
            k.add_argument("--size", type=int, choices=(2048, 3072, 4096), default=2048)
        elif kind == "aes":
            k.add_argument("--size", type=int, choices=(128, 192, 256), default=256)
        elif kind == "ec":
            k.add_argument("--curve", choices=("p256", "p384", "p521"), default="p256")
        k.add_argument("--tag", action="append", default=[], help="repeatable")
        k.add_argument("--name")

    p = command("activate", "activate a pre-active object", run_activate)
    p.add_argument("id")

    p = command("revoke", "revoke an object (and its key-pair partner)", run_revoke)
    p.add_argument("id")
    p.add_argument("--reason", required=True, type=_choice(REASONS, "reason"), help=", ".join(REVOCATION_REASONS))
    p.add_argument("--message")
    p.add_argument("--compromise-date", metavar="ISO", help="when the key was compromised (ISO 8601)")
    p.add_argument("--no-cascade", action="store_true", help="leave the key-pair partner alone")

    p = command("destroy", "destroy an object's key material (revoke it first if it is active)", run_destroy)
    p.add_argument("id")
    p.add_argument("--remove", action="store_true", help="also delete its record from the server")
    p.add_argument("--no-cascade", action="store_true", help="leave the key-pair partner alone")

    p = command("export", "write a public key or certificate as PEM", run_export)
    p.add_argument("id")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")


# ------------------------------------------------------------------------------------------------


def _rows(objects: list[ObjectSummary]) -> str:
    rows = [(o.uid, o.object_type, o.algorithm, o.length or "", o.state, ",".join(o.tags), ",".join(o.names)) for o in objects]
    return table(rows, ("ID", "TYPE", "ALGORITHM", "LENGTH", "STATE", "TAGS", "NAMES"))


def run_locate(args: argparse.Namespace) -> int:
    filters = LocateFilter(
        object_type=args.object_type, algorithm=args.algorithm, state=args.state, tags=tuple(args.tag),
        name=args.name, length=args.length, linked_to=args.linked_to,
    )

    async def body(client: KmsClient) -> Result:
        ids = await client.locate(filters)
        partial, problems = False, []
        if len(ids) >= LOCATE_CAP:  # Locate stops at 1,000: list everything instead
            listing = await client.list_objects(filters)
            objects, partial, problems = listing.objects, listing.partial, listing.problems
        else:
            objects = []
            for uid, attrs in (await client.get_attributes_many(ids)).items():
                if isinstance(attrs, dict):
                    objects.append(ObjectSummary.from_attributes(uid, attrs))
                else:
                    problems.append(f"{uid}: {attrs.message}")
                    partial = True
        data = {"count": len(objects), "partial": partial, "problems": problems, "objects": [_brief(o) for o in objects]}
        text = _rows(objects) + f"\n{len(objects)} object(s)" + (" — partial: " + "; ".join(problems) if partial else "")
        return Result(data, text)

    return run_with_client(args, body)


def _brief(o: ObjectSummary) -> dict[str, Any]:
    return {"id": o.uid, "type": o.object_type, "algorithm": o.algorithm, "length": o.length, "state": o.state,
            "tags": o.tags, "names": o.names, "links": o.links, "created": rfc3339(o.created)}


def run_attributes(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        uid = object_id(args.id)
        attrs = await client.get_attributes(uid)
        rows = [(k, v if not isinstance(v, (list, dict)) else _compact(v)) for k, v in sorted(attrs.items())]
        return Result({"id": attrs.get("UniqueIdentifier", uid), "attributes": attrs}, table(rows, ("ATTRIBUTE", "VALUE")))

    return run_with_client(args, body)


def _compact(v: Any) -> str:
    import json

    return json.dumps(v, separators=(",", ":"), default=str)


def run_create(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        tags, name = tuple(args.tag), args.name
        if any(not t or t.startswith("_") for t in tags):
            raise UsageError("tags must be non-empty and must not start with '_' (reserved for the server)")
        if args.kind == "aes":
            uid = await client.create_symmetric_key("AES", args.size, tags=tags, name=name)
            return Result({"id": uid, "type": "SymmetricKey"}, f"created symmetric key {uid}")
        sk, pk = await client.create_key_pair(
            args.kind, size=getattr(args, "size", 2048), curve=getattr(args, "curve", "p256"), tags=tags, name=name
        )
        return Result({"private_key_id": sk, "public_key_id": pk},
                      f"created key pair\n  private key {sk}\n  public key  {pk}")

    return run_with_client(args, body)


def run_activate(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        uid = await client.activate(object_id(args.id))
        return Result({"id": uid, "state": "Active"}, f"activated {uid}")

    return run_with_client(args, body)


def _parse_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--compromise-date {text!r} is not an ISO 8601 date", "e.g. 2026-01-31T12:00:00Z") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def run_revoke(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        uid = object_id(args.id)
        date = _parse_date(args.compromise_date)
        done = await client.revoke(uid, args.reason, message=args.message, compromise_date=date, cascade=not args.no_cascade)
        return Result({"id": done, "reason": args.reason, "cascade": not args.no_cascade}, f"revoked {done} ({args.reason})")

    return run_with_client(args, body)


def run_destroy(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        done = await client.destroy(object_id(args.id), remove=args.remove, cascade=not args.no_cascade)
        what = "destroyed and removed" if args.remove else "destroyed"
        return Result({"id": done, "removed": args.remove, "cascade": not args.no_cascade}, f"{what} {done}")

    return run_with_client(args, body)


def run_export(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        uid = object_id(args.id)
        # Look before exporting: private and secret key material is never fetched for nothing.
        kind = (await client.get_attributes(uid, with_tags=False)).get("ObjectType", "")
        if kind not in ("PublicKey", "Certificate"):
            raise NotExportable(f"{args.id} is a {kind or 'object'}, not a public key or certificate", reason="not_public")
        response = await client.export(uid)
        pem = to_pem(response)
        uid = str(response.get_value("UniqueIdentifier", args.id))
        if args.output:
            _write_file(Path(args.output), pem)
            return Result({"id": uid, "file": args.output}, f"wrote {args.output}")
        return Result({"id": uid, "pem": pem}, pem.rstrip("\n"))

    return run_with_client(args, body)


def _write_file(path: Path, text: str) -> None:
    """Write atomically (temp file in the same directory, fsync, rename)."""
    path = path.expanduser()
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # public material
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
