"""Piccolo app for the audit table."""

from hduce.core.migrations import app_config
from hduce.plugins.audit.tables import AuditEvent

APP_CONFIG = app_config("audit", [AuditEvent], after="core")
