"""Console-only settings that ckms.toml cannot hold, kept in ``settings.toml``.

The active profile, theme, keymap overrides, read-only mode, retry policy, answer limits, and
per profile: the secret backend, read-only flag, retry and limits overrides and the OAuth extras
(device flow, audience, redirect port...). Saved with tomlkit so hand-added comments survive.
``client_options(resolved)`` turns them into the client's ``retry=``/``limits=`` arguments.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path
from typing import Any, Literal

import tomlkit
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from kms_tui import paths
from kms_tui.config.atomic import link_error, write_atomic
from kms_tui.config.errors import ConfigError, Problem
from kms_tui.config.locate import line_of
from kms_tui.config.store import settings_path

SecretBackendName = Literal["vault", "aws-ssm", "azure-kv", "cosmian-kms"]


class RetrySettings(BaseModel):
    """How the client retries idempotent requests (creates are never blindly replayed)."""

    model_config = ConfigDict(extra="forbid")
    attempts: int = Field(3, ge=1, le=10)
    backoff_seconds: float = Field(0.5, ge=0, le=60)
    timeout_seconds: float = Field(30.0, gt=0, le=600)


class LimitsSettings(BaseModel):
    """``[limits]``: what the client accepts from a server (``kms_tui.client.limits``)."""

    model_config = ConfigDict(extra="forbid")
    # largest answer to one request (MiB, after decompression)
    max_answer_mb: float = Field(16, gt=0, le=4096)
    # largest answer to a listing: /access/owned, /access/obtained, batched requests (MiB)
    max_listing_answer_mb: float = Field(512, gt=0, le=16384)
    # longest one call may take, retries included (seconds); unset: attempts × timeout + back-off
    deadline_seconds: float | None = Field(None, gt=0, le=86400)


class OAuthExtras(BaseModel):
    """OAuth settings ckms's ``oauth2_conf`` has no room for."""

    model_config = ConfigDict(extra="forbid")
    flow: Literal["pkce", "device", "client_credentials"] = "pkce"
    device_authorization_url: str | None = None
    audience: str | None = None
    redirect_port: int | None = Field(None, ge=0, le=65535)
    extra_params: dict[str, str] = Field(default_factory=dict)
    refresh: bool = True


class ProfileSettings(BaseModel):
    """Per-profile console settings, keyed by profile name in settings.toml."""

    model_config = ConfigDict(extra="forbid")
    secret_backend: SecretBackendName | None = None
    read_only: bool = False
    # a production profile: a red banner, the console opens it read-only until write mode is
    # switched on for the session, destructive actions ask for its name, headless writes --yes
    production: bool = False
    retry: RetrySettings | None = None
    limits: LimitsSettings | None = None
    oauth: OAuthExtras = Field(default_factory=OAuthExtras)


class Settings(BaseModel):
    """The whole settings file."""

    model_config = ConfigDict(extra="forbid")
    active_profile: str | None = None
    theme: str = "textual-dark"
    keymap: dict[str, str] = Field(default_factory=dict)
    read_only: bool = False
    retry: RetrySettings = Field(default_factory=RetrySettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    profiles: dict[str, ProfileSettings] = Field(default_factory=dict)
    # Discovered ckms configs the user removed from the list (their files are never deleted).
    hidden_ckms_confs: list[str] = Field(default_factory=list)
    # What the file held when this was loaded (None: built in memory); a save merges from it.
    _loaded: dict[str, Any] | None = PrivateAttr(default=None)

    def for_profile(self, name: str) -> ProfileSettings:
        """The settings of profile ``name`` (defaults when it has none)."""
        return self.profiles.get(name) or ProfileSettings()


def client_options(resolved: Any = None, settings: Settings | None = None) -> dict[str, Any]:
    """``retry=`` and ``limits=`` for ``KmsClient`` from settings.toml: the profile's ``[retry]`` /
    ``[limits]`` (``resolved.settings``, a :class:`ProfileSettings`) over the global ones. A
    settings.toml that does not load gives the defaults (a one-off command must still run)."""
    from kms_tui.client.limits import AnswerLimits
    from kms_tui.client.retry import RetryPolicy

    if settings is None:
        try:
            settings = load_settings()
        except Exception:  # noqa: BLE001 - broken settings.toml: defaults
            settings = Settings()
    profile = getattr(resolved, "settings", None)
    retry = getattr(profile, "retry", None) or settings.retry
    limits = getattr(profile, "limits", None) or settings.limits
    return {
        "retry": RetryPolicy(timeout=retry.timeout_seconds, attempts=retry.attempts, backoff=retry.backoff_seconds),
        "limits": AnswerLimits.from_megabytes(
            limits.max_answer_mb, limits.max_listing_answer_mb, limits.deadline_seconds
        ),
    }


def _read(path: Path) -> str | None:
    """settings.toml's text (None if there is none), never through a link."""
    try:
        return paths.read_bytes_nofollow(path, "settings").decode("utf-8")
    except FileNotFoundError:
        return None
    except paths.LinkRefused as exc:
        raise link_error(exc) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte {exc.start})", source=path, fix="Save the file as UTF-8.") from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", source=path, fix="Check the file's permissions.") from None


