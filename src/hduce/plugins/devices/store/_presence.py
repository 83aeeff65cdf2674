"""Device presence: which live broker holds which device, and the device table's summary.

Every `hduce serve` runs a broker with a row in `device_broker` that it renews; a device is
online while a broker still alive holds a `device_connection` of it. The methods are meant for
one transaction each (the caller's): a batch locks its device rows first, in id order, so two
brokers storing the same device take turns and the second sees what the first committed.
"""

import uuid
from datetime import datetime

import asyncpg

from hduce.core.sql_store import SqlStore

# `xmax = 0`: the row was inserted, not updated: the broker is new, or was given up for dead
# (its connections went with it).
RENEW = """
INSERT INTO device_broker (id, host, pid, renewed_at, alive_until)
VALUES ($1, $2, $3, now(), now() + make_interval(secs => $4))
ON CONFLICT (id) DO UPDATE SET renewed_at = now(), alive_until = EXCLUDED.alive_until
RETURNING xmax = 0 AS created
"""
LOCK = "SELECT FROM device WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE"
LINK = """
WITH c AS (SELECT * FROM unnest($2::uuid[], $3::bool[], $4::timestamptz[]) AS c(id, online, at)),
gone AS (
    DELETE FROM device_connection l USING c WHERE l.device = c.id AND l.broker = $1 AND NOT c.online
)
INSERT INTO device_connection (device, broker, since)
SELECT c.id, $1, c.at FROM c JOIN device d ON d.id = c.id WHERE c.online
ON CONFLICT (device, broker) DO NOTHING
"""
# A device is online while a broker alive now holds it; `was` is the row before this statement:
# whether the device was online decides the event. `reason` only counts when it goes offline.
SET_PRESENCE = """
UPDATE device AS d SET online = c.online, last_seen_at = greatest(d.last_seen_at, c.at),
    presence_changed_at = CASE WHEN was.online = c.online THEN d.presence_changed_at ELSE c.at END,
    offline_reason = CASE WHEN c.online THEN NULL ELSE c.reason END
FROM (
    SELECT u.id, u.reason, u.at, EXISTS (
        SELECT FROM device_connection l JOIN device_broker b ON b.id = l.broker
        WHERE l.device = u.id AND b.alive_until > now()
    ) AS online
    FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS u(id, reason, at)
) AS c
JOIN device AS was ON was.id = c.id
WHERE d.id = c.id
RETURNING d.id, d.patient, d.online, was.online AS was_online, c.reason, c.at
"""
# The brokers not renewed in time (killed) go, with their connections; their devices come back
# with when their broker was last heard from.
FORGET_EXPIRED = """
WITH dead AS (DELETE FROM device_broker WHERE alive_until <= now() RETURNING id, renewed_at)
SELECT l.device, max(dead.renewed_at) AS at
FROM device_connection l JOIN dead ON dead.id = l.broker
GROUP BY l.device ORDER BY l.device
"""
WITHDRAW = "DELETE FROM device_broker WHERE id = $1"


class PresenceStore(SqlStore):
    """The statements of device presence; each method's run belongs in one transaction."""

    async def renew(self, broker: uuid.UUID, host: str, pid: int, alive_for: float) -> bool:
        """Keep `broker` alive for `alive_for` seconds more; True when its row was (re)created."""
        return bool(await self.db.fetchval(RENEW, broker, host, pid, alive_for))

    async def store(
        self,
        broker: uuid.UUID,
        ids: list[uuid.UUID],
        online: list[bool],
        reasons: list[str | None],
        at: list[datetime],
    ) -> list[asyncpg.Record]:
        """Store what `broker` sees of the devices `ids` and each one's presence from it all.

        A row per known device (`online`, `was_online`, `reason`, `at`).
        """
        await self.db.execute(LOCK, ids)
        await self.db.execute(LINK, broker, ids, online, at)
        return await self.db.fetch(SET_PRESENCE, ids, reasons, at)

    async def forget_expired(self, reason: str) -> list[asyncpg.Record]:
        """Drop the brokers not renewed in time; their devices' presence rows, as `store`'s."""
        lost = await self.db.fetch(FORGET_EXPIRED)
        if not lost:
            return []
        ids = [row["device"] for row in lost]
        await self.db.execute(LOCK, ids)
        return await self.db.fetch(
            SET_PRESENCE, ids, [reason] * len(ids), [row["at"] for row in lost]
        )

    async def withdraw(self, broker: uuid.UUID) -> None:
        """Drop `broker` (a clean stop), with whatever connections it still holds."""
        await self.db.execute(WITHDRAW, broker)
