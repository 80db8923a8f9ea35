"""A certificate, readably, at the top of the objects screen's detail pane: subject, issuer,
serial, validity with the days left (yellow within 30 days, red once expired: ANSI colours, so
16-colour terminals show them), SANs, key usage, extended key usage, SHA-256 and SHA-1
fingerprints, and the chain up to its root as a list: enter (or a click) on an issuer jumps
to it in the table.

:class:`CertificateDetail` is the objects screen's detail pane (access rights included) with
this section; it loads the certificate and its chain (Export + GetAttributes per link) in a
worker of the section, after the cursor rests on the row.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kms_tui.client import certificates as certs
from kms_tui.safetext import visible
from kms_tui.tui.objects.access import AccessDetail
from kms_tui.tui.objects.rows import ObjectRow

if TYPE_CHECKING:
    from textual import getters

    from kms_tui.tui.app import KmsConsole

PAUSE = 0.2  # seconds the cursor rests on a row before the certificate is fetched
LABEL = 13


def days_style(days: int) -> str:
    """Red once expired, yellow within NEAR_DAYS, green otherwise (the 8 ANSI colours)."""
    if days < 0:
        return "bold red"
    if days <= certs.NEAR_DAYS:
        return "bold yellow"
    return "green"


def days_text(days: int) -> str:
    if days < 0:
        return f"expired {-days} day{'s' if days != -1 else ''} ago"
    return f"{days} day{'s' if days != 1 else ''} left"


def _wrap_hex(value: str, width: int = 48) -> str:
    """A long fingerprint on lines of whole bytes (``AB:CD:…``), so it wraps where it should."""
    parts, line, out = value.split(":"), "", []
    for part in parts:
        candidate = f"{line}:{part}" if line else part
        if len(candidate) > width - 1 and line:
            out.append(line + ":")
            line = part
        else:
            line = candidate
    out.append(line)
    return "\n".join(out)


def certificate_fields(info: certs.CertInfo, now: datetime, width: int = 48) -> list[tuple[str, Text]]:
    """(label, value) pairs of the readable certificate, every value escaped (it comes from the
    server); fingerprints broken into lines of at most ``width`` characters."""
    days = info.days_left(now)
    validity = Text(visible(f"{info.not_before:%Y-%m-%d} → {info.not_after:%Y-%m-%d} "))
    validity.append(f"({days_text(days)})", style=days_style(days))
    key = info.public_key + (", CA" if info.is_ca else "")
    if info.is_ca and info.path_length is not None:
        key += f" (pathlen {info.path_length})"
    plain = [
        ("Subject", info.subject),
        ("Issuer", "itself (self-signed)" if info.self_signed else info.issuer),
        ("Serial", info.serial),
    ]
    fields = [(label, Text(visible(value))) for label, value in plain] + [("Valid", validity)]
    fields += [
        (label, Text(visible(value)))
        for label, value in (
            ("Key", key),
            ("SANs", ", ".join(info.sans) or "—"),
            ("Key usage", ", ".join(info.key_usage) or "—"),
            ("Ext. usage", ", ".join(info.extended_key_usage) or "—"),
        )
    ]
    for label, digest in (("SHA-256", info.sha256), ("SHA-1", info.sha1)):
        fields.append((label, Text(_wrap_hex(visible(digest), width))))  # hex and colons: nothing to escape
    return fields


HEAD_FIELDS = 4  # subject, issuer, serial, validity: above the chain; the rest below it


def field_grid(fields: list[tuple[str, Text]]) -> Table:
    """A two-column grid: labels, and values that wrap in their own column."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", width=LABEL - 1, no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for label, value in fields:
        grid.add_row(label, value)
    return grid


def render_certificate(info: certs.CertInfo, now: datetime, width: int = 48) -> tuple[Group, Table]:
    """The readable certificate: who and when (with the title), then key, usages, fingerprints."""
    fields = certificate_fields(info, now, width)
    return (
        Group(Text("Certificate", style="bold underline"), field_grid(fields[:HEAD_FIELDS])),
        field_grid(fields[HEAD_FIELDS:]),
    )


def _cn(subject: str) -> str:
    for part in subject.split(","):
        if part.startswith("CN="):
            return part[3:]
    return subject


