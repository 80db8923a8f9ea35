"""Pick the configuration a command runs with, validate it and resolve its secrets.

Order when neither ``--profile`` nor ``--conf`` is given: ``$CKMS_CONF`` (an explicit choice
for this shell, as in ckms), then the active kms-tui profile, then ckms's own search path
(``~/.cosmian/ckms.toml``, ``/etc/cosmian/ckms.toml``).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from kms_tui.config.discovery import discover_ckms_confs, env_ckms_conf
from kms_tui.config.errors import ConfigError, Problem
from kms_tui.config.locate import line_of
from kms_tui.config.quick import quick_connection, settings_absent
from kms_tui.config.secrets import SecretError, mask_value, resolve_tree
from kms_tui.config.store import ProfileStore
from kms_tui.safetext import mask_url

if TYPE_CHECKING:  # imported on use: pydantic and tomlkit, which the console's start can skip
    from kms_tui.config.document import ProfileDocument
    from kms_tui.config.settings import ProfileSettings

MASK = "••••••"


@dataclass
class ResolvedConnection:
    """A validated profile ready to connect: secrets resolved in memory only.

    ``http_config`` is the ckms ``[http_config]`` table with references replaced by their
    values and legacy ``ssl_client_*`` keys mapped to ``tls_client_*``; ``references`` maps
    each dotted key that held a reference to its original text. Never log ``http_config``:
    use :meth:`masked`.
    """

    name: str
    path: Path | None
    http_config: dict[str, Any]
    settings: ProfileSettings
    vendor_id: str = "cosmian"
    references: dict[str, str] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    source: str = "store"

    def masked(self) -> dict[str, Any]:
        """The ``[http_config]`` table safe to display: secrets masked, references visible."""
        masked: dict[str, Any] = masked_tree(self.http_config, self.references, prefix="http_config")
        return masked

    def __repr__(self) -> str:  # never print resolved secrets by accident
        return f"ResolvedConnection(name={self.name!r}, path={self.path!r}, server_url={mask_url(self.server_url)!r})"

    @property
    def server_url(self) -> str:
        return str(self.http_config.get("server_url", ""))


def masked_tree(tree: Any, references: dict[str, str], prefix: str = "") -> Any:
    """Copy of ``tree`` with secret keys masked and referenced values shown as their reference.

    Secret keys are those of :func:`~kms_tui.config.schema.is_secret_key`: misspelt ones
    (``client_secet``) and ones named like a secret are masked too. A ``custom_headers`` entry
    that carries a credential keeps its name: ``Authorization: ••••••``. A password in a URL's
    user-info (``https://user:pw@host``, any key) is masked: ``https://user:••••••@host``.
    """
    from kms_tui.config.schema import is_secret_key, malformed_header, secret_header_name

    def walk(value: Any, key: str) -> Any:
        if key in references:
            return mask_value(references[key])
        if isinstance(value, dict):
            return {k: walk(v, f"{key}.{k}" if key else k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, f"{key}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, str) and value and (is_secret_key(key) or malformed_header(key, value)):
            return MASK
        header = secret_header_name(key, value) if isinstance(value, str) else None
        if header:
            return f"{header}: {MASK}"
        return _mask_urls(value) if isinstance(value, str) else value

    return walk(copy.deepcopy(tree), prefix)


_URL_WITH_USERINFO = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/@]+@\S*")


def _mask_urls(text: str) -> str:
    """``text`` with the password of every URL in it masked (``safetext.mask_url``)."""
    if "@" not in text or "://" not in text:
        return text
    return _URL_WITH_USERINFO.sub(lambda m: mask_url(m.group(0)), text)


def _pick(profile: str | None, conf: str | None, store: ProfileStore) -> tuple[str, Path, str]:
    if profile and conf:
        raise ConfigError("--profile and --conf are exclusive", fix="Pass only one of them.")
    if conf:
        path = Path(conf).expanduser()
        if not path.is_file():
            raise ConfigError(f'Configuration file "{path}" does not exist', fix="Check the --conf path.")
        return path.stem, path, "file"
    env = None if profile else env_ckms_conf()
    if env:  # CKMS_CONF may name a kms-tui profile's own file: keep its name and settings
        entry = next((p for p in store.list() if p.path.resolve() == env.resolve()), None)
        return (entry.name, entry.path, entry.source) if entry else ("ckms-env", env, "discovered")
    name = profile or store.active()
    if name:
        entry = store.info(name)
        return entry.name, entry.path, entry.source
    for found in discover_ckms_confs():  # ckms's own search path, same names as the list
        return found.name, found.path, "discovered"
    raise ConfigError(
        "no configuration: no profile is active and no ckms.toml was found",
        fix="Import one with `kms-tui profile import FILE`, pass --conf FILE, or set CKMS_CONF.",
    )


def load_connection(
    document: ProfileDocument, name: str, settings: ProfileSettings, source: str = "store"
) -> ResolvedConnection:
    """Validate ``document`` and resolve its references with the profile's backend."""
    from kms_tui.config.schema import LEGACY_KEYS

    document.require_valid()
    data = document.data()
    try:
        resolved, originals = resolve_tree(data, settings.secret_backend, where=f"profile {name!r}")
    except SecretError as exc:
        exc.source = document.path
        key = exc.problems[0].path if exc.problems else ""
        exc.problems = [Problem(p.path, line_of(document.text, key), p.message, p.allowed) for p in exc.problems]
        raise
    http = dict(resolved["http_config"])
    for old, new in LEGACY_KEYS.items():
        if old in http:  # the new name wins when both are set, as in ckms
            value = http.pop(old)
            http.setdefault(new, value)
    return ResolvedConnection(
        name=name,
        path=document.path,
        http_config=http,
        settings=settings,
        vendor_id=str(resolved.get("vendor_id") or "cosmian"),
        references=originals,
        warnings=[p for p in document.problems() if not p.is_error],
        source=source,
    )


def resolve_connection(
    profile: str | None = None, conf: str | None = None, *, quick: bool = False
) -> ResolvedConnection:
    """The connection a command should use (see module doc for the order); ConfigError if invalid.

    ``quick`` (headless commands): a plain profile with default settings is read without
    pydantic or tomlkit (:mod:`.quick`); its ``settings`` is then a stand-in for the defaults."""
    store = ProfileStore()
    name, path, source = _pick(profile, conf, store)
    if quick and (source == "file" or source in ("store", "discovered") and settings_absent(store.root)):
        plain = quick_connection(path, name, source)  # a plain profile, default settings: no pydantic
        if plain is not None:
            return cast("ResolvedConnection", plain)
    from kms_tui.config.document import ProfileDocument
    from kms_tui.config.settings import ProfileSettings

    settings = store.profile_settings(name) if source in ("store", "discovered") else ProfileSettings()
    return load_connection(ProfileDocument.load(path), name, settings, source)
