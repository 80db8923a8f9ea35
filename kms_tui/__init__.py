"""kms-tui: a terminal console for Cosmian KMS, with a built-in sandbox KMS.

The version number is written once, in ``pyproject.toml``; :func:`version` (and
``kms_tui.__version__``) read it from the installed distribution's metadata, only when asked.
"""

from __future__ import annotations


def version() -> str:
    """The installed kms-tui's version (``PackageNotFoundError`` when kms-tui is not installed:
    install it, e.g. ``python3 install.py``, rather than run it from a bare checkout)."""
    from importlib.metadata import version as distribution_version

    return distribution_version("kms-tui")


def __getattr__(name: str) -> str:
    if name == "__version__":
        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
