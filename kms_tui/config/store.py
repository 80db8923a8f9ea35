"""The profile store: one ckms.toml per profile, plus discovered ckms configs edited in place.

Profiles created or imported in kms-tui live in ``<config dir>/profiles/<name>.toml`` (0600
when they hold a secret). ckms configs found on the machine are listed as profiles too, but
their files stay where they are: edits go to the original file, delete only hides them.
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kms_tui import paths
from kms_tui.config.atomic import backup_paths, write_atomic
from kms_tui.config.discovery import discover_ckms_confs
from kms_tui.config.errors import ConfigError

if TYPE_CHECKING:  # imported on use: they load pydantic and tomlkit, which the console's start can skip
    from kms_tui.config.document import ProfileDocument
    from kms_tui.config.settings import ProfileSettings, Settings

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")


def settings_path(root: Path | None = None) -> Path:
    """The console's settings.toml, beside the profiles folder."""
    return (root or paths.config_dir()) / "settings.toml"


@dataclass(frozen=True)
class ProfileInfo:
    """One entry of the profile list."""

    name: str
    path: Path
    source: str  # "store" (owned by kms-tui) or "discovered" (a ckms config, edited in place)
    active: bool = False
    origin: str = ""  # for discovered ones: "CKMS_CONF", "home" or "system"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": str(self.path),
            "source": self.source,
            "active": self.active,
            "origin": self.origin,
        }


def check_name(name: str) -> str:
    """Validate a profile name (it becomes a file name)."""
    if not _NAME.match(name or ""):
        raise ConfigError(
            f"invalid profile name {name!r}",
            fix="Use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.",
        )
    return name


