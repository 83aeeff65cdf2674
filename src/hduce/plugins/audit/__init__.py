"""The audit plugin: the append-only, hash-chained audit log and its admin read API."""

from hduce.core.context import AppContext
from hduce.core.plugin import HducePlugin


class AuditPlugin(HducePlugin):
    """Records security events and clinical-data access; `hduce audit verify` checks the chain."""

    name = "audit"
    description = "Append-only, hash-chained audit log"

    def setup(self, context: AppContext) -> None:
        """Register the `AuditLog` contract."""
        super().setup(context)