class CertificateSection(Vertical):
    """The certificate part of the detail pane (hidden for other objects)."""

    DEFAULT_CSS = """
    CertificateSection { height: auto; margin-bottom: 1; }
    CertificateSection #cert-chain { height: auto; max-height: 6; border: none; padding: 0; }
    CertificateSection #cert-chain-title { text-style: bold underline; }
    CertificateSection #cert-note { color: $text-muted; height: auto; }
    CertificateSection #cert-note.-empty { display: none; }
    """

    if TYPE_CHECKING:  # it runs in the console: its app has the console's clock
        app = getters.app(KmsConsole)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.uid: str | None = None
        self.generation = 0
        self.chain: list[certs.ChainLink] = []
        self.text = ""  # the certificate's fields as plain text (what the grid shows)

    def compose(self):
        yield Static("", id="cert-body")
        yield Static("Chain to the root  (enter jumps)", id="cert-chain-title")
        yield OptionList(id="cert-chain", compact=True)
        yield Static("", id="cert-note")
        yield Static("", id="cert-more")

    @property
    def client(self) -> Any:
        return getattr(getattr(self.app, "services", None), "client", None)

    def _now(self) -> datetime:
        return self.app.clock()

    def show(self, row: ObjectRow | None) -> None:
        self.generation += 1
        self.chain, self.text = [], ""
        if row is None or row.object_type != "Certificate" or row.state in ("Destroyed", "Destroyed_Compromised"):
            self.uid = None
            self.display = False
            return
        self.uid, self.display = row.uid, True
        self.query_one("#cert-body", Static).update(Text("Certificate", style="bold underline"))
        self.query_one("#cert-more", Static).update("")
        self._fill_chain([])
        if self.client is None:
            self._note("Not connected.")
            return
        self._note("Reading the certificate and its chain…")
        self.run_worker(
            self._load(row.uid, self.generation), group="certificate-detail", exclusive=True, exit_on_error=False
        )

    def _note(self, text: str) -> None:
        note = self.query_one("#cert-note", Static)
        note.update(Text(text))
        note.set_class(not text, "-empty")

    async def _load(self, uid: str, generation: int) -> None:
        await asyncio.sleep(PAUSE)  # moving through the list: read only the row the cursor stops on
        try:
            chain = await certs.chain_of(self.client, uid)
        except Exception as exc:  # noqa: BLE001 - shown in the section
            if generation == self.generation:
                self._note(f"Certificate unavailable: {visible(getattr(exc, 'message', None) or str(exc))}")
            return
        if generation != self.generation:
            return
        self.chain = chain
        head = chain[0] if chain else None
        if head is None or head.info is None:
            self._note(f"Certificate unavailable: {visible(head.problem if head else 'no answer')}")
            return
        width = max(23, self.size.width - LABEL - 1)
        self.text = "\n".join(
            f"{label} {value.plain}" for label, value in certificate_fields(head.info, self._now(), width)
        )
        head_part, rest = render_certificate(head.info, self._now(), width)
        self.query_one("#cert-body", Static).update(head_part)
        self.query_one("#cert-more", Static).update(rest)
        self._fill_chain(chain[1:])
        last = chain[-1]
        if last.problem:
            self._note(f"The chain stops: {visible(last.problem)}")
        elif len(chain) == 1 and head.info.self_signed:
            self._note("Self-signed: this certificate is its own root.")
        else:
            self._note("")

    def _fill_chain(self, links: list[certs.ChainLink]) -> None:
        options = self.query_one("#cert-chain", OptionList)
        options.clear_options()
        for depth, link in enumerate(links, start=1):
            label = Text("  " * (depth - 1) + "↑ ", style="dim")
            if link.info is None:
                label.append(f"{visible(link.uid)}  (unreadable)")
            else:
                label.append(visible(_cn(link.info.subject)), style="bold")
                days = link.info.days_left(self._now())
                label.append(f" · {visible(link.state)} · ")
                label.append(f"{days}d left" if days >= 0 else "expired", style=days_style(days))
                label.append(f" · {visible(link.uid)}", style="dim")
            options.add_option(Option(label, id=f"chain-{depth}"))
        options.display = bool(links)
        self.query_one("#cert-chain-title", Static).display = bool(links)

    @on(OptionList.OptionSelected, "#cert-chain")
    def _jump(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = int(str(event.option.id).split("-")[1])
        if index < len(self.chain):
            follow = getattr(self.screen, "action_follow_link", None)
            if follow is not None:
                follow(self.chain[index].uid)


class CertificateDetail(AccessDetail):
    """The objects screen's detail pane with the readable certificate on top."""

    def compose(self):
        yield CertificateSection(id="detail-certificate")
        yield from super().compose()

    @property
    def certificate(self) -> CertificateSection:
        return self.query_one(CertificateSection)

    def on_mount(self) -> None:
        super().on_mount()
        self.certificate.display = False

    def show_row(self, row: ObjectRow | None) -> None:
        super().show_row(row)
        self.certificate.show(row)

    def show_raw(self, uid: str, ttlv_json: str) -> None:
        super().show_raw(uid, ttlv_json)
        if self.row is not None and self.row.uid == uid:
            self.certificate.display = False
