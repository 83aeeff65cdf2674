"""The `AuditTrail` contract: the admin-only read of `GET /api/v1/audit` for other plugins."""

import uuid
from datetime import datetime

import msgspec

from hduce.contracts.audit import AuditEntry
from hduce.contracts.auth import Role
from hduce.core.errors import Forbidden
from hduce.core.security import Principal
from hduce.plugins.audit.schemas import AuditFilter
from hduce.plugins.audit.services._log import AuditService


class Trail:
    """Audit events for admins, through `AuditService.read` (so the read is audited too)."""

    def __init__(self, service: AuditService) -> None:
        self._service = service

    async def events(
        self,
        principal: Principal,
        *,
        actor_id: uuid.UUID | None,
        subject_id: uuid.UUID | None,
        occurred_from: datetime | None,
        occurred_before: datetime | None,
        limit: int,
        offset: int,
        ip: str | None,
    ) -> tuple[list[AuditEntry], int]:
        """Events newest first and the total (admins only, as the REST route's guard)."""
        if not principal.has_any_role(Role.ADMIN):
            raise Forbidden("the audit log is for admins")
        where = AuditFilter(
            actor_id=actor_id,
            subject_id=subject_id,
            occurred_from=occurred_from,
            occurred_to=occurred_before,
        )
        rows, total = await self._service.read(
            where, limit=limit, offset=offset, reader_id=principal.id, ip=ip
        )
        return msgspec.convert(rows, list[AuditEntry], from_attributes=True), total
