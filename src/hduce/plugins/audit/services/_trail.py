"""The `AuditTrail` contract: the admin-only read of `GET /api/v1/audit` for other plugins."""

import msgspec

from hduce.contracts.audit import AuditEntry, AuditQuery, ChainStatus
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
        self, principal: Principal, query: AuditQuery, *, ip: str | None
    ) -> tuple[list[AuditEntry], int]:
        """Events newest first and the total (admins only, as the REST route's guard)."""
        _ensure_admin(principal)
        where = AuditFilter(
            actor_id=query.actor_id,
            subject_id=query.subject_id,
            occurred_from=query.occurred_from,
            occurred_to=query.occurred_before,
        )
        rows, total = await self._service.read(
            where, limit=query.limit, offset=query.offset, reader_id=principal.id, ip=ip
        )
        return msgspec.convert(rows, list[AuditEntry], from_attributes=True), total

    async def verify(self, principal: Principal, *, ip: str | None) -> ChainStatus:
        """Walk the chain through `AuditService.verify` (admins only; the check is audited)."""
        _ensure_admin(principal)
        report = await self._service.verify(reader_id=principal.id, ip=ip)
        return ChainStatus(
            ok=report.ok,
            checked=report.checked,
            first_broken_id=report.first_broken_id,
            reason=report.reason,
        )


def _ensure_admin(principal: Principal) -> None:
    if not principal.has_any_role(Role.ADMIN):
        raise Forbidden("the audit log is for admins")
