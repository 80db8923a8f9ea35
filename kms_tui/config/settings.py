"""Console-only settings that ckms.toml cannot hold, kept in ``settings.toml``.

The active profile, theme, keymap overrides, read-only mode, retry policy, answer limits, and
per profile: the secret backend, read-only flag, retry and limits overrides and the OAuth extras
(device flow, audience, redirect port...). Saved with tomlkit so hand-added comments survive.
``client_options(resolved)`` turns them into the client's ``retry=``/``limits=`` arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import tomlkit
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kms_tui.config.atomic import write_atomic
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
        "limits": AnswerLimits.from_megabytes(limits.max_answer_mb, limits.max_listing_answer_mb, limits.deadline_seconds),
    }


def load_settings(root: Path | None = None) -> Settings:
    """Read settings.toml (defaults if absent); an invalid file raises ConfigError."""
    path = settings_path(root)
    if not path.exists():
        return Settings()
    from kms_tui.config.validate import parse_toml  # loads the ckms schema: only when there is a file

    text = path.read_text(encoding="utf-8")
    doc, problems = parse_toml(text)
    if doc is None:
        raise ConfigError("settings file is not valid TOML", problems, source=path)
    try:
        return Settings.model_validate(doc.unwrap())
    except ValidationError as exc:
        found = []
        for err in exc.errors():
            dotted = ".".join(str(p) for p in err["loc"])
            found.append(Problem(dotted, line_of(text, dotted), err["msg"]))
        raise ConfigError("invalid settings", found, source=path) from None


def save_settings(settings: Settings, root: Path | None = None) -> bool:
    """Write settings.toml, changing only the values that differ (comments kept)."""
    from kms_tui.config.validate import parse_toml

    path = settings_path(root)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    doc, problems = parse_toml(text)
    if doc is None:
        raise ConfigError("settings file is not valid TOML; not overwritten", problems, source=path)
    _merge(doc, settings.model_dump(mode="json", exclude_defaults=True))
    return write_atomic(path, tomlkit.dumps(doc).encode("utf-8"), secret=True)


def _merge(node, values: dict) -> None:
    """Update a tomlkit container in place so unchanged entries keep their formatting."""
    for key in [k for k in node if k not in values]:
        del node[key]
    for key, value in values.items():
        if isinstance(value, dict) and value and isinstance(node.get(key), dict):
            _merge(node[key], value)
        elif key not in node or node[key] != value:
            node[key] = value
