"""Device presence in the device table: online/offline, why, and when last seen."""

import uuid
from datetime import datetime

import asyncpg

from hduce.core.sql_store import SqlStore

# `was` is the row before this statement: whether the device was online decides the event.
SET_PRESENCE = """
UPDATE device AS d SET online = c.online, last_seen_at = greatest(d.last_seen_at, c.at),
    presence_changed_at = CASE WHEN was.online = c.online THEN d.presence_changed_at ELSE c.at END,
    offline_reason = CASE WHEN c.online THEN NULL ELSE c.reason END
FROM unnest($1::uuid[], $2::bool[], $3::text[], $4::timestamptz[]) AS c(id, online, reason, at)
JOIN device AS was ON was.id = c.id
WHERE d.id = c.id
RETURNING d.id, d.patient, d.online, was.online AS was_online, c.reason, c.at
"""


class PresenceStore(SqlStore):
    """One statement storing a batch of presence changes."""

    async def set_presence(
        self,
        ids: list[uuid.UUID],
        online: list[bool],
        reasons: list[str | None],
        at: list[datetime],
    ) -> list[asyncpg.Record]:
        """Store the changes; a row per known device (`online`, `was_online`, `reason`, `at`)."""
        return await self.db.fetch(SET_PRESENCE, ids, online, reasons, at)
