"""The batch writer's SQL: spooled telemetry becomes `reading` rows, each message at most once."""

import uuid
from datetime import datetime
from typing import Any, cast

import asyncpg

from hduce.core.sql_store import SqlStore

# The batch's readings with the patient their device was assigned to when each arrived (NULL:
# none), from the assignment history; readings that arrived after their device was deactivated
# (or from an unknown device) are left out. Looked up at arrival, not now: the device may have
# been re-assigned or deactivated since the broker acknowledged them.
_BATCH = """
batch AS (
    SELECT b.*, a.patient
    FROM unnest($1::uuid[], $2::text[], $3::float8[], $4::text[], $5::timestamptz[],
                $6::timestamptz[], $7::text[], $8::int2[]) WITH ORDINALITY
        AS b(device, metric, value, unit, measured_at, received_at, message_key, position, n)
    JOIN device d ON d.id = b.device AND (d.active OR b.received_at < d.deactivated_at)
    LEFT JOIN device_assignment a ON a.device = b.device AND a.since <= b.received_at
        AND (a.until IS NULL OR b.received_at < a.until)
)"""
# Each message is claimed in `reading_message` first and only the readings of the messages
# claimed are inserted: one whose key is stored already (by an earlier batch, or a concurrent
# one: the unique index makes this statement wait for it) is left out whole.
_INSERT = """
claimed AS (
    INSERT INTO reading_message (device, message_key)
    SELECT DISTINCT b.device, b.message_key FROM batch b WHERE {only_if}
    ON CONFLICT (device, message_key) DO NOTHING
    RETURNING device, message_key
), inserted AS (
    INSERT INTO reading (device, patient, metric, value, unit, measured_at, received_at,
                         message_key, position)
    SELECT b.device, b.patient, b.metric, b.value, b.unit, b.measured_at, b.received_at,
           b.message_key, b.position
    FROM batch b JOIN claimed c ON c.device = b.device AND c.message_key = b.message_key
    ORDER BY b.n  -- rows come back in arrival order: the first breach raises the alert
    ON CONFLICT (device, message_key, position) DO NOTHING
    RETURNING device, patient, metric, value, unit, measured_at, received_at, message_key
), seen AS (
    UPDATE device SET last_seen_at = greatest(last_seen_at, s.at)
    FROM (SELECT device, max(received_at) AS at FROM inserted GROUP BY device) s
    WHERE device.id = s.device
)"""
# The rows of the batch (device, metric, value) beyond their patient's bounds, for a CTE after
# `batch`, with the clinic defaults as arrays ($9 metric, $10 above, $11 below): readings with a
# patient only, each side of a doctor's row for the patient and metric replacing the default's
# unless it inherits it (`in_force`).
_BREACHING = """
breaching AS (
    SELECT FROM batch b
    LEFT JOIN device_threshold t ON t.patient = b.patient AND t.metric = b.metric
    LEFT JOIN unnest($9::text[], $10::float8[], $11::float8[]) AS l(metric, above, below)
        ON l.metric = b.metric
    WHERE b.patient IS NOT NULL
      AND (b.value > CASE WHEN t.patient IS NULL OR t.above_inherits THEN l.above
                          ELSE t.above END
           OR b.value < CASE WHEN t.patient IS NULL OR t.below_inherits THEN l.below
                             ELSE t.below END)
    LIMIT 1
)"""
# The rows are inserted with their patient at arrival, and the devices marked seen. A message
# sent again (same key) inserts nothing: only new rows come back, so a replayed spool or a
# re-sent message neither doubles a reading nor raises its alert twice. The batch holds one
# message per key (`write` keeps the first).
INSERT_READINGS = f"WITH {_BATCH}, {_INSERT.format(only_if='true')}\nSELECT * FROM inserted"
# The common case in one statement, hence its own transaction: no BEGIN, COMMIT or reset
# round trips on the event loop the broker shares. It inserts the batch only when none of its
# readings lies beyond its patient's bounds (`_BREACHING`); else it inserts nothing and returns
# one row with `breached`, and the batch is written again by the transaction that raises alerts.
# Its rows are counted per device in SQL: a row per device, not per reading, crosses the wire.
# It commits without waiting for the WAL flush (`synchronous_commit` off for this transaction
# only), and says which server run committed it (`server`, its start time): the spool keeps the
# batch until that same run has flushed its WAL (`TelemetryIngest`), so the broker's fsyncs do
# not share the disk with one more per batch.
_ASYNCHRONOUS = """
asynchronous AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))"""
INSERT_UNLESS_BREACH = f"""
WITH {_BATCH}, {_BREACHING}, {_ASYNCHRONOUS},
{_INSERT.format(only_if="NOT EXISTS (SELECT FROM breaching) AND EXISTS (SELECT FROM asynchronous)")}
SELECT device, count(DISTINCT message_key) AS messages, count(*) AS readings, false AS breached,
       pg_postmaster_start_time() AS server
FROM inserted GROUP BY device
UNION ALL SELECT NULL, NULL, NULL, true, NULL FROM breaching
"""
# A transaction given an id commits synchronously: it flushes the WAL up to its commit, and so
# every commit before it that did not wait. It says which server run it was flushed by.
FLUSH_WAL = "SELECT pg_postmaster_start_time(), pg_current_xact_id()"
ACTIVE_AMONG = "SELECT id FROM device WHERE id = ANY($1::uuid[]) AND active"
MARK_INVALID = """
UPDATE device SET invalid_messages = invalid_messages + bad.n, last_error = bad.reason,
    last_error_at = now()
FROM unnest($1::uuid[], $2::int[], $3::text[]) AS bad(id, n, reason) WHERE device.id = bad.id
"""
Columns = list[list[Any]]
"""A batch of readings as columns: device, metric, value, unit, measured_at, received_at,
message_key, position."""
Bounds = tuple[list[str], list[float | None], list[float | None]]
"""The clinic defaults as arrays: metrics, aboves, belows."""


class TelemetryStore(SqlStore):
    """Readings written in batches; each statement joins the caller's transaction."""

    async def insert_unless_breach(self, columns: Columns, bounds: Bounds) -> list[asyncpg.Record]:
        """Insert the batch unless a reading breaches; a row per device, or one `breached`."""
        return await self.db.fetch(INSERT_UNLESS_BREACH, *columns, *bounds)

    async def insert(self, columns: Columns) -> list[asyncpg.Record]:
        """Insert the batch; the new rows, in arrival order (a reading's columns, then its key)."""
        return await self.db.fetch(INSERT_READINGS, *columns)

    async def mark_invalid(
        self, ids: list[uuid.UUID], counts: list[int], reasons: list[str]
    ) -> None:
        """Add refused messages to each device's count, with the latest reason."""
        await self.db.execute(MARK_INVALID, ids, counts, reasons)

    async def flush_wal(self) -> datetime:
        """Flush the WAL now; the start time of the server run that flushed it."""
        return cast("datetime", await self.db.fetchval(FLUSH_WAL))

    async def active_among(self, ids: list[uuid.UUID]) -> set[uuid.UUID]:
        """The devices of `ids` that exist and are active."""
        return {row["id"] for row in await self.db.fetch(ACTIVE_AMONG, ids)}
