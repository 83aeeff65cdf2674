"""The batch writer: spooled telemetry becomes `reading` rows, each message at most once."""

import uuid
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import NamedTuple

import asyncpg

from hduce.core.db import Database
from hduce.plugins.devices.services._alert_rules import AlertRules, StoredReading
from hduce.plugins.devices.services._telemetry import Telemetry, message_key
from hduce.plugins.devices.store import TelemetryStore


class Accepted(NamedTuple):
    """A valid message as the broker accepted it."""

    device_id: uuid.UUID
    payload: bytes
    received_at: datetime
    telemetry: Telemetry


class Written(NamedTuple):
    """What one batch did: messages stored, already stored, from unknown devices; new rows.

    `server`: the start time of the PostgreSQL run that committed the rows without waiting for
    the WAL flush, so a crash of that run may yet lose them; None when the commit waited, or
    there was nothing to lose.
    """

    stored: int
    duplicate: int
    unknown_device: int
    readings: int
    server: datetime | None


class Invalid:
    """Refused messages per device since the last write, with the latest reason."""

    def __init__(self) -> None:
        self.counts: Counter[uuid.UUID] = Counter()
        self.reasons: dict[uuid.UUID, str] = {}

    def add(self, device_id: uuid.UUID, reason: str) -> None:
        """Count one refused message of `device_id`."""
        self.counts[device_id] += 1
        self.reasons[device_id] = storable(reason[:500])

    def merge(self, older: "Invalid") -> None:
        """Take back counts whose write failed (newer reasons win)."""
        self.counts.update(older.counts)
        self.reasons = {**older.reasons, **self.reasons}


def storable(text: str) -> str:
    """`text` as PostgreSQL text can hold it: NUL and lone surrogates written as escapes."""
    return text.encode("utf-8", "backslashreplace").decode().replace("\x00", "\\u0000")


def refused_for_its_data(exc: BaseException) -> bool:
    """Whether PostgreSQL refused a value the batch holds (sending it again would fail again).

    Not a lost connection or an overloaded server: those pass, and the batch is retried.
    """
    return isinstance(exc, (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError))


async def write(
    db: Database,
    store: TelemetryStore,
    alerts: AlertRules,
    batch: list[Accepted],
    invalid: Invalid,
) -> Written:
    """Store `batch` and the invalid counts atomically; raise alerts for new readings.

    Without invalid messages and breaches, the batch is one statement (its own transaction: no
    BEGIN, COMMIT or reset round trips on the event loop the broker shares), committed without
    waiting for the WAL flush. With them, one transaction, committed as usual.
    """
    # The first message of each key: a later one in the batch is a duplicate whole, like one
    # whose key an earlier batch stored.
    messages: dict[tuple[uuid.UUID, str], Accepted] = {}
    for a in batch:
        messages.setdefault((a.device_id, message_key(a.payload, a.telemetry, a.received_at)), a)
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
                    key,
                    position,
                )
                for (_, key), a in messages.items()
                for position, item in enumerate(a.telemetry.readings)
            ),
            strict=True,
        )
    ]
    if columns and not invalid.counts:
        rows = await store.insert_unless_breach(columns, alerts.default_bounds())
        if not any(row["breached"] for row in rows):
            stored = {row["device"]: row["messages"] for row in rows}
            readings = sum(row["readings"] for row in rows)
            server = rows[0]["server"] if rows else None
            return await _written(store, batch, stored, readings, server=server)
    async with db.transaction():
        inserted = await store.insert(columns) if columns else []
        readings = [StoredReading(*row[:7]) for row in inserted]
        if readings:
            await alerts.raise_alerts(readings)
        if invalid.counts:
            ids = list(invalid.counts)
            counts = [invalid.counts[i] for i in ids]
            await store.mark_invalid(ids, counts, [invalid.reasons[i] for i in ids])
        keys = {(row["device"], row["message_key"]) for row in inserted}
        stored = Counter(device for device, _ in keys)
        return await _written(store, batch, stored, len(readings), server=None)


async def _written(
    store: TelemetryStore,
    batch: list[Accepted],
    stored: Mapping[uuid.UUID, int],
    readings: int,
    *,
    server: datetime | None,
) -> Written:
    """The outcome of `batch` given the messages it stored per device."""
    silent = list({a.device_id for a in batch} - stored.keys())
    # Devices that stored nothing sent it all before, or are unknown or deactivated.
    active = await store.active_among(silent) if silent else set()
    inactive = set(silent) - active
    unknown = sum(1 for a in batch if a.device_id in inactive)
    count = sum(stored.values())
    return Written(count, len(batch) - count - unknown, unknown, readings, server)
