"""Headless certificates, after ckms 5.26's ``certificates``: certify, renew, validate, show.

``kms-tui certificates certify --csr FILE | --public-key-id ID | --generate-key SPEC
--subject "CN=…" [--san DNS:…] [--issuer-key ID] [--issuer-cert ID] [--days N]
[--extensions FILE] [--tag T]`` sends one Certify as ckms builds it (no issuer: self-signed;
``--san`` is added to the ``[ v3_ca ]`` extensions text, which is how Cosmian takes SANs).

``kms-tui certificates renew ID`` sends a ReCertify (a new id; the old certificate is
Deactivated and points to it); for a certificate issued by another it names that issuer, so
the issuer signs the renewal. ``--in-place`` renews under the same id (Certify, as ckms
``--certificate-id-to-re-certify``), ``--new-key`` certifies a fresh key pair of the same type
for the same subject, issuer and extensions.

``kms-tui certificates validate ID…`` sends a Validate of the ids and, unless ``--no-chain``,
of their issuers found through ``CertificateLink`` up to the root. Exit 0: valid; 1: the server
refuses the chain (the reason is shown) or a certificate of it is Deactivated or Compromised
(Cosmian 5.26's Validate still accepts a Deactivated one); 2 not signed in; 3 usage; 4 unreachable.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kms_tui import exitcodes
from kms_tui.client import KmsClient
from kms_tui.client import certificates as certs
from kms_tui.commands.headless import Result, UsageError, object_id, run_with_client, table
from kms_tui.kmip.models import certificate_requests as cr
from kms_tui.safetext import visible
from kms_tui.words import count

MAX_FILE = 1 << 20
VALIDATE_EXIT_CODES = (
    "exit codes: 0 the chain is valid; 1 it is not (the server refuses it, with the reason, "
    "or a certificate of it is Deactivated or Compromised); 2 not signed in; 3 usage or "
    "configuration; 4 the server cannot be reached"
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``certificates`` and its subcommands to the ``kms-tui`` parser."""
    p = subparsers.add_parser(
        "certificates",
        aliases=["certs"],
        help="issue, renew, validate and show X.509 certificates",
        description="Issue, renew and validate X.509 certificates held in the KMS (ckms certificates).",
    )
    actions = p.add_subparsers(dest="certificates_action", metavar="ACTION", required=True)

    def action(name: str, help_: str, func: Any, *, writes: bool, epilog: str | None = None) -> argparse.ArgumentParser:
        a = actions.add_parser(name, help=help_, description=help_, epilog=epilog)
        a.set_defaults(func=func, writes=writes)
        return a

    a = action(
        "certify",
        "issue a certificate from a CSR, a public key in the KMS, or a new key pair",
        run_certify,
        writes=True,
    )
    source = a.add_mutually_exclusive_group(required=True)
    source.add_argument("--csr", metavar="FILE", help="a certificate signing request (PEM or DER, see --csr-format)")
    source.add_argument("--public-key-id", metavar="ID", help="certify this public key held in the KMS")
    source.add_argument("--generate-key", metavar="SPEC", help=f"generate a key pair: {', '.join(cr.KEY_SPECS)}")
    a.add_argument("--csr-format", choices=("pem", "der"), help="default: guessed from the file")
    a.add_argument("--subject", metavar="DN", help='e.g. "CN=web.example,O=Example,C=FR" (not with --csr)')
    a.add_argument(
        "--san",
        action="append",
        default=[],
        metavar="NAME",
        help="subject alternative name, e.g. DNS:web.example, IP:10.0.0.1, email:a@b (repeatable)",
    )
    a.add_argument("--issuer-key", metavar="ID", help="the issuer's private key id (default: from --issuer-cert)")
    a.add_argument("--issuer-cert", metavar="ID", help="the issuer's certificate id (default: from --issuer-key)")
    a.add_argument(
        "--days",
        type=int,
        default=365,
        help="requested validity in days (default 365; never past the issuer's own end)",
    )
    a.add_argument("--extensions", metavar="FILE", help="X.509 extensions: a file with a [ v3_ca ] section")
    a.add_argument("--tag", action="append", default=[], metavar="TAG", help="a tag for the certificate (repeatable)")
    a.add_argument("--id", dest="certificate_id", metavar="ID", help="the new certificate's id (default: generated)")

    a = action("renew", "renew a certificate (ReCertify: a new id, the old one retired)", run_renew, writes=True)
    a.add_argument("id", metavar="ID", help="the certificate id")
    how = a.add_mutually_exclusive_group()
    how.add_argument(
        "--in-place",
        action="store_true",
        help="keep the id: the certificate is replaced (ckms's --certificate-id-to-re-certify)",
    )
    how.add_argument(
        "--new-key",
        action="store_true",
        help="certify a new key pair of the same type for the same subject, issuer and extensions",
    )
    a.add_argument("--issuer-key", metavar="ID", help="sign with this private key instead of the issuer's")
    a.add_argument("--issuer-cert", metavar="ID", help="issue under this certificate instead of the current issuer")
    a.add_argument(
        "--days",
        type=int,
        help="validity days (--in-place and --new-key; ReCertify keeps Cosmian's 365, capped by the issuer)",
    )

    a = action(
        "validate",
        "check a certificate chain: signatures, dates, revocation (exit 0 valid, 1 not)",
        run_validate,
        writes=False,
        epilog=VALIDATE_EXIT_CODES,
    )
    a.add_argument("ids", metavar="ID", nargs="+", help="certificate ids")
    a.add_argument(
        "--no-chain",
        action="store_true",
        help="send exactly these ids (ckms); by default their issuers up to the root are added",
    )
    a.add_argument(
        "--at",
        dest="validity_time",
        metavar="TIME",
        help="valid at this time instead of now: YYYYMMDDHHMMSSZ (or YYMMDDHHMMSSZ)",
    )

    a = action("show", "show a certificate readably, with its chain up to the root", run_show, writes=False)
    a.add_argument("id", metavar="ID", help="the certificate id")


