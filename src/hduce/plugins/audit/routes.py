"""The admin read API of the audit log: `GET /audit` and `GET /audit/verify`."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from hduce.contracts.auth import Role
from hduce.core.http import PageOffset, client_ip
from hduce.core.security import principal_of, requires_roles
from hduce.plugins.audit.chain import ChainReport
from hduce.plugins.audit.schemas import AuditEventPage, AuditEventRead
from hduce.plugins.audit.service import AuditFilter, AuditService

MAX_PAGE = 500


class AuditController(Controller):
    """Admins read and verify the audit log; every read is itself audited."""

    path = "/audit"
    tags = ["audit"]
    guards = [requires_roles(Role.ADMIN)]

    @get("/")
    async def list_audit_events(
        self,
        request: Request[Any, Any, Any],
        audit_service: NamedDependency[AuditService],
        action: FromQuery[str | None] = None,
        actor_id: FromQuery[uuid.UUID | None] = None,
        subject_id: FromQuery[uuid.UUID | None] = None,
        occurred_from: Annotated[datetime | None, QueryParameter(name="from")] = None,
        occurred_to: Annotated[datetime | None, QueryParameter(name="to")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 50,
        offset: PageOffset = 0,
    ) -> AuditEventPage:
        """Audit events, newest first, filtered by action, actor, subject and time [from, to)."""
        where = AuditFilter(
            action=action,
            actor_id=actor_id,
            subject_id=subject_id,
            occurred_from=_aware(occurred_from),
            occurred_to=_aware(occurred_to),
        )
        rows, total = await audit_service.read(
            where,
            limit=limit,
            offset=offset,
            reader_id=principal_of(request).id,
            ip=client_ip(request),
        )
        items = msgspec.convert(rows, list[AuditEventRead], from_attributes=True)
        return AuditEventPage(items=items, total=total, limit=limit, offset=offset)

    @get("/verify")
    async def verify_audit_chain(
        self, request: Request[Any, Any, Any], audit_service: NamedDependency[AuditService]
    ) -> ChainReport:
        """Walk the whole hash chain and report the first broken link, if any."""
        return await audit_service.verify(
            reader_id=principal_of(request).id,
            ip=client_ip(request),
        )


def _aware(moment: datetime | None) -> datetime | None:
    """Read a time without an offset as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
