"""The local audit trail (SQLite, 0600, WAL, never a secret)."""

from kms_tui.audit.trail import AuditEntry, AuditTrail, default_path

__all__ = ["AuditEntry", "AuditTrail", "default_path"]