class ProfileStore:
    """List, load, save, create, rename, duplicate, delete, activate, import and export profiles."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root else paths.config_dir()
        self.dir = self.root / "profiles"

    # -- settings ------------------------------------------------------------------------
    def settings(self) -> Settings:
        from kms_tui.config.settings import load_settings

        return load_settings(self.root)

    def save_settings(self, settings: Settings) -> bool:
        from kms_tui.config.settings import save_settings

        return save_settings(settings, self.root)

    def profile_settings(self, name: str) -> ProfileSettings:
        return self.settings().for_profile(name)

    def set_profile_settings(self, name: str, value: ProfileSettings) -> None:
        settings = self.settings()
        settings.profiles[name] = value
        self.save_settings(settings)

    # -- listing -------------------------------------------------------------------------
    def list(self) -> list[ProfileInfo]:
        """Stored profiles (sorted) then discovered ckms configs not already listed or hidden."""
        settings = self.settings()
        active = settings.active_profile
        out = [
            ProfileInfo(p.stem, p, "store", p.stem == active)
            for p in sorted(self.dir.glob("*.toml"))
            if _NAME.match(p.stem)
        ]
        known = {p.path.resolve() for p in out}
        for found in discover_ckms_confs():
            if found.name in {p.name for p in out} or str(found.path) in settings.hidden_ckms_confs:
                continue
            if found.path.resolve() in known:
                continue
            out.append(ProfileInfo(found.name, found.path, "discovered", found.name == active, found.origin))
        return out

    def info(self, name: str, *, links_ok: bool = False) -> ProfileInfo:
        """The profile called ``name``; a stored one that is a symbolic link is refused
        (ConfigError naming it) unless ``links_ok`` (delete: removing the link is the fix)."""
        for entry in self.list():
            if entry.name == name:
                if entry.source == "store" and not links_ok and paths.is_link(entry.path):
                    error = paths.LinkRefused(entry.path, "profiles")
                    raise ConfigError(error.message, fix=error.fix)
                return entry
        names = ", ".join(p.name for p in self.list()) or "none yet"
        raise ConfigError(
            f"no profile named {name!r} (profiles: {names})",
            fix="Create one with `kms-tui profile import FILE --name NAME`.",
        )

    def exists(self, name: str) -> bool:
        return any(p.name == name for p in self.list())

    def path_of(self, name: str) -> Path:
        return self.info(name).path

    # -- documents -----------------------------------------------------------------------
    def load(self, name: str) -> ProfileDocument:
        """The profile's document (parsed, not validated, references unresolved)."""
        from kms_tui.config.document import ProfileDocument

        return ProfileDocument.load(self.path_of(name))

    def save(self, name: str, document: ProfileDocument, *, backup: bool = True) -> bool:
        """Save ``document`` as profile ``name`` (to its own file, in place for discovered ones);
        ``backup=False`` for a change the program makes by itself (the sandbox's new port), which
        must not push the user's own backups out of the five kept."""
        target = self.path_of(name) if self.exists(name) else self._own_path(name)
        return document.save(target, backup=backup)

    def save_text(self, name: str, text: str) -> bool:
        """Replace a profile's text (the config editor); refuses text that does not parse."""
        from kms_tui.config.document import ProfileDocument

        path = self.path_of(name)
        document = ProfileDocument.parse(text, path)  # raises on a syntax error: never written
        return write_atomic(path, document.render().encode("utf-8"), secret=document.holds_secret())

    def create(self, name: str, server_url: str = "http://localhost:9998") -> ProfileDocument:
        """A new profile file holding just ``server_url`` (the shape ckms writes by default)."""
        from kms_tui.config.document import ProfileDocument

        self._must_be_free(name)
        document = ProfileDocument.new(server_url, self._own_path(name))
        document.require_valid()
        document.save()
        return document

    def rename(self, old: str, new: str) -> None:
        entry = self._owned(old, "rename")
        self._must_be_free(new)
        entry.path.rename(self._own_path(new))
        settings = self.settings()
        if old in settings.profiles:
            settings.profiles[new] = settings.profiles.pop(old)
        if settings.active_profile == old:
            settings.active_profile = new
        self.save_settings(settings)

    def duplicate(self, source: str, new: str) -> Path:
        """Copy any profile (discovered ones too) into a new stored profile."""
        self._must_be_free(new)
        document = self.load(source)
        target = self._own_path(new)
        from kms_tui.config.export import must_be_new

        write_atomic(
            target,
            document.text.encode("utf-8"),
            secret=document.holds_secret(),
            backup=False,
            decide=lambda current: must_be_new(current, document.text, new),
        )
        settings = self.settings()
        if source in settings.profiles:
            settings.profiles[new] = settings.profiles[source].model_copy(deep=True)
            self.save_settings(settings)
        return target

    def delete(self, name: str) -> ProfileInfo:
        """Delete a stored profile (a link there: the link); a discovered ckms config is only hidden."""
        entry = self.info(name, links_ok=True)
        settings = self.settings()
        if entry.source == "store":
            entry.path.unlink()
            for backup in backup_paths(entry.path):
                backup.unlink(missing_ok=True)
        else:
            settings.hidden_ckms_confs.append(str(entry.path))
        settings.profiles.pop(name, None)
        if settings.active_profile == name:
            settings.active_profile = None
        self.save_settings(settings)
        return entry

    def set_active(self, name: str | None) -> None:
        if name is not None:
            self.info(name)
        settings = self.settings()
        settings.active_profile = name
        self.save_settings(settings)

    def active(self) -> str | None:
        if not settings_path(self.root).exists():  # nothing active yet (and no settings model to load)
            return None
        return self.settings().active_profile

    # -- import / export -----------------------------------------------------------------
    def import_(self, source: Path, name: str | None = None, *, secret_backend: str | None = None) -> str:
        """Copy a ckms.toml into the store byte for byte (validated first); returns its name."""
        from kms_tui.config.export import import_file

        return import_file(self, Path(source), name, secret_backend=secret_backend)

    def export(self, name: str, dest: Path, *, overwrite: bool = False) -> builtins.list[str]:
        """Write the profile as a standalone ckms.toml; returns notices (e.g. ckms caveats)."""
        from kms_tui.config.export import export_file

        return export_file(self, name, Path(dest), overwrite=overwrite)

    # -- helpers -------------------------------------------------------------------------
    def _own_path(self, name: str) -> Path:
        return self.dir / f"{check_name(name)}.toml"

    def _must_be_free(self, name: str) -> None:
        check_name(name)
        if paths.is_link(self._own_path(name)):
            error = paths.LinkRefused(self._own_path(name), "profiles")
            raise ConfigError(error.message, fix=error.fix)
        if self.exists(name) or self._own_path(name).exists():
            raise ConfigError(f"a profile named {name!r} already exists", fix="Choose another name.")

    def _owned(self, name: str, verb: str) -> ProfileInfo:
        entry = self.info(name)
        if entry.source != "store":
            raise ConfigError(
                f"cannot {verb} {name!r}: it is ckms's own file {entry.path}",
                fix="Duplicate it into a kms-tui profile first (`profile import`).",
            )
        return entry


setattr(ProfileStore, "import", ProfileStore.import_)
