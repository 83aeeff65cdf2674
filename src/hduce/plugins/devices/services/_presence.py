"""Device presence: online/offline and last seen, stored by one writer off the telemetry path.

Several `hduce serve` may share the devices (behind a load balancer): each one's writer stores
which devices its broker holds, and a device is online while any broker still alive holds it.
"""

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import NamedTuple

import asyncpg

from hduce.contracts.devices import DeviceCameOnline, DeviceWentOffline
from hduce.core.db import Database
from hduce.core.events import EventBus
from hduce.core.supervision import Supervisor
from hduce.plugins.devices.store import PresenceStore

logger = logging.getLogger("hduce.devices")
CONNECTION_LOST, SERVER_STOPPED, SERVER_LOST = "connection_lost", "server_stopped", "server_lost"
RETRY_SECONDS = 1.0
STOP_SECONDS = 10.0
PRESENCE_WRITER = "device-presence"
MISSED_BEATS = 3
"""A broker not renewed for this many beats counts as dead (killed): its devices go offline."""


class Change(NamedTuple):
    """The presence a device reached, why (offline only) and when."""

    online: bool
    reason: str | None
    at: datetime


class DevicePresence:
    """Counts each device's live connections here; one writer stores the changes in batches.

    The broker hooks only count and note (no I/O), so thousands of devices reconnecting at once
    cost one transaction per batch, not a pool connection each, and the telemetry writer keeps
    its connections. The writer also renews this broker's row every `beat` seconds and drops
    the brokers not renewed for `MISSED_BEATS` beats (killed), setting their devices offline.
    """

    def __init__(
        self,
        db: Database,
        store: PresenceStore,
        events: EventBus,
        supervisor: Supervisor,
        beat: float,
    ) -> None:
        self._db = db
        self._rows = store
        self._events = events
        self._supervisor = supervisor
        self._beat = beat
        self._broker = uuid.uuid4()
        self._live: Counter[uuid.UUID] = Counter()
        self._noted: dict[uuid.UUID, float] = {}  # when a live device was last noted online
        self._pending: dict[uuid.UUID, Change] = {}
        self._wake = asyncio.Event()
        self._sweep_at = 0.0
        self._server_stopping = False
        self._stopping = False
        self._failing = False  # since the last store that failed: one warning an outage

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

    def seen(self, device_id: uuid.UUID) -> None:
        """A message came from the device: if connected here, it is online (noted once a beat)."""
        noted = self._noted.get(device_id)
        if noted is not None and time.monotonic() - noted >= self._beat:
            self._note(device_id, None)

    def online(self) -> int:
        """Devices with a live connection to this process."""
        return len(self._live)

    def server_stopping(self) -> None:
        """The broker is about to close every connection: say so, rather than "lost"."""
        self._server_stopping = True

    def _note(self, device_id: uuid.UUID, reason: str | None) -> None:
        online = device_id in self._live
        if online:
            self._noted[device_id] = time.monotonic()
        else:
            self._noted.pop(device_id, None)
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
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._beat)
            self._wake.clear()
            if not await self._flush():
                await asyncio.sleep(RETRY_SECONDS)
            elif self._stopping and not self._pending:
                with contextlib.suppress(Exception):  # else it expires like a killed one's
                    await self._rows.withdraw(self._broker)
                return

    async def _flush(self) -> bool:
        """Store the pending changes (renewing this broker); once a beat, drop dead brokers."""
        batch, self._pending = self._pending, {}
        try:
            await self._store(batch)
            if time.monotonic() >= self._sweep_at and not self._stopping:
                async with self._db.transaction():
                    await self._publish(await self._rows.forget_expired(SERVER_LOST))
                self._sweep_at = time.monotonic() + self._beat
        except Exception as exc:
            if self._failing:
                logger.debug("storing the presence failed again", exc_info=True)
            else:
                logger.warning(
                    "storing the presence of %d devices failed, retrying every %gs: %r",
                    len(batch),
                    RETRY_SECONDS,
                    exc,
                )
            self._failing = True
            self._pending = {**batch, **self._pending}  # newer notes win
            self._wake.set()
            return False
        if self._failing:
            logger.info("device presence stored again")
            self._failing = False
        return True

    async def _store(self, batch: dict[uuid.UUID, Change]) -> None:
        """Renew this broker and store the batch in one transaction, with the events."""
        async with self._db.transaction():
            alive_for = MISSED_BEATS * self._beat
            if await self._rows.renew(self._broker, socket.gethostname(), os.getpid(), alive_for):
                # New, or given up for dead meanwhile (its connections dropped): all it holds.
                now = datetime.now(UTC)
                batch = {**{d: Change(True, None, now) for d in self._live}, **batch}
            if not batch:
                return
            ids = list(batch)
            changes = [batch[i] for i in ids]
            rows = await self._rows.store(
                self._broker,
                ids,
                [c.online for c in changes],
                [c.reason for c in changes],
                [c.at for c in changes],
            )
            await self._publish(rows)

    async def _publish(self, rows: list[asyncpg.Record]) -> None:
        """An event per device whose presence changed."""
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
