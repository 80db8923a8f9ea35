"""One ckms.toml file, read and written with tomlkit so every untouched byte survives.

A :class:`ProfileDocument` remembers the exact text it was loaded from: saving with no change
writes nothing, a one-value edit changes only that value's line, and legacy ``ssl_client_*``
keys are renamed in place (same line, same comment) on the next save.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit

from kms_tui.config.atomic import write_atomic
from kms_tui.config.errors import ConfigError, Problem, errors_only
from kms_tui.config.schema import LEGACY_KEYS, holds_credential
from kms_tui.config.validate import _walk_strings, parse_toml, validate_data

REF_MARK = "secret://"


def read_text(path: Path) -> str:
    """Read a config file, turning OS errors into a ConfigError that says what to do."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            "configuration file does not exist",
            source=path,
            fix="Check the path, or list profiles with `kms-tui profile list`.",
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte {exc.start})", source=path, fix="Save the file as UTF-8.") from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", source=path, fix="Check the file's permissions.") from None


@dataclass
class ProfileDocument:
    """A parsed ckms.toml with its original text (``path`` is None for an unsaved one)."""

    text: str = field(repr=False)  # may hold secrets: kept out of reprs and tracebacks
    doc: tomlkit.TOMLDocument = field(repr=False)
    path: Path | None = None
    notices: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str, path: Path | None = None) -> ProfileDocument:
        """Parse ``text``; a syntax error raises ConfigError with line and column."""
        doc, problems = parse_toml(text)
        if doc is None:
            raise ConfigError(
                "the file is not valid TOML",
                problems,
                source=path,
                fix="Fix the syntax error; kms-tui will not overwrite this file until it parses.",
            )
        return cls(text, doc, path)

    @classmethod
    def load(cls, path: Path) -> ProfileDocument:
        return cls.parse(read_text(path), Path(path))

    @classmethod
    def new(cls, server_url: str, path: Path | None = None) -> ProfileDocument:
        """A minimal profile in the shape ckms itself writes."""
        text = f'vendor_id = "cosmian"\n\n[http_config]\nserver_url = {tomlkit.string(server_url).as_string()}\n'
        return cls(text="", doc=tomlkit.parse(text), path=path)  # text="": nothing on disk yet

    # -- reading ---------------------------------------------------------------------------
    def data(self) -> dict[str, Any]:
        """The document as plain Python values (references still unresolved)."""
        return self.doc.unwrap()

    @property
    def http_config(self) -> dict[str, Any]:
        return dict(self.data().get("http_config") or {})

    def problems(self) -> list[Any]:
        """Every validation problem, with lines taken from the current text."""
        return validate_data(self.data(), tomlkit.dumps(self.doc))

    def require_valid(self) -> None:
        """Raise ConfigError listing every error (warnings do not block)."""
        problems = self.problems()
        if errors_only(problems):
            n = len(errors_only(problems))
            raise ConfigError(f"invalid configuration ({n} problem{'s' if n > 1 else ''})", problems, source=self.path)

    def get(self, dotted: str, default: Any = None) -> Any:
        node: Any = self.doc
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node.unwrap() if hasattr(node, "unwrap") else node

    def holds_secret(self) -> bool:
        """True if any credential key (misspelt ones too: ``is_secret_key``) or credential header
        (``Authorization: …`` in ``custom_headers``) holds a literal value (references are not secrets)."""
        return any(
            REF_MARK not in value and holds_credential(path, value) for path, value in _walk_strings(self.data(), "")
        )

    # -- editing ---------------------------------------------------------------------------
    def set(self, dotted: str, value: Any) -> None:
        """Set one value (creating tables as needed); everything else keeps its bytes."""
        *tables, key = dotted.split(".")
        node: Any = self.doc
        for part in tables:
            if part not in node:
                node[part] = tomlkit.table()
            node = node[part]
        node[key] = value

    def delete(self, dotted: str) -> None:
        *tables, key = dotted.split(".")
        node: Any = self.doc
        for part in tables:
            node = node.get(part)
            if node is None:
                return
        node.pop(key, None)

    def render(self) -> str:
        """The text a save would write: tomlkit output with legacy keys renamed in place."""
        text = tomlkit.dumps(self.doc)
        return rename_legacy_keys(text, self.get("http_config") or {})[0]

    def legacy_notices(self) -> list[str]:
        return rename_legacy_keys(tomlkit.dumps(self.doc), self.get("http_config") or {})[1]

    def save(self, path: Path | None = None, *, force: bool = False, backup: bool = True) -> bool:
        """Write the document atomically (0600 if it holds a secret, the last five versions kept
        as ``name.toml.1`` … ``.5`` unless ``backup`` is False).

        Returns False when nothing changed (no write at all). The check against the file on
        disk runs under the file's lock, so concurrent saves take turns: if the file changed
        since it was loaded, our changes are merged onto it when the two touched different keys
        (:mod:`.merge`), and the save is refused when they touched the same ones or the file no
        longer parses, unless ``force``. After a merge the document holds the merged text.
        """
        target = Path(path or self.path or "")
        if not str(target) or target == Path(""):
            raise ConfigError("this profile has no file yet", fix="Choose a name or path to save it to.")
        new = self.render()
        written_text = new

        def decide(current: bytes | None) -> bytes:
            nonlocal written_text
            written_text = new
            if current is None or force:
                return new.encode("utf-8")
            try:
                on_disk = current.decode("utf-8")
            except UnicodeDecodeError:
                raise ConfigError(
                    "the file on disk is not UTF-8 text; not overwritten",
                    source=target,
                    fix="Fix or move the file by hand, then retry.",
                ) from None
            if on_disk in (self.text, new):
                return new.encode("utf-8")
            written_text = self._merged_onto(on_disk, new, target)
            return written_text.encode("utf-8")

        self.notices = self.legacy_notices()
        # A merged file keeps the mode it had on disk (0600 if it held a secret) unless ours holds one.
        written = write_atomic(target, new.encode("utf-8"), secret=self.holds_secret(), decide=decide, backup=backup)
        self.text, self.path = written_text, target
        self.doc = tomlkit.parse(written_text)
        return written

    def _merged_onto(self, on_disk: str, new: str, target: Path) -> str:
        """Our changes since load applied onto the file's current text, or ConfigError."""
        from kms_tui.config import merge

        theirs, broken = parse_toml(on_disk)
        if theirs is None:
            raise ConfigError(
                "the file on disk is not valid TOML; not overwritten",
                broken,
                source=target,
                fix="Fix or move the file by hand, then retry.",
            )
        if not self.text:
            raise ConfigError(
                "a file was created there since this profile was started; not overwritten",
                source=target,
                fix="Choose another name, or reload the profile and apply your change again.",
            )
        base, _ = parse_toml(self.text)
        ours, _ = parse_toml(new)
        delta, clash = merge.merge(base.unwrap() if base else {}, ours.unwrap() if ours else {}, theirs.unwrap())
        if clash:
            raise ConfigError(
                "the file changed on disk since it was loaded, in the same keys as this save "
                f"({', '.join(f'`{k}`' for k in clash[:5])}); not overwritten",
                source=target,
                fix="Reload the profile and apply your change again.",
            )
        merge.apply(theirs, delta, tomlkit.table)
        ours_valid = not errors_only(validate_data(ours.unwrap() if ours else {}))
        if ours_valid and errors_only(validate_data(theirs.unwrap())):
            raise ConfigError(
                "the file changed on disk since it was loaded, and this save merged onto it "
                "would make it invalid; not overwritten",
                source=target,
                fix="Reload the profile and apply your change again.",
            )
        return rename_legacy_keys(tomlkit.dumps(theirs), (theirs.unwrap().get("http_config") or {}))[0]


_LEGACY_LINE = re.compile(r"^(\s*)(ssl_client_(?:pem_cert_path|pem_key_path|pkcs12_path|pkcs12_password))(\s*=)")


def rename_legacy_keys(text: str, http_config: dict[str, Any]) -> tuple[str, list[str]]:
    """Rename ``ssl_client_*`` to ``tls_client_*`` inside ``[http_config]``, keeping the line.

    When both names are set the new one wins (as in ckms) and the legacy line is dropped.
    """
    out, notices, table = [], [], None
    for line in text.splitlines(keepends=True):
        header = re.match(r"^\s*\[([^\]]+)\]", line)
        if header:
            table = header.group(1).strip()
        match = _LEGACY_LINE.match(line) if table == "http_config" else None
        if match:
            old = match.group(2)
            new = LEGACY_KEYS[old]
            if new in http_config:
                notices.append(f"`{old}` dropped: `{new}` is also set and wins (as in ckms)")
                continue
            notices.append(f"`{old}` renamed to `{new}` (ckms deprecated the ssl_ name)")
            line = match.group(1) + new + line[match.end(2) :]
        out.append(line)
    return "".join(out), notices


__all__ = ["ProfileDocument", "Problem", "read_text", "rename_legacy_keys"]
