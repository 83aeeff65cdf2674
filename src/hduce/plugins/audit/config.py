"""Settings of the audit plugin: none (the chain has nothing to tune)."""

from hduce.core.plugin import NoConfig

AuditConfig = NoConfig
"""`[plugins.audit]` takes no settings."""
