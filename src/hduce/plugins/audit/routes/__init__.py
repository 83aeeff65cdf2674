"""The admin read API of the audit log: `GET /audit` and `GET /audit/verify`."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from hduce.contracts.auth import Role
from hduce.core.http import PageOffset, client_ip, problems
from hduce.core.schemas import Page
from hduce.core.security import Principal, requires_roles
from hduce.core.time_zones import as_utc
from hduce.plugins.audit.schemas import AuditEventRead, AuditFilter
from hduce.plugins.audit.services import AuditService, ChainReport

MAX_PAGE = 500


class AuditController(Controller):
    """Admins read and verify the audit log; every read is itself audited."""

    path = "/audit"
    tags = ["audit"]
    guards = [requires_roles(Role.ADMIN)]

    @get("/", responses=problems(403))
    async def list_audit_events(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        audit: NamedDependency[AuditService],
        action: FromQuery[str | None] = None,
        actor_id: FromQuery[uuid.UUID | None] = None,
        subject_id: FromQuery[uuid.UUID | None] = None,
        occurred_from: Annotated[datetime | None, QueryParameter(name="from")] = None,
        occurred_to: Annotated[datetime | None, QueryParameter(name="to")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 50,
        offset: PageOffset = 0,
    ) -> Page[AuditEventRead]:
        """Audit events, newest first, filtered by action, actor, subject and time [from, to)."""
        where = AuditFilter(
            action=action,
            actor_id=actor_id,
            subject_id=subject_id,
            occurred_from=as_utc(occurred_from),
            occurred_to=as_utc(occurred_to),
        )
        rows, total = await audit.read(
            where, limit=limit, offset=offset, reader_id=principal.id, ip=client_ip(request)
        )
        items = AuditEventRead.from_rows(rows)
        return Page(items=items, total=total, limit=limit, offset=offset)

    @get("/verify", responses=problems(403))
    async def verify_audit_chain(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        audit: NamedDependency[AuditService],
    ) -> ChainReport:
        """Walk the whole hash chain and report the first broken link, if any."""
        return await audit.verify(reader_id=principal.id, ip=client_ip(request))