# -- files ------------------------------------------------------------------------------------------


def _read(name: str, what: str) -> bytes:
    path = Path(name).expanduser()
    try:
        if path.stat().st_size > MAX_FILE:
            raise UsageError(f"the {what} file {name} is larger than 1 MiB", f"pass the {what} file itself")
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the {what} file {name}: {exc.strerror or exc}") from None


def _csr_format(data: bytes, given: str | None) -> str:
    return given or ("pem" if data.lstrip().startswith(b"-----BEGIN") else "der")


# -- output -------------------------------------------------------------------------------------------


def info_lines(info: certs.CertInfo) -> list[tuple[str, str]]:
    days = info.days_left()
    left = f"{count(days, 'day')} left" if days >= 0 else f"expired {count(-days, 'day')} ago"
    rows = [
        ("subject", info.subject),
        ("issuer", info.issuer),
        ("serial", info.serial),
        ("valid", f"{info.not_before:%Y-%m-%d %H:%M} → {info.not_after:%Y-%m-%d %H:%M} UTC ({left})"),
        (
            "key",
            info.public_key
            + (
                f", CA (pathlen {info.path_length})"
                if info.is_ca and info.path_length is not None
                else ", CA"
                if info.is_ca
                else ""
            ),
        ),
    ]
    if info.sans:
        rows.append(("SANs", ", ".join(info.sans)))
    if info.key_usage:
        rows.append(("key usage", ", ".join(info.key_usage)))
    if info.extended_key_usage:
        rows.append(("extended key usage", ", ".join(info.extended_key_usage)))
    rows += [("SHA-256", info.sha256), ("SHA-1", info.sha1)]
    return rows


def _describe(uid: str, info: certs.CertInfo) -> str:
    return "\n".join([f"  id: {visible(uid)}"] + [f"  {k}: {visible(v)}" for k, v in info_lines(info)])


async def _issued(client: KmsClient, uid: str, headline: str, extra: dict[str, Any] | None = None) -> Result:
    info = certs.describe(await certs.certificate_der(client, uid))
    data = {"id": uid, **(extra or {}), "certificate": info.to_json()}
    return Result(data, f"{headline}\n{_describe(uid, info)}")


# -- commands -------------------------------------------------------------------------------------------


