"""The batch writer's SQL: spooled telemetry becomes `reading` rows, each message at most once."""

import uuid
from collections import Counter
from datetime import datetime
from typing import NamedTuple

from hduce.core.db import HduceEngine
from hduce.plugins.devices.alerts import AlertRules, StoredReading
from hduce.plugins.devices.telemetry import Telemetry, message_key

# A message sent again (same key) inserts nothing: only new rows come back, so a replayed
# spool or a re-sent message neither doubles a reading nor raises its alert twice.
INSERT_READINGS = """
INSERT INTO reading (device, patient, metric, value, unit, measured_at, received_at,
                     message_key, position)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::float8[], $5::text[],
                     $6::timestamptz[], $7::timestamptz[], $8::text[], $9::int2[])
ON CONFLICT (device, message_key, position) DO NOTHING
RETURNING device, patient, metric, value, unit, measured_at, received_at, message_key
"""
MARK_SEEN = """
UPDATE device SET last_seen_at = greatest(last_seen_at, seen.at)
FROM unnest($1::uuid[], $2::timestamptz[]) AS seen(id, at) WHERE device.id = seen.id
"""
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
    """Store `batch` and the invalid counts in one transaction; raise alerts for new readings."""
    devices = list({a.device_id for a in batch})
    async with db.transaction():
        rows = await db.fetch(
            "SELECT id, patient FROM device WHERE id = ANY($1::uuid[]) AND active", devices
        )
        patients = {row["id"]: row["patient"] for row in rows}
        known = [a for a in batch if a.device_id in patients]
        columns = [
            (
                a.device_id,
                patients[a.device_id],
                item.metric,
                item.value,
                item.unit,
                a.telemetry.ts or a.received_at,
                a.received_at,
                message_key(a.payload, a.telemetry, a.received_at),
                position,
            )
            for a in known
            for position, item in enumerate(a.telemetry.readings)
        ]
        inserted = []
        if columns:
            inserted = await db.fetch(
                INSERT_READINGS, *(list(column) for column in zip(*columns, strict=True))
            )
        readings = [StoredReading(*row[:7]) for row in inserted]
        if readings:
            seen = {r.device: r.received_at for r in readings}
            await db.fetch(MARK_SEEN, list(seen), list(seen.values()))
            await alerts.raise_alerts(readings)
        if invalid.counts:
            ids = list(invalid.counts)
            counts = [invalid.counts[i] for i in ids]
            await db.fetch(MARK_INVALID, ids, counts, [invalid.reasons[i] for i in ids])
    stored = len({(row["device"], row["message_key"]) for row in inserted})
    return Written(stored, len(known) - stored, len(batch) - len(known), len(readings))
