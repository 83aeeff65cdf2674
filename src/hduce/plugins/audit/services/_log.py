"""`AuditService`: appends to the hash chain (the `AuditLog` contract) and reads it back."""

import uuid
from typing import Any

import msgspec

from hduce.contracts.audit import AuditLog, AuditRecord
from hduce.core.db import Database
from hduce.core.http import serving_client_ip
from hduce.core.registry import HealthStatus
from hduce.plugins.audit.errors import InvalidAuditAction
from hduce.plugins.audit.schemas import AuditFilter
from hduce.plugins.audit.services._chain import ChainReport, audit_health, verify_chain
from hduce.plugins.audit.store import AuditStore

MAX_ACTION_LENGTH = 100


class AuditService(AuditLog):
    """The append-only audit log: one linear SHA-256 chain over every event."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._store = AuditStore(db)

    async def append(self, event: AuditRecord) -> None:
        """`AuditLog.append`: check the action, then chain the event (one statement).

        An event without an address gets the one of the HTTP request being served, if any, so
        no caller can leave it out of the trail.
        """
        action = event.action
        if not action or len(action) > MAX_ACTION_LENGTH:
            raise InvalidAuditAction(
                f"audit action must be 1-{MAX_ACTION_LENGTH} characters: {action!r}"
            )
        detail = msgspec.json.encode(event.detail or {}).decode()
        ip = event.ip if event.ip is not None else serving_client_ip()
        await self._store.append(action, event.actor_id, event.subject_id, ip, detail)

    async def read(
        self, where: AuditFilter, *, limit: int, offset: int, reader_id: uuid.UUID, ip: str | None
    ) -> tuple[list[dict[str, Any]], int]:
        """Events matching `where`, newest first, and the total; the read is itself audited."""
        async with self._db.transaction():
            rows, total = await self._store.page(where, limit=limit, offset=offset)
            await self.record(
                "audit.read",
                actor_id=reader_id,
                ip=ip,
                detail={
                    "filters": msgspec.to_builtins(where),
                    "limit": limit,
                    "offset": offset,
                    "returned": len(rows),
                },
            )
        return rows, total

    async def verify(self, *, reader_id: uuid.UUID, ip: str | None) -> ChainReport:
        """Walk the whole chain, then audit that it was checked."""
        report = await verify_chain(self._store)
        await self.record(
            "audit.verify",
            actor_id=reader_id,
            ip=ip,
            detail={"ok": report.ok, "checked": report.checked, "broken": report.first_broken_id},
        )
        return report

    async def health(self) -> HealthStatus:
        """The `audit` health check: the append-only trigger is enabled."""
        return await audit_health(self._store)
