"""The audit plugin: the append-only, hash-chained audit log and its admin read API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import rich_click as click

from hduce.core.plugin import HducePlugin
from hduce.plugins.audit.cli import audit_group
from hduce.plugins.audit.config import AuditConfig

if TYPE_CHECKING:
    from litestar.di import Provide
    from litestar.types import ControllerRouterHandler

    from hduce.core.context import AppContext


class AuditPlugin(HducePlugin):
    """Records security events and clinical-data access; `hduce audit verify` checks the chain."""

    name = "audit"
    description = "Append-only, hash-chained audit log"
    config_type = AuditConfig

    def setup(self, context: AppContext) -> None:
        """Register the `AuditLog` contract and the `audit` health check."""
        from hduce.contracts.audit import AuditLog, AuditTrail
        from hduce.core.personal_data import RowQueries
        from hduce.plugins.audit.personal_data import AUDIT_DATA
        from hduce.plugins.audit.services import AuditService, Trail

        super().setup(context)
        env = self.env
        self.service = AuditService(env.db)
        env.registry.provide(AuditLog, self.service)
        env.registry.provide(AuditTrail, Trail(self.service))
        env.registry.add_health_check("audit", self.service.health)
        env.registry.add_personal_data_source("audit", RowQueries(env.db, AUDIT_DATA))

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """The admin read API under `/api/v1/audit`."""
        from hduce.plugins.audit.routes import AuditController

        return (AuditController,)

    def dependencies(self) -> dict[str, Provide]:
        """Provide the service as `audit`."""
        return self.provide_as_name(self.service)

    @classmethod
    def on_cli_init(cls, cli: click.Group) -> None:
        """Add `hduce audit verify`."""
        cli.add_command(audit_group)
