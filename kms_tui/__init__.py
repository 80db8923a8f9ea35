"""kms-tui: a terminal console for Cosmian KMS, with a built-in sandbox KMS."""

__version__ = "0.1.0"
