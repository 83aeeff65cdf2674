"""Errors of the audit plugin."""


class InvalidAuditAction(ValueError):
    """An audit action is empty or longer than the column allows (a programming error)."""
