""" "Show the command" (`!`): what a console action is as a `kms-tui` command, as a ckms 5.26
command where one exists, and as the KMIP JSON the client sends (secrets masked).

Pure (no Textual): each builder takes what the row or the dialog holds and returns an
:class:`Equivalent`. The KMIP JSON is built by the same request builders the client uses
(:mod:`kms_tui.client.requests`), then masked (:mod:`kms_tui.client.redact`). Dates that the
client fills in when it sends (a create's ActivationDate) are those of the moment `!` is pressed.

ckms 5.26 spellings (``crate/clients/clap/src/actions``): ``sym keys`` for symmetric keys,
``rsa keys`` / ``ec keys`` / ``pqc keys`` for key pairs by algorithm, ``certificates`` (``-c``),
``secret-data`` (``-s``); ``… revoke -k ID -r REASON-CODE MESSAGE`` (``shared/revoke_reason_args.rs``:
the message is required), ``… destroy -k ID [--remove]`` (cascade always on), ``attributes get -i ID``,
``sym keys create -l BITS``, ``rsa keys create -s BITS``, ``ec keys create -c nist-p256``.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kms_tui.client import requests
from kms_tui.client.redact import redact_text
from kms_tui.kmip.ttlv import TTLV, encode

EC_ALGORITHMS = ("EC", "ECDSA", "ECDH", "ECMQV", "Ed25519", "Ed448", "X25519", "X448")
CURVES = {"p256": "nist-p256", "p384": "nist-p384", "p521": "nist-p521", "ed25519": "ed25519", "ed448": "ed448"}


@dataclass(frozen=True)
class Equivalent:
    title: str
    kms_tui: str
    ckms: str | None  # None: ckms 5.26 has no such command
    kmip: str  # the request, JSON TTLV (a REST route's JSON body for access rights), secrets masked
    kind: str = "KMIP JSON"

    def sections(self) -> list[tuple[str, str]]:
        return [
            ("kms-tui", self.kms_tui),
            ("ckms 5.26", self.ckms or "(no ckms command does this)"),
            (self.kind, self.kmip),
        ]


def _q(*words: str) -> str:
    return " ".join(shlex.quote(w) for w in words)


def _json(op: TTLV) -> str:
    return redact_text(encode(op))


def kebab(name: str) -> str:
    """``KeyCompromise`` → ``key-compromise``, ``CACompromise`` → ``ca-compromise`` (ckms's values)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name).lower()


def ckms_group(object_type: str, algorithm: str) -> tuple[str, str] | None:
    """The ckms command group and its id flag for an object, or None (no ckms command)."""
    if object_type == "SymmetricKey":
        return "sym keys", "-k"
    if object_type in ("PrivateKey", "PublicKey"):
        if algorithm == "RSA":
            return "rsa keys", "-k"
        if algorithm in EC_ALGORITHMS:
            return "ec keys", "-k"
        return "pqc keys", "-k"
    if object_type == "Certificate":
        return "certificates", "-c"
    if object_type == "SecretData":
        return "secret-data", "-s"
    return None


def for_row(uid: str) -> Equivalent:
    """The highlighted object: its attributes."""
    return Equivalent(
        f"Attributes of {uid}",
        _q("kms-tui", "attributes", uid),
        _q("ckms", "attributes", "get", "-i", uid),
        _json(requests.get_attributes(uid)),
    )


def for_revoke(
    uid: str,
    object_type: str,
    algorithm: str,
    reason: str,
    message: str | None,
    compromise_date: datetime | None,
    cascade: bool,
) -> Equivalent:
    words = ["kms-tui", "revoke", uid, "--reason", reason]
    if message:
        words += ["--message", message]
    if compromise_date is not None:
        words += ["--compromise-date", compromise_date.isoformat().replace("+00:00", "Z")]
    if not cascade:
        words.append("--no-cascade")
    group = ckms_group(object_type, algorithm)
    ckms = None
    if group is not None and cascade and compromise_date is None:  # ckms has no date and always cascades
        ckms = f"ckms {group[0]} revoke {_q(group[1], uid, '-r', kebab(reason), message or 'revoked')}"
    op = requests.revoke(uid, reason, message=message, compromise_date=compromise_date, cascade=cascade)
    return Equivalent(f"Revoke {uid}", _q(*words), ckms, _json(op))


def for_destroy(
    uid: str, object_type: str, algorithm: str, *, cascade: bool, remove: bool, revoke_first: str | None
) -> Equivalent:
    words = ["kms-tui", "destroy", uid] + (["--remove"] if remove else []) + ([] if cascade else ["--no-cascade"])
    group = ckms_group(object_type, algorithm)
    ckms = None
    if group is not None and cascade:  # ckms destroys with cascade, always
        ckms = f"ckms {group[0]} destroy {_q(group[1], uid)}" + (" --remove" if remove else "")
    kms_tui, kmip = _q(*words), _json(requests.destroy(uid, remove=remove, cascade=cascade))
    if revoke_first:
        first = for_revoke(uid, object_type, algorithm, revoke_first, "revoked before destroy", None, cascade)
        kms_tui = f"{first.kms_tui} && {kms_tui}"
        ckms = f"{first.ckms} && {ckms}" if ckms and first.ckms else None
        kmip = f"{first.kmip}\n{kmip}"
    return Equivalent(f"Destroy {uid}", kms_tui, ckms, kmip)


def _symmetric_kind(algorithm: str) -> str:
    """The ``kms-tui create`` kind of a symmetric CryptographicAlgorithm (commands/key_kinds.py)."""
    for prefix, kind in (("SHA3", "sha3"), ("SHAKE", "shake"), ("FPE", "fpe"), ("ChaCha", "chacha20")):
        if algorithm.startswith(prefix):
            return kind
    return "aes"


def for_create(
    family: str,
    *,
    size: int,
    curve: str,
    name: str | None,
    tags: Sequence[str],
    activate: bool,
    algorithm: str = "",
    rotation: Any = None,
) -> Equivalent:
    """A create; ``rotation`` (a ``RotationChoice``): ckms's ``--rotation-interval``,
    ``--rotation-offset``, ``--enroll-keyset``, then their SetAttributes on the new key."""
    equivalent = _for_create(
        family, size=size, curve=curve, name=name, tags=tags, activate=activate, algorithm=algorithm
    )
    if not rotation:
        return equivalent
    from kms_tui.kmip.models import attribute_requests as R
    from kms_tui.kmip.models.rotation_requests import policy_attributes

    new_id = "NEW_KEY_ID"  # the id the server gives the key (a pair: its private key)
    attributes = policy_attributes(
        interval=rotation.interval, offset=rotation.offset, name=new_id if rotation.keyset else None
    )
    sets = "\n".join(_json(R.set_attribute(new_id, a).to_ttlv()) for a in attributes)
    kms_tui, sep, comment = equivalent.kms_tui.partition("  # ")
    kms_tui = " ".join([kms_tui, _q(*rotation.command_words())]) + (sep + comment if sep else "")
    ckms = equivalent.ckms  # `ckms fpe keys create` has no rotation options (rotation_policy_args.rs users)
    ckms = f"{ckms} {_q(*rotation.ckms_words())}" if ckms and not ckms.startswith("ckms fpe") else None
    return Equivalent(equivalent.title, kms_tui, ckms, f"{equivalent.kmip}\n{sets}")


def _for_create(
    family: str, *, size: int, curve: str, name: str | None, tags: Sequence[str], activate: bool, algorithm: str = ""
) -> Equivalent:
    if family in ("password", "seed", "opaque"):
        return _for_create_secret(family, size=size, name=name, tags=tags)
    if family == "symmetric":
        family, algorithm = _symmetric_kind(algorithm or "AES"), algorithm or "AES"
    words = ["kms-tui", "create", family]
    if family in ("rsa", "aes", "sha3", "shake"):
        words += ["--size", str(size)]
    elif family == "ec":
        words += ["--curve", curve]
    for tag in tags:
        words += ["--tag", tag]
    if name:
        words += ["--name", name]
    ckms_tags = " ".join(_q("-t", t) for t in tags)
    if family in ("aes", "chacha20", "sha3", "shake", "fpe"):
        command = {
            "aes": f"ckms sym keys create -l {size}",
            "chacha20": "ckms sym keys create -a chacha20 -l 256",
            "sha3": f"ckms sym keys create -a sha3 -l {size}",
            "shake": f"ckms sym keys create -a shake -l {size}",
            "fpe": "ckms fpe keys create",
        }[family]
        op = requests.create_symmetric_key(algorithm or "AES", size, tags=tags, name=name)
    else:
        command = {
            "rsa": f"ckms rsa keys create -s {size}",
            "ec": f"ckms ec keys create -c {CURVES.get(curve, curve)}",
            "ed25519": "ckms ec keys create -c ed25519",
            "ed448": "ckms ec keys create -c ed448",
        }[family]
        op = requests.create_key_pair(family, size=size or 2048, curve=curve or "p256", tags=tags, name=name)
    if ckms_tags:
        command += " " + ckms_tags
    # ckms names nothing at create and always activates
    ckms = None if name or not activate else command
    kms_tui = _q(*words)
    if not activate:  # headless create activates: the console's pre-active key has no command
        kms_tui += "  # headless keys are created active; this one stays pre-active (no ActivationDate)"
        for node in op.walk():
            if node.is_struct:
                node.remove("ActivationDate")
    return Equivalent(f"Create {family}", kms_tui, ckms, _json(op))


def _for_create_secret(family: str, *, size: int, name: str | None, tags: Sequence[str]) -> Equivalent:
    """Secret data or an opaque object: the value never appears, only where it would be read from."""
    if family == "opaque":
        words = ["kms-tui", "create", "opaque", "--value-file", "FILE"]
        ckms: str | None = "ckms opaque-object create --file FILE"
    else:
        words = ["kms-tui", "create", "secret", "--type", family]
        words += ["--length", str(size)] if size else ["--value-file", "-"]
        ckms = "ckms secret-data create" + (" --type seed" if family == "seed" else "")
    for tag in tags:
        words += ["--tag", tag]
    if name:
        words += ["--name", name]
    if ckms and tags:
        ckms += " " + " ".join(_q("-t", t) for t in tags)
    if name:
        ckms = None
    return Equivalent(f"Create {family}", _q(*words), ckms, "(the request carries the value itself: it is never shown)")


def for_grant(uid: str, user: str, operations: Sequence[str]) -> Equivalent:
    """A grant: the access REST route (no KMIP), with its JSON body."""
    from kms_tui import access_rights as rights

    names = [rights.display_name(op) for op in operations]  # ckms's spelling, which kms-tui accepts too
    body = {"unique_identifier": uid, "user_id": user, "operation_types": list(operations)}
    return Equivalent(
        f"Grant on {uid}",
        _q("kms-tui", "access", "grant", user, *names, "--id", uid),
        _q("ckms", "access-rights", "grant", user, *names, "-i", uid),
        "POST /access/grant\n" + redact_text(json.dumps(body)),
        kind="REST request",
    )


def copy_text(equivalent: Equivalent, which: str) -> str:
    """The text one copy key puts on the clipboard: ``kms-tui``, ``ckms`` or ``kmip``."""
    return {"kms-tui": equivalent.kms_tui, "ckms": equivalent.ckms or "", "kmip": equivalent.kmip}[which]


MASKED = "********"
# ckms 5.26 ExportKeyFormat / CertificateExportFormat (shared/export_key.rs, certificates/
# export_certificate.rs): the names kms-tui uses too; certificate DER has no ckms export.
_CKMS_CERT_FORMATS = ("json-ttlv", "pem", "pkcs12", "pkcs7")


def for_export(
    uid: str,
    object_type: str,
    algorithm: str,
    fmt: str,
    path: str,
    *,
    wrap_key: str = "",
    wrap_alg: str = "",
    has_password: bool = False,
    overwrite: bool = False,
    unwrap: bool = False,
) -> Equivalent:
    """An export to a file; ``fmt`` ``public-pem`` is the public key or certificate as PEM
    (``kms-tui export ID -o FILE`` without --format). A PKCS#12 password is never shown."""
    from kms_tui.kmip import transfer

    words = ["kms-tui", "export", uid]
    if fmt != "public-pem":
        words += ["--format", fmt]
    words += ["-o", path]
    if wrap_key:
        words += ["--wrap-key", wrap_key] + (["--wrap-alg", wrap_alg] if wrap_alg else [])
    if fmt == "pkcs12":
        words += ["--pkcs12-password-file", "PASSWORD_FILE"]
    if unwrap:
        words.append("--unwrap")
    if overwrite:
        words.append("--force")
    if fmt == "public-pem":
        op = requests.export(uid)
        ckms_format = "pem" if object_type == "Certificate" else "pkcs8-pem"
    else:
        op = transfer.export_request(
            uid,
            transfer.EXPORT_FORMATS[fmt],
            wrap_key=wrap_key or None,
            wrap_alg=wrap_alg or None,
            pkcs12_password=MASKED if fmt == "pkcs12" else None,
            unwrap=unwrap,
        )
        ckms_format = fmt
    ckms = None
    if object_type == "Certificate" or fmt == "pkcs12":  # PKCS#12: certificates export -c <private key id>
        if ckms_format in _CKMS_CERT_FORMATS and not wrap_key:
            ckms = f"ckms certificates export {_q('-c', uid, '-f', ckms_format)}"
            if fmt == "pkcs12":
                ckms += f" -p {shlex.quote(MASKED) if has_password else shlex.quote('')}"
            ckms += f" {shlex.quote(path)}"
    else:
        group = ckms_group(object_type, algorithm)
        if group is not None:
            ckms = f"ckms {group[0]} export {_q('-k', uid, '-f', ckms_format)}"
            if wrap_key:
                ckms += f" {_q('-w', wrap_key)}" + (f" {_q('-m', wrap_alg)}" if wrap_alg else "")
            if unwrap:
                ckms += " -u"
            ckms += f" {shlex.quote(path)}"
    return Equivalent(f"Export {uid}", _q(*words), ckms, _json(op))


_CKMS_CERT_IMPORT_FORMATS = ("json-ttlv", "pem", "der", "chain", "pkcs12")


def _ckms_import_group(plan: Any) -> str | None:
    """``certificates``, ``sym keys``, ``rsa keys``, ``ec keys``, ``secret-data`` or
    ``opaque-object`` for what ``plan`` holds (ckms's keys and secrets share one import action)."""
    kinds = [o.tag for o in plan.objects]
    if plan.format == "pkcs12" or "Certificate" in kinds:
        return "certificates" if plan.format in _CKMS_CERT_IMPORT_FORMATS else None
    if len(kinds) != 1:
        return None
    if kinds[0] in ("PrivateKey", "PublicKey"):
        return "rsa keys" if plan.descriptions and "RSA" in plan.descriptions[0] else "ec keys"
    return {"SymmetricKey": "sym keys", "SecretData": "secret-data", "OpaqueObject": "opaque-object"}.get(kinds[0])


def for_import(path: str, plan: Any, options: Any, *, chosen_format: str | None = None) -> Equivalent:
    """An import from the preview: ``plan`` and ``options`` as :mod:`kms_tui.client.transfer.import_files`
    builds them (``chosen_format``: the format named, None when detected). A PKCS#12 password is
    never shown: ``PASSWORD_FILE`` / ``********`` on the command lines, masked in the KMIP JSON."""
    from kms_tui.client.transfer import import_files

    words = ["kms-tui", "import", path] + (["--format", chosen_format] if chosen_format else [])
    words += (["--id", options.uid] if options.uid else []) + [w for t in options.tags for w in ("--tag", t)]
    words += [w for u in options.usages for w in ("--key-usage", u)] + (["--replace"] if options.replace else [])
    words += (["--unwrap"] if options.unwrap else []) + (["--wrap-key", options.wrap_key] if options.wrap_key else [])
    words += ["--password-file", "PASSWORD_FILE"] if options.password else []
    common = [
        *(["-r"] if options.replace else []),
        *[w for t in options.tags for w in ("-t", t)],
        *[w for u in options.usages for w in ("--key-usage", u)],
    ]
    file_and_id = [path] + ([options.uid] if options.uid else [])  # ckms: FILE [ID]
    group = _ckms_import_group(plan)
    ckms = None
    if group == "certificates":
        password = ["-p", MASKED] if options.password and plan.format == "pkcs12" else []
        ckms = f"ckms certificates import {_q('-f', plan.format, *password, *common, *file_and_id)}"
    elif group is not None:
        extra = (["-u"] if options.unwrap else []) + (["-w", options.wrap_key] if options.wrap_key else [])
        ckms = f"ckms {group} import {_q('-f', plan.format, *common, *extra, *file_and_id)}"
    ops = import_files.requests(plan, options)
    return Equivalent(f"Import {path}", _q(*words), ckms, "\n".join(_json(op) for op in ops))


def for_tags(uid: str, add: Sequence[str], remove: Sequence[str]) -> Equivalent:
    """A tag change: Cosmian's tag routes (``POST``/``DELETE /v1/crypto/keys/{id}/tags``), as
    :func:`kms_tui.client.attributes.change_tags` sends them. ckms 5.26's ``--tag`` on
    ``attributes set|delete`` selects objects, it does not change tags: no ckms command."""
    from urllib.parse import quote

    commands, bodies = [], []
    for verb, method, tags in (("set", "POST", add), ("delete", "DELETE", remove)):
        if tags:
            commands.append(_q("kms-tui", "attributes", verb, uid, *[w for t in tags for w in ("--tag", t)]))
            bodies.append(
                f"{method} /v1/crypto/keys/{quote(uid, safe='')}/tags\n" + redact_text(json.dumps({"tags": list(tags)}))
            )
    return Equivalent(
        f"Tags of {uid}",
        " && ".join(commands) or "(no change)",
        None,
        "\n".join(bodies) or "(no change: nothing is sent)",
        kind="REST request",
    )
