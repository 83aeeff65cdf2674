"""`AuditService`: appends to the hash chain (the `AuditLog` contract) and reads it back."""

import uuid
from datetime import datetime
from typing import Any

import msgspec
from piccolo.columns.combination import Combinable

from hduce.core.db import HduceEngine
from hduce.plugins.audit.chain import ChainReport, event_hash, verify_chain
from hduce.plugins.audit.tables import AuditEvent

MAX_ACTION_LENGTH = 100

# Locks the chain head until the (caller's) transaction ends, so appends are serialised in
# commit order. Under READ COMMITTED a waiter gets the head its predecessor committed, and the
# id is drawn once the lock is held, so ids grow along the chain.
NEXT_LINK = """
SELECT nextval(pg_get_serial_sequence('audit_event', 'id')) AS id,
       clock_timestamp() AS occurred_at,
       {}::jsonb::text AS detail,
       last_hash AS prev_hash
FROM audit_chain_head WHERE id = 1 FOR UPDATE
"""
APPEND_LINK = """
WITH link AS (
    INSERT INTO audit_event (id, occurred_at, action, actor_id, subject_id, ip, detail, prev_hash,
                             hash)
    VALUES ({}, {}, {}, {}, {}, {}, {}::jsonb, {}, {})
    RETURNING id, hash
)
UPDATE audit_chain_head SET last_id = link.id, last_hash = link.hash FROM link
WHERE audit_chain_head.id = 1
"""


class AuditFilter(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Which events to read; every given field must match."""

    action: str | None = None
    actor_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None

    def conditions(self) -> list[Combinable]:
        """The WHERE conditions (`occurred_to` is exclusive)."""
        conditions: list[Combinable] = []
        if self.action is not None:
            conditions.append(AuditEvent.action == self.action)
        if self.actor_id is not None:
            conditions.append(AuditEvent.actor_id == self.actor_id)
        if self.subject_id is not None:
            conditions.append(AuditEvent.subject_id == self.subject_id)
        if self.occurred_from is not None:
            conditions.append(AuditEvent.occurred_at >= self.occurred_from)
        if self.occurred_to is not None:
            conditions.append(AuditEvent.occurred_at < self.occurred_to)
        return conditions


class AuditService:
    """The append-only audit log: one linear SHA-256 chain over every event."""

    def __init__(self, db: HduceEngine) -> None:
        self._db = db

    async def record(
        self,
        action: str,
        *,
        actor_id: uuid.UUID | None,
        subject_id: uuid.UUID | None = None,
        ip: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append one event, inside the caller's transaction when there is one."""
        if not action or len(action) > MAX_ACTION_LENGTH:
            raise ValueError(f"audit action must be 1-{MAX_ACTION_LENGTH} characters: {action!r}")
        encoded = msgspec.json.encode(detail or {}).decode()
        async with self._db.transaction():
            (link,) = await AuditEvent.raw(NEXT_LINK, encoded)
            prev_hash = link["prev_hash"]
            digest = event_hash(
                prev_hash=prev_hash,
                event_id=link["id"],
                occurred_at=link["occurred_at"],
                action=action,
                actor_id=actor_id,
                subject_id=subject_id,
                ip=ip,
                detail=link["detail"],
            )
            await AuditEvent.raw(
                APPEND_LINK,
                link["id"],
                link["occurred_at"],
                action,
                actor_id,
                subject_id,
                ip,
                link["detail"],
                prev_hash,
                digest,
            )

    async def read(
        self, where: AuditFilter, *, limit: int, offset: int, reader_id: uuid.UUID, ip: str | None
    ) -> tuple[list[dict[str, Any]], int]:
        """Events matching `where`, newest first, and the total; the read is itself audited."""
        conditions = where.conditions()
        async with self._db.transaction():
            rows = (
                await AuditEvent.select()
                .where(*conditions)
                .order_by(AuditEvent.id, ascending=False)
                .limit(limit)
                .offset(offset)
                .output(load_json=True)
            )
            total = await AuditEvent.count().where(*conditions)
            filters = msgspec.to_builtins(where)
            await self.record(
                "audit.read",
                actor_id=reader_id,
                ip=ip,
                detail={
                    "filters": filters,
                    "limit": limit,
                    "offset": offset,
                    "returned": len(rows),
                },
            )
        return rows, total

    async def verify(self, *, reader_id: uuid.UUID, ip: str | None) -> ChainReport:
        """Walk the whole chain on the shared pool, then audit that it was checked."""
        report = await verify_chain(self._db.shared_pool)
        await self.record(
            "audit.verify",
            actor_id=reader_id,
            ip=ip,
            detail={"ok": report.ok, "checked": report.checked, "broken": report.first_broken_id},
        )
        return report
