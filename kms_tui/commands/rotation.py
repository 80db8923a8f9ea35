"""Headless re-key and rotation policies, after ckms 5.26 (``sym keys re-key``, ``rsa|ec keys
re-key``, ``set-rotation-policy``, ``get-rotation-policy``):

``kms-tui rekey ID [--offset SPAN] [--json]`` — ReKey a symmetric key or ReKeyKeyPair a key pair
(by its private or public key); prints the new id.
``kms-tui rotation set ID [--interval 90d] [--offset SPAN] [--name NAME]`` — the automatic rotation
policy (RotateInterval, RotateOffset, RotateName; the server turns RotateAutomatic on).
``kms-tui rotation get ID`` — the policy, the generation, the last and the next rotation.
``kms-tui rotation clear ID`` — RotateInterval 0 and no RotateOffset: the scheduler leaves the key.
``kms-tui rotation history ID`` — the chain of generations through the key, oldest first.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kms_tui.client import KmsClient, errors
from kms_tui.commands.headless import Result, UsageError, object_id, run_with_client, table

if TYPE_CHECKING:
    from kms_tui.client.rotation import RotationPolicy


def _rotation() -> Any:
    """kms_tui.client.rotation (it loads the KMIP models), imported when a rotation is worked on:
    `create` registers the rotation options without it."""
    from kms_tui.client import rotation

    return rotation


def _span(what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            seconds: int = _rotation().parse_span(text, what)
            return seconds
        except errors.InvalidValue as exc:
            raise argparse.ArgumentTypeError(f"{exc.message}: {exc.fix}") from None

    return parse


def register(subparsers: Any) -> None:
    """Add ``rekey`` and ``rotation {set,get,clear,history}``."""
    p = subparsers.add_parser(
        "rekey",
        help="re-key: a new key replacing this one (ReKey / ReKeyKeyPair)",
        description="Replace a key by a fresh one with the same algorithm and attributes: ReKey for a symmetric "
        "key, ReKeyKeyPair for a private key (or the private key of a public key). The old key is Deactivated and "
        "linked to its replacement (ReplacementObjectLink); the new key links back (ReplacedObjectLink).",
    )
    p.add_argument("id", help="key id, or a keyset reference (name, name@latest, name@N)")
    p.add_argument(
        "--offset",
        type=_span("--offset"),
        metavar="SPAN",
        help="activate the new key this long after its creation (default: now)",
    )
    p.set_defaults(func=run_rekey, writes=True)

    r = subparsers.add_parser(
        "rotation",
        help="automatic rotation policy of a key: set, get, clear, history",
        description="The automatic rotation policy Cosmian 5.26 stores as attributes "
        "(RotateInterval, RotateOffset, RotateName; RotateAutomatic set by the server).",
    )
    sub = r.add_subparsers(dest="rotation_command", metavar="{set,get,clear,history}", required=True)
    s = sub.add_parser(
        "set",
        help="set the rotation interval (and offset, keyset name)",
        description="One SetAttribute per field, as ckms set-rotation-policy.",
    )
    s.add_argument("id", help="key id")
    s.add_argument(
        "--interval",
        type=_span("--interval"),
        metavar="SPAN",
        help="rotate every SPAN: 90d, 12h, 30m, 2w or seconds (0 stops automatic rotation)",
    )
    s.add_argument(
        "--offset",
        type=_span("--offset"),
        metavar="SPAN",
        help="delay before the first rotation, counted from the key's creation",
    )
    s.add_argument("--name", metavar="NAME", help="keyset name (must be the key's own id; no '@')")
    s.set_defaults(func=run_set, writes=True)
    g = sub.add_parser("get", help="show the rotation policy and the next rotation date")
    g.add_argument("id", help="key id")
    g.set_defaults(func=run_get, writes=False)
    c = sub.add_parser("clear", help="stop automatic rotation (RotateInterval 0, no RotateOffset)")
    c.add_argument("id", help="key id")
    c.set_defaults(func=run_clear, writes=True)
    h = sub.add_parser("history", help="the chain of generations through the key, oldest first")
    h.add_argument("id", help="key id")
    h.set_defaults(func=run_history, writes=False)


def add_create_options(parser: argparse.ArgumentParser) -> None:
    """ckms's rotation options on key creation (``RotationPolicyArgs``)."""
    parser.add_argument(
        "--rotation-interval",
        type=_span("--rotation-interval"),
        metavar="SPAN",
        help="rotate the new key automatically every SPAN (90d, 12h, seconds)",
    )
    parser.add_argument(
        "--rotation-offset",
        type=_span("--rotation-offset"),
        metavar="SPAN",
        help="delay before its first automatic rotation",
    )
    parser.add_argument(
        "--enroll-keyset",
        action="store_true",
        help="make the new key a keyset named after its id (name@latest, name@N)",
    )


