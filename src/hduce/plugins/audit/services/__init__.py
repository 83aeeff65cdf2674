"""The audit plugin's services: the hash-chained log and the `AuditTrail` read."""

from hduce.plugins.audit.services._chain import (
    GENESIS_HASH,
    ChainReport,
    audit_health,
    event_hash,
    verify_chain,
)
from hduce.plugins.audit.services._log import AuditService
from hduce.plugins.audit.services._trail import Trail

__all__ = [
    "GENESIS_HASH",
    "AuditService",
    "ChainReport",
    "Trail",
    "audit_health",
    "event_hash",
    "verify_chain",
]
