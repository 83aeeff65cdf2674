"""All of the audit plugin's SQL: appending links, reading pages, walking the chain, health."""

import uuid
from typing import Any

import asyncpg
from piccolo.columns.combination import Combinable

from hduce.core.sql_store import SqlStore
from hduce.plugins.audit.schemas import AuditFilter
from hduce.plugins.audit.tables import AuditEvent

# One statement: lock the chain head until the (caller's) transaction ends, so appends are
# serialised in commit order; draw the id and the time once the lock is held (under READ
# COMMITTED a waiter gets the head its predecessor committed, so ids grow along the chain); hash
# the event; insert it; move the head. The hash is `_chain.event_hash`'s, byte for byte: the
# compact JSON array of the same fields (`to_json` escapes strings as msgspec does), SHA-256.
APPEND = """
WITH head AS MATERIALIZED (
    SELECT last_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE
), link AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence('audit_event', 'id')) AS id,
           clock_timestamp() AS occurred_at, $1::text AS action, $2::uuid AS actor_id,
           $3::uuid AS subject_id, $4::text AS ip, $5::jsonb AS detail, last_hash AS prev_hash
    FROM head
), hashed AS (
    SELECT link.*, encode(sha256(convert_to(concat_ws(',',
        '[' || to_json(prev_hash)::text,
        id::text,
        to_json(to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')),
        to_json(action)::text,
        coalesce(to_json(actor_id::text)::text, 'null'),
        coalesce(to_json(subject_id::text)::text, 'null'),
        coalesce(to_json(ip)::text, 'null'),
        to_json(detail::text)::text || ']'
    ), 'UTF8')), 'hex') AS hash
    FROM link
), appended AS (
    INSERT INTO audit_event (id, occurred_at, action, actor_id, subject_id, ip, detail, prev_hash,
                             hash)
    SELECT id, occurred_at, action, actor_id, subject_id, ip, detail, prev_hash, hash FROM hashed
    RETURNING id, hash
)
UPDATE audit_chain_head SET last_id = appended.id, last_hash = appended.hash FROM appended
WHERE audit_chain_head.id = 1
"""
ROWS_AFTER = """
SELECT id, occurred_at, action, actor_id, subject_id, ip, detail::text AS detail, prev_hash, hash
FROM audit_event WHERE id > $1 ORDER BY id LIMIT $2
"""
HEAD = "SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1"
APPEND_ONLY_TRIGGER = "audit_event_append_only"
TRIGGER_STATE = """
SELECT tgenabled::text AS trigger_state FROM pg_trigger
WHERE tgrelid = 'audit_event'::regclass AND tgname = $1
"""


class AuditStore(SqlStore):
    """Reads and appends `audit_event` rows, inside the caller's transaction when there is one."""

    async def append(
        self,
        action: str,
        actor_id: uuid.UUID | None,
        subject_id: uuid.UUID | None,
        ip: str | None,
        detail: str,
    ) -> None:
        """Append one event (`detail`: JSON text) to the chain, hashed by the database."""
        await self.db.execute(APPEND, action, actor_id, subject_id, ip, detail)

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

    async def head(self) -> tuple[int | None, str] | None:
        """The chain head: the id and hash of the newest event appended (no id before any)."""
        row = await self.db.fetchrow(HEAD)
        return None if row is None else (row["last_id"], row["last_hash"])

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