async def apply_create_options(client: KmsClient, uid: str, args: argparse.Namespace) -> dict[str, Any]:
    """Set what :func:`add_create_options` asked for on the new (private) key; what was set."""
    interval, offset = getattr(args, "rotation_interval", None), getattr(args, "rotation_offset", None)
    keyset = bool(getattr(args, "enroll_keyset", False))
    if interval is None and offset is None and not keyset:
        return {}  # nothing asked: the models are not even loaded
    await _rotation().enrol_after_create(client, uid, interval=interval, offset=offset, keyset=keyset)
    done = {"rotation_interval": interval, "rotation_offset": offset, "keyset": uid if keyset else None}
    return {k: v for k, v in done.items() if v is not None}


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value is not None else "-"


def policy_text(policy: RotationPolicy) -> str:
    """The policy as ckms's get-rotation-policy lists it, with the schedule."""
    offset = _rotation().span_text(policy.offset) if policy.offset else "-"
    if policy.active:
        scheduled = f"next rotation {_when(policy.next_rotation)}"
    elif policy.interval:
        scheduled = "not scheduled (RotateAutomatic is off)"
    else:
        scheduled = "no automatic rotation"
    rows = [
        (
            "interval",
            f"{_rotation().span_text(policy.interval)}" + (f" ({policy.interval} s)" if policy.interval else ""),
        ),
        ("offset", offset),
        ("keyset name", policy.name or "-"),
        ("generation", "-" if policy.generation is None else str(policy.generation)),
        ("last rotation", _when(policy.last_rotation)),
        ("schedule", scheduled),
    ]
    return f"rotation policy of {policy.uid}\n" + table(rows, ("field", "value"))


def run_rekey(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        done = await _rotation().rekey(client, object_id(args.id), offset=args.offset)
        text = f"re-keyed {done['old']} → {done['new']}"
        if "public" in done:
            text += f" (public key {done['public']})"
        return Result(done, text)

    return run_with_client(args, body)


def run_set(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        if args.interval is None and args.offset is None and args.name is None:
            raise UsageError("nothing to set", "give --interval SPAN (and --offset, --name)")
        if args.name is not None and "@" in args.name:
            raise UsageError("a keyset name cannot contain '@'", "use the key's own id as its keyset name")
        policy = await _rotation().set_policy(
            client, object_id(args.id), interval=args.interval, offset=args.offset, name=args.name
        )
        return Result(policy.as_json(), "rotation policy set\n" + policy_text(policy))

    return run_with_client(args, body)


def run_get(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        policy = await _rotation().read_policy(client, object_id(args.id))
        return Result(policy.as_json(), policy_text(policy))

    return run_with_client(args, body)


def run_clear(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        policy = await _rotation().clear_policy(client, object_id(args.id))
        return Result(policy.as_json(), "automatic rotation stopped\n" + policy_text(policy))

    return run_with_client(args, body)


def run_history(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        uid = object_id(args.id)
        chain = await _rotation().history(client, uid)
        rows = [
            (
                ("→ " if g.uid == uid else "  ") + g.uid,
                g.state or g.error,
                "-" if g.generation is None else g.generation,
                _when(g.rotate_date or g.initial_date),
            )
            for g in chain
        ]
        return Result(
            {"id": uid, "chain": [g.as_json() for g in chain]},
            table(rows, ("id (oldest first)", "state", "generation", "made")),
        )

    return run_with_client(args, body)