def _parse(text: str, path: Path, summary: str = "settings file is not valid TOML") -> Settings:
    from kms_tui.config.validate import parse_toml  # loads the ckms schema: only when there is a file

    doc, problems = parse_toml(text)
    if doc is None:
        raise ConfigError(summary, problems, source=path)
    try:
        settings = Settings.model_validate(doc.unwrap())
    except ValidationError as exc:
        found = []
        for err in exc.errors():
            dotted = ".".join(str(p) for p in err["loc"])
            found.append(Problem(dotted, line_of(text, dotted), err["msg"]))
        raise ConfigError("invalid settings", found, source=path) from None
    settings._loaded = _values(settings)
    return settings


def _values(settings: Settings) -> dict[str, Any]:
    return settings.model_dump(mode="json", exclude_defaults=True)


def load_settings(root: Path | None = None) -> Settings:
    """Read settings.toml (defaults if absent); an invalid file raises ConfigError."""
    path = settings_path(root)
    text = _read(path)
    if text is None:
        settings = Settings()
        settings._loaded = {}
        return settings
    return _parse(text, path)


def save_settings(settings: Settings, root: Path | None = None) -> bool:
    """Write settings.toml, changing only the values that differ (comments kept).

    Under the file's lock: when another process changed the file since ``settings`` was loaded,
    our changes are applied onto its version if they touch different keys; a save that changes
    a key the other one changed too is refused (ConfigError), never silently lost.
    """
    from kms_tui.config import merge
    from kms_tui.config.validate import parse_toml

    path = settings_path(root)
    ours = _values(settings)
    base = settings._loaded

    def decide(current: bytes | None) -> bytes:
        try:
            text = current.decode("utf-8") if current is not None else ""
        except UnicodeDecodeError:
            raise ConfigError(
                "settings file is not UTF-8 text; not overwritten",
                source=path,
                fix="Fix or move the file by hand, then retry.",
            ) from None
        doc, problems = parse_toml(text)
        if doc is None:
            raise ConfigError("settings file is not valid TOML; not overwritten", problems, source=path)
        wanted = ours
        if base is not None and text:
            theirs = _values(_parse(text, path, "settings file is not valid TOML; not overwritten"))
            if theirs != base:  # changed on disk since loaded: merge, or refuse
                delta, clash = merge.merge(base, ours, theirs)
                if clash:
                    raise ConfigError(
                        "settings changed on disk since they were loaded, in the same keys as this save "
                        f"({', '.join(f'`{k}`' for k in clash[:5])}); not overwritten",
                        source=path,
                        fix="Reload and apply your change again.",
                    )
                merge.apply(theirs, delta)
                wanted = _values(Settings.model_validate(theirs))
        _merge(doc, wanted)
        return tomlkit.dumps(doc).encode("utf-8")

    written = write_atomic(path, b"", secret=True, decide=decide)
    settings._loaded = ours
    return written


def _merge(node: MutableMapping[str, Any], values: dict[str, Any]) -> None:
    """Update a tomlkit container in place so unchanged entries keep their formatting."""
    for key in [k for k in node if k not in values]:
        del node[key]
    for key, value in values.items():
        if isinstance(value, dict) and value and isinstance(node.get(key), dict):
            _merge(node[key], value)
        elif key not in node or node[key] != value:
            node[key] = value
