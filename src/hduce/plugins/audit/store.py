"""All of the audit plugin's SQL: appending links, reading pages, walking the chain, health."""

from collections.abc import Mapping
from typing import Any

import asyncpg
from piccolo.columns.combination import Combinable

from hduce.core.sql_store import SqlStore
from hduce.plugins.audit.schemas import AuditFilter
from hduce.plugins.audit.tables import AuditEvent

# Locks the chain head until the (caller's) transaction ends, so appends are serialised in
# commit order. Under READ COMMITTED a waiter gets the head its predecessor committed, and the
# id is drawn once the lock is held, so ids grow along the chain.
NEXT_LINK = """
SELECT nextval(pg_get_serial_sequence('audit_event', 'id')) AS id,
       clock_timestamp() AS occurred_at,
       $1::jsonb::text AS detail,
       last_hash AS prev_hash
FROM audit_chain_head WHERE id = 1 FOR UPDATE
"""
APPEND_LINK = """
WITH link AS (
    INSERT INTO audit_event (id, occurred_at, action, actor_id, subject_id, ip, detail, prev_hash,
                             hash)
    VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9)
    RETURNING id, hash
)
UPDATE audit_chain_head SET last_id = link.id, last_hash = link.hash FROM link
WHERE audit_chain_head.id = 1
"""
APPENDED = ("id", "occurred_at", "action", "actor_id", "subject_id", "ip", "detail", "prev_hash")
"""The columns of `APPEND_LINK` before the hash, in its order."""
ROWS_AFTER = """
SELECT id, occurred_at, action, actor_id, subject_id, ip, detail::text AS detail, prev_hash, hash
FROM audit_event WHERE id > $1 ORDER BY id LIMIT $2
"""
APPEND_ONLY_TRIGGER = "audit_event_append_only"
TRIGGER_STATE = """
SELECT tgenabled::text AS trigger_state FROM pg_trigger
WHERE tgrelid = 'audit_event'::regclass AND tgname = $1
"""


class AuditStore(SqlStore):
    """Reads and appends `audit_event` rows, inside the caller's transaction when there is one."""

    async def next_link(self, detail: str) -> asyncpg.Record:
        """Lock the chain head: the next id, the time, `detail` as `jsonb::text`, `prev_hash`."""
        (link,) = await self.db.fetch(NEXT_LINK, detail)
        return link

    async def append(self, row: Mapping[str, Any], digest: str) -> None:
        """Insert `row` (a link of `next_link` with the event's columns) and its hash."""
        await self.db.execute(APPEND_LINK, *(row[name] for name in APPENDED), digest)

    async def page(
        self, where: AuditFilter, *, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Events matching `where`, newest first, and how many match."""
        conditions = _conditions(where)
        rows = (
            await AuditEvent.select()
            .where(*conditions)
            .order_by(AuditEvent.id, ascending=False)
            .limit(limit)
            .offset(offset)
            .output(load_json=True)
        )
        return rows, await AuditEvent.count().where(*conditions)

    async def rows_after(self, last_id: int, limit: int) -> list[asyncpg.Record]:
        """Up to `limit` events with an id above `last_id`, by id, `detail` as `jsonb::text`."""
        return await self.db.fetch(ROWS_AFTER, last_id, limit)

    async def trigger_state(self) -> str | None:
        """`pg_trigger.tgenabled` of the append-only trigger, or None without it."""
        return await self.db.fetchval(TRIGGER_STATE, APPEND_ONLY_TRIGGER)


def _conditions(where: AuditFilter) -> list[Combinable]:
    """The WHERE conditions of a filter (`occurred_to` is exclusive)."""
    conditions: list[Combinable] = []
    if where.action is not None:
        conditions.append(AuditEvent.action == where.action)
    if where.actor_id is not None:
        conditions.append(AuditEvent.actor_id == where.actor_id)
    if where.subject_id is not None:
        conditions.append(AuditEvent.subject_id == where.subject_id)
    if where.occurred_from is not None:
        conditions.append(AuditEvent.occurred_at >= where.occurred_from)
    if where.occurred_to is not None:
        conditions.append(AuditEvent.occurred_at < where.occurred_to)
    return conditions
