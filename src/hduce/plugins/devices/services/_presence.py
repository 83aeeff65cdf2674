"""Device presence: online/offline and last seen, stored by one writer off the telemetry path."""

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import NamedTuple

from hduce.contracts.devices import DeviceCameOnline, DeviceWentOffline
from hduce.core.db import Database
from hduce.core.events import EventBus
from hduce.core.supervision import Supervisor
from hduce.plugins.devices.store import PresenceStore

logger = logging.getLogger("hduce.devices")
CONNECTION_LOST, SERVER_STOPPED = "connection_lost", "server_stopped"
RETRY_SECONDS = 1.0
STOP_SECONDS = 10.0
PRESENCE_WRITER = "device-presence"


class Change(NamedTuple):
    """The presence a device reached, why (offline only) and when."""

    online: bool
    reason: str | None
    at: datetime


class DevicePresence:
    """Counts each device's live connections; one writer stores the changes in batches.

    The broker hooks only count and note (no I/O), so thousands of devices reconnecting at once
    cost one transaction per batch, not a pool connection each, and the telemetry writer keeps
    its connections. A device is online while it has at least one live connection here.
    """

    def __init__(
        self, db: Database, store: PresenceStore, events: EventBus, supervisor: Supervisor
    ) -> None:
        self._db = db
        self._rows = store
        self._events = events
        self._supervisor = supervisor
        self._live: Counter[uuid.UUID] = Counter()
        self._pending: dict[uuid.UUID, Change] = {}
        self._wake = asyncio.Event()
        self._server_stopping = False
        self._stopping = False

    def connected(self, device_id: uuid.UUID) -> None:
        """A connection of the device was accepted."""
        self._live[device_id] += 1
        self._note(device_id, None)

    def disconnected(self, device_id: uuid.UUID, reason: str) -> None:
        """A connection of the device ended, for `reason`."""
        self._live[device_id] -= 1
        if self._live[device_id] <= 0:
            del self._live[device_id]
        self._note(device_id, SERVER_STOPPED if self._server_stopping else reason)

    def online(self) -> int:
        """Devices with a live connection to this process."""
        return len(self._live)

    def server_stopping(self) -> None:
        """The broker is about to close every connection: say so, rather than "lost"."""
        self._server_stopping = True

    def _note(self, device_id: uuid.UUID, reason: str | None) -> None:
        online = device_id in self._live
        self._pending[device_id] = Change(online, None if online else reason, datetime.now(UTC))
        self._wake.set()

    @asynccontextmanager
    async def running(self) -> AsyncIterator["DevicePresence"]:
        """Store changes while the block runs; at its end, store the last ones."""
        self._server_stopping = self._stopping = False
        self._supervisor.start(PRESENCE_WRITER, lambda _beat: self._run())
        try:
            yield self
        finally:
            self._stopping = True
            for device_id in list(self._live):  # connections the broker did not report closed
                self._live.pop(device_id)
                self._note(device_id, SERVER_STOPPED)
            self._wake.set()
            await self._supervisor.stop(PRESENCE_WRITER, grace=STOP_SECONDS)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not await self._flush():
                await asyncio.sleep(RETRY_SECONDS)
            elif self._stopping and not self._pending:
                return

    async def _flush(self) -> bool:
        batch, self._pending = self._pending, {}
        if not batch:
            return True
        try:
            await self._store(batch)
        except Exception:
            logger.exception("storing the presence of %d devices failed", len(batch))
            self._pending = {**batch, **self._pending}  # newer notes win
            self._wake.set()
            return False
        return True

    async def _store(self, batch: dict[uuid.UUID, Change]) -> None:
        """One UPDATE for the batch and an event per device whose presence changed."""
        ids = list(batch)
        changes = [batch[i] for i in ids]
        async with self._db.transaction():
            rows = await self._rows.set_presence(
                ids,
                [c.online for c in changes],
                [c.reason for c in changes],
                [c.at for c in changes],
            )
            for row in rows:
                if row["online"] == row["was_online"]:
                    continue
                if row["online"]:
                    event: DeviceCameOnline | DeviceWentOffline = DeviceCameOnline(
                        device_id=row["id"], patient_id=row["patient"], at=row["at"]
                    )
                else:
                    event = DeviceWentOffline(
                        device_id=row["id"],
                        patient_id=row["patient"],
                        reason=row["reason"] or CONNECTION_LOST,
                        at=row["at"],
                    )
                await self._events.publish(event)
