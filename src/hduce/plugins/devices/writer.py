"""The batch writer's SQL: spooled telemetry becomes `reading` rows, each message at most once."""

import uuid
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import NamedTuple

from hduce.core.db import HduceEngine
from hduce.plugins.devices.alerts import BREACHING, AlertRules, StoredReading
from hduce.plugins.devices.telemetry import Telemetry, message_key

_BATCH = """
batch AS (
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::float8[], $4::text[], $5::timestamptz[],
                         $6::timestamptz[], $7::text[], $8::int2[]) WITH ORDINALITY
        AS b(device, metric, value, unit, measured_at, received_at, message_key, position, n)
)"""
_INSERT = """
inserted AS (
    INSERT INTO reading (device, patient, metric, value, unit, measured_at, received_at,
                         message_key, position)
    SELECT b.device, d.patient, b.metric, b.value, b.unit, b.measured_at, b.received_at,
           b.message_key, b.position
    FROM batch b JOIN device d ON d.id = b.device AND d.active
    WHERE {only_if}
    ORDER BY b.n  -- rows come back in arrival order: the first breach raises the alert
    ON CONFLICT (device, message_key, position) DO NOTHING
    RETURNING device, patient, metric, value, unit, measured_at, received_at, message_key
), seen AS (
    UPDATE device SET last_seen_at = greatest(last_seen_at, s.at)
    FROM (SELECT device, max(received_at) AS at FROM inserted GROUP BY device) s
    WHERE device.id = s.device
)"""
# The rows of active devices are inserted with their device's patient, and the devices marked
# seen. A message sent again (same key) inserts nothing: only new rows come back, so a replayed
# spool or a re-sent message neither doubles a reading nor raises its alert twice.
INSERT_READINGS = f"WITH {_BATCH}, {_INSERT.format(only_if='true')}\nSELECT * FROM inserted"
# The common case in one statement, hence its own transaction: no BEGIN, COMMIT or reset
# round trips on the event loop the broker shares. It inserts the batch only when none of its
# readings lies beyond its patient's bounds (`BREACHING`); else it inserts nothing and returns
# one row with `breached`, and the batch is written again by the transaction that raises alerts.
# Its rows are counted per device in SQL: a row per device, not per reading, crosses the wire.
INSERT_UNLESS_BREACH = f"""
WITH {_BATCH}, {BREACHING}, {_INSERT.format(only_if="NOT EXISTS (SELECT FROM breaching)")}
SELECT device, count(DISTINCT message_key) AS messages, count(*) AS readings, false AS breached
FROM inserted GROUP BY device
UNION ALL SELECT NULL, NULL, NULL, true FROM breaching
"""
ACTIVE_AMONG = "SELECT id FROM device WHERE id = ANY($1::uuid[]) AND active"
MARK_INVALID = """
UPDATE device SET invalid_messages = invalid_messages + bad.n, last_error = bad.reason,
    last_error_at = now()
FROM unnest($1::uuid[], $2::int[], $3::text[]) AS bad(id, n, reason) WHERE device.id = bad.id
"""


class Accepted(NamedTuple):
    """A valid message as the broker accepted it."""

    device_id: uuid.UUID
    payload: bytes
    received_at: datetime
    telemetry: Telemetry


class Written(NamedTuple):
    """What one batch did: messages stored, already stored, from unknown devices; new rows."""

    stored: int
    duplicate: int
    unknown_device: int
    readings: int


class Invalid:
    """Refused messages per device since the last write, with the latest reason."""

    def __init__(self) -> None:
        self.counts: Counter[uuid.UUID] = Counter()
        self.reasons: dict[uuid.UUID, str] = {}

    def add(self, device_id: uuid.UUID, reason: str) -> None:
        """Count one refused message of `device_id`."""
        self.counts[device_id] += 1
        self.reasons[device_id] = reason[:500]

    def merge(self, older: "Invalid") -> None:
        """Take back counts whose write failed (newer reasons win)."""
        self.counts.update(older.counts)
        self.reasons = {**older.reasons, **self.reasons}


async def write(
    db: HduceEngine, alerts: AlertRules, batch: list[Accepted], invalid: Invalid
) -> Written:
    """Store `batch` and the invalid counts atomically; raise alerts for new readings."""
    columns = [
        list(column)
        for column in zip(
            *(
                (
                    a.device_id,
                    item.metric,
                    item.value,
                    item.unit,
                    a.telemetry.ts or a.received_at,
                    a.received_at,
                    message_key(a.payload, a.telemetry, a.received_at),
                    position,
                )
                for a in batch
                for position, item in enumerate(a.telemetry.readings)
            ),
            strict=True,
        )
    ]
    if columns and not invalid.counts:
        rows = await db.fetch(INSERT_UNLESS_BREACH, *columns, *alerts.default_bounds())
        if not any(row["breached"] for row in rows):
            stored = {row["device"]: row["messages"] for row in rows}
            return await _written(db, batch, stored, sum(row["readings"] for row in rows))
    async with db.transaction():
        inserted = await db.fetch(INSERT_READINGS, *columns) if columns else []
        readings = [StoredReading(*row[:7]) for row in inserted]
        if readings:
            await alerts.raise_alerts(readings)
        if invalid.counts:
            ids = list(invalid.counts)
            counts = [invalid.counts[i] for i in ids]
            await db.fetch(MARK_INVALID, ids, counts, [invalid.reasons[i] for i in ids])
        keys = {(row["device"], row["message_key"]) for row in inserted}
        return await _written(db, batch, Counter(device for device, _ in keys), len(readings))


async def _written(
    db: HduceEngine, batch: list[Accepted], stored: Mapping[uuid.UUID, int], readings: int
) -> Written:
    """The outcome of `batch` given the messages it stored per device."""
    silent = list({a.device_id for a in batch} - stored.keys())
    # Devices that stored nothing sent it all before, or are unknown or deactivated.
    active = {row["id"] for row in await db.fetch(ACTIVE_AMONG, silent)} if silent else set()
    inactive = set(silent) - active
    unknown = sum(1 for a in batch if a.device_id in inactive)
    count = sum(stored.values())
    return Written(count, len(batch) - count - unknown, unknown, readings)
