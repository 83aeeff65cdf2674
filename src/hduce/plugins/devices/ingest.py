"""Telemetry ingestion: the broker hook queues raw messages; one writer stores them in batches."""

import asyncio
import logging
import uuid
from collections import Counter as Tally
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from prometheus_client import Counter

from hduce.core.db import HduceEngine
from hduce.plugins.devices.alerts import AlertRules, StoredReading
from hduce.plugins.devices.config import DevicesConfig
from hduce.plugins.devices.telemetry import InvalidTelemetry, parse

logger = logging.getLogger("hduce.devices")

MESSAGES = Counter(
    "hduce_device_messages",
    "Telemetry messages by outcome: stored, invalid, dropped (queue full) or failed (database)",
    ["outcome"],
)
READINGS = Counter("hduce_device_readings", "Readings stored from device telemetry")

INSERT_READINGS = """
INSERT INTO reading (device, patient, metric, value, unit, measured_at, received_at)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::float8[], $5::text[],
                     $6::timestamptz[], $7::timestamptz[])
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


OUTCOMES = ("stored", "invalid", "unknown_device", "dropped", "failed")


class Envelope(NamedTuple):
    """A message as the hook saw it."""

    device_id: uuid.UUID
    payload: bytes
    received_at: datetime


class TelemetryIngest:
    """A bounded queue fed by the broker hook and drained by one batch writer."""

    def __init__(self, db: HduceEngine, config: DevicesConfig, alerts: AlertRules) -> None:
        self._db = db
        self._config = config
        self._alerts = alerts
        self._max_skew = timedelta(seconds=float(config.max_future_skew))
        self.queue: asyncio.Queue[Envelope | None] = asyncio.Queue(maxsize=config.queue_size)
        self.counts: Tally[str] = Tally(dict.fromkeys(OUTCOMES, 0))
        for outcome in OUTCOMES:
            MESSAGES.labels(outcome)  # every outcome is exported, at 0 until it happens

    def offer(self, topic: str, payload: bytes) -> None:
        """Queue a telemetry message (the ACL has already tied the topic to its device)."""
        levels = topic.split("/")
        if len(levels) != 3 or levels[0] != "devices" or levels[2] != "telemetry":
            return
        try:
            envelope = Envelope(uuid.UUID(levels[1]), payload, datetime.now(UTC))
            self.queue.put_nowait(envelope)
        except (ValueError, asyncio.QueueFull):
            self._count("dropped")

    def _count(self, outcome: str, n: int = 1) -> None:
        self.counts[outcome] += n
        MESSAGES.labels(outcome).inc(n)

    async def run(self) -> None:
        """Write batches until `finish` is called and everything before it is stored."""
        while True:
            batch: list[Envelope] = []
            item = await self.queue.get()
            while item is not None:
                batch.append(item)
                if len(batch) >= self._config.batch_size or self.queue.empty():
                    break
                item = self.queue.get_nowait()
            if batch:
                await self.write(batch)
            if item is None:
                return

    async def finish(self) -> None:
        """Ask the writer to stop once what is queued now is stored (the broker has stopped)."""
        await self.queue.put(None)

    async def write(self, batch: list[Envelope]) -> None:
        """Store one batch in one transaction; a database failure loses it, counted and logged."""
        try:
            await self._store(batch)
        except Exception:
            logger.exception("storing %d telemetry messages failed", len(batch))
            self._count("failed", len(batch))

    async def _store(self, batch: list[Envelope]) -> None:
        parsed, invalid = [], Tally[uuid.UUID]()
        reasons: dict[uuid.UUID, str] = {}
        for envelope in batch:
            try:
                telemetry = parse(
                    envelope.payload, received_at=envelope.received_at, max_skew=self._max_skew
                )
            except InvalidTelemetry as exc:
                invalid[envelope.device_id] += 1
                reasons[envelope.device_id] = str(exc)[:500]
                continue
            parsed.append((envelope, telemetry))
        devices = list({envelope.device_id for envelope, _ in parsed} | set(invalid))
        async with self._db.transaction():
            rows = await self._db.fetch(
                "SELECT id, patient FROM device WHERE id = ANY($1::uuid[]) AND active", devices
            )
            patients = {row["id"]: row["patient"] for row in rows}
            readings = [
                StoredReading(
                    envelope.device_id,
                    patients[envelope.device_id],
                    item.metric,
                    item.value,
                    item.unit,
                    telemetry.ts or envelope.received_at,
                    envelope.received_at,
                )
                for envelope, telemetry in parsed
                if envelope.device_id in patients
                for item in telemetry.readings
            ]
            if readings:
                await self._db.fetch(
                    INSERT_READINGS, *(list(column) for column in zip(*readings, strict=True))
                )
                seen = {r.device: r.received_at for r in readings}
                await self._db.fetch(MARK_SEEN, list(seen), list(seen.values()))
                await self._alerts.raise_alerts(readings)
            if invalid:
                ids = list(invalid)
                counts = [invalid[i] for i in ids]
                await self._db.fetch(MARK_INVALID, ids, counts, [reasons[i] for i in ids])
        stored = sum(1 for envelope, _ in parsed if envelope.device_id in patients)
        self._count("stored", stored)
        self._count("invalid", sum(invalid.values()))
        self._count("unknown_device", len(parsed) - stored)
        READINGS.inc(len(readings))