def run_certify(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        if args.days < 0:
            raise UsageError("--days must be 0 or more")
        if args.csr and args.subject:
            raise UsageError("--subject is read from the CSR", "leave --subject out with --csr")
        if not args.csr and not args.subject:
            raise UsageError(
                "--subject is required with --public-key-id and --generate-key",
                'e.g. --subject "CN=web.example,O=Example"',
            )
        extensions = _read(args.extensions, "extensions") if args.extensions else None
        try:
            extensions = cr.with_sans(extensions, args.san)
        except ValueError as exc:
            raise UsageError(f"--san: {exc}", "e.g. --san DNS:web.example --san IP:10.0.0.1") from None
        csr = _read(args.csr, "CSR") if args.csr else None
        try:
            op = cr.certify_any(
                csr=csr,
                csr_format=_csr_format(csr, args.csr_format) if csr is not None else "pem",
                public_key_id=object_id(args.public_key_id) if args.public_key_id else None,
                generate=args.generate_key,
                subject=args.subject,
                issuer_private_key_id=args.issuer_key,
                issuer_certificate_id=args.issuer_cert,
                days=args.days,
                extensions=extensions,
                tags=args.tag,
                certificate_id=args.certificate_id,
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        uid = await client.certify(op)
        return await _issued(client, uid, "The certificate was successfully generated.")

    return run_with_client(args, body)


async def _issuer_of(client: KmsClient, uid: str) -> tuple[str | None, dict[str, Any], bytes]:
    """The certificate's issuer id (None when self-signed), its attributes and its DER."""
    attrs = await client.get_attributes(uid)
    der = await certs.certificate_der(client, uid)
    issuer = certs.link_of(attrs, "CertificateLink")
    if certs.describe(der).self_signed or issuer == uid:
        issuer = None
    return issuer, attrs, der


def run_renew(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        uid = object_id(args.id)
        if args.days is not None and not (args.in_place or args.new_key):
            raise UsageError(
                "--days needs --in-place or --new-key",
                "ReCertify takes no validity: Cosmian gives 365 days, never past the issuer's end",
            )
        if args.days is not None and args.days < 0:
            raise UsageError("--days must be 0 or more")
        issuer, attrs, der = await _issuer_of(client, uid)
        issuer_cert = args.issuer_cert or (issuer if not args.issuer_key else None)
        before = certs.describe(der)
        if args.new_key:
            try:
                op = cr.certify_any(
                    generate=certs.key_spec_of(der),
                    subject=certs.subject_line(der),
                    issuer_private_key_id=args.issuer_key,
                    issuer_certificate_id=issuer_cert,
                    days=args.days if args.days is not None else max(1, (before.not_after - before.not_before).days),
                    extensions=certs.extensions_text(der),
                    tags=[t for t in attrs.get("tags", []) if not t.startswith("_")],
                )
            except ValueError as exc:
                raise UsageError(f"{uid} cannot be renewed with a new key: {exc}") from None
            new = await client.certify(op)
            how = "with a new key pair"
        elif args.in_place:
            op = cr.certify_any(
                renew_id=uid,
                issuer_private_key_id=args.issuer_key,
                issuer_certificate_id=issuer_cert,
                days=args.days if args.days is not None else 365,
            )
            new = await client.certify(op)
            how = "in place"
        else:
            new = await certs.recertify(
                client, uid, issuer_key=args.issuer_key, issuer_cert=issuer_cert, tags=attrs.get("tags", [])
            )  # ReCertify gives no user tag: kept here
            how = "under a new id; the old one is Deactivated"
        return await _issued(
            client,
            new,
            f"{visible(uid)} renewed {how}: {visible(new)}",
            {"renewed": uid, "how": "new-key" if args.new_key else "in-place" if args.in_place else "recertify"},
        )

    return run_with_client(args, body)


NOT_USABLE = ("Deactivated", "Compromised", "Destroyed", "Destroyed_Compromised")


def run_validate(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        given = [object_id(i) for i in args.ids]
        ids = list(dict.fromkeys(given))
        chain_rows: list[certs.ChainLink] = []
        if not args.no_chain:
            for uid in given:
                for link in await certs.chain_of(client, uid):
                    chain_rows.append(link)
                    if link.uid not in ids:
                        ids.append(link.uid)
        result = await certs.validate(client, ids, args.validity_time)
        flagged = [(c.uid, c.state) for c in chain_rows if c.state in NOT_USABLE]
        flagged = list(dict.fromkeys(flagged))
        valid = result.valid and not flagged
        data = {
            "valid": valid,
            "validity_indicator": result.indicator or None,
            "ids": ids,
            "reason": result.reason or None,
            "not_usable": [{"id": u, "state": s} for u, s in flagged],
        }
        lines = ["Valid" if valid else "Invalid"]
        if result.reason:
            lines.append(f"  the server refuses the chain: {result.reason}")
        for u, s in flagged:
            lines.append(
                f"  {u} is {s} (revoked, replaced or past its deactivation date)"
                + ("; the server still validates it" if result.valid else "")
            )
        if chain_rows:
            rows = [
                (c.uid, c.state, c.info.subject if c.info else c.problem, f"{c.info.days_left()}" if c.info else "")
                for c in chain_rows
            ]
            lines.append(table(rows, ("ID", "STATE", "SUBJECT", "DAYS LEFT")))
        return Result(data, "\n".join(lines), exitcodes.OK if valid else exitcodes.REFUSED)

    return run_with_client(args, body)


def run_show(args: argparse.Namespace) -> int:
    async def body(client: KmsClient) -> Result:
        chain = await certs.chain_of(client, object_id(args.id))
        head = chain[0]
        if head.info is None:
            raise UsageError(head.problem or f"{args.id} is not a readable certificate")
        text = [_describe(head.uid, head.info), "  chain:"]
        for depth, link in enumerate(chain):
            what = link.info.subject if link.info else f"({link.problem})"
            text.append(f"    {'  ' * depth}{visible(link.uid)}  {visible(link.state)}  {visible(what)}")
        if chain[-1].problem:
            text.append(f"    (the chain stops: {visible(chain[-1].problem)})")
        data = {
            "id": head.uid,
            "state": head.state,
            "certificate": head.info.to_json(),
            "chain": [
                {
                    "id": c.uid,
                    "state": c.state,
                    "subject": c.info.subject if c.info else None,
                    "issuer_id": c.issuer_id,
                    "problem": c.problem or None,
                }
                for c in chain
            ],
        }
        return Result(data, "\n".join(text))

    return run_with_client(args, body)
