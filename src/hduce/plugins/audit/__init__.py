"""The audit plugin: the append-only, hash-chained audit log and its admin read API."""

from collections.abc import Sequence

from litestar.di import Provide
from litestar.types import ControllerRouterHandler

from hduce.contracts.audit import AuditLog, AuditTrail
from hduce.core.context import AppContext
from hduce.core.personal_data import RowQueries
from hduce.core.plugin import HducePlugin
from hduce.core.registry import HealthStatus
from hduce.plugins.audit.health import audit_health
from hduce.plugins.audit.personal_data import AUDIT_DATA
from hduce.plugins.audit.routes import AuditController
from hduce.plugins.audit.service import AuditService
from hduce.plugins.audit.trail import Trail


class AuditPlugin(HducePlugin):
    """Records security events and clinical-data access; `hduce audit verify` checks the chain."""

    name = "audit"
    description = "Append-only, hash-chained audit log"

    def setup(self, context: AppContext) -> None:
        """Register the `AuditLog` contract and the `audit` health check."""
        super().setup(context)
        self.service = AuditService(context.db)
        context.registry.provide(AuditLog, self.service)
        context.registry.provide(AuditTrail, Trail(self.service))
        context.registry.add_health_check("audit", self._health)
        context.registry.add_personal_data_source("audit", RowQueries(context.db, AUDIT_DATA))

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """The admin read API under `/api/v1/audit`."""
        return (AuditController,)

    def dependencies(self) -> dict[str, Provide]:
        """Provide the service as `audit_service`."""
        return {"audit_service": Provide(self._provide_service, sync_to_thread=False)}

    def _provide_service(self) -> AuditService:
        return self.service

    async def _health(self) -> HealthStatus:
        return await audit_health(self.context.db.shared_pool)
