"""Telemetry ingestion: checked and fsynced to the spool before the broker acknowledges it.

One writer moves it into PostgreSQL in batches, retrying until the database is back.
"""

import asyncio
import collections
import contextlib
import itertools
import logging
import time
import uuid
from collections import Counter as Tally
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
from prometheus_client import Counter

from hduce.core.db import Database
from hduce.plugins.devices.config import DevicesConfig
from hduce.plugins.devices.services._alert_rules import AlertRules
from hduce.plugins.devices.services._held import Held, SpoolRecord, Unflushed
from hduce.plugins.devices.services._spool import Spool, SpoolFull
from hduce.plugins.devices.services._telemetry import InvalidTelemetry, parse
from hduce.plugins.devices.services._writer import Accepted, Invalid, write
from hduce.plugins.devices.store import TelemetryStore

logger = logging.getLogger("hduce.devices")

MESSAGES = Counter(
    "hduce_device_messages",
    "Telemetry messages by outcome: stored, duplicate (stored before), invalid, unknown_device, "
    "refused (spool full: not acknowledged) or failed (a database write, retried)",
    ["outcome"],
)
READINGS = Counter("hduce_device_readings", "Readings stored from device telemetry")
OUTCOMES = ("stored", "duplicate", "invalid", "unknown_device", "refused", "failed")
RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0)
"""Waits between attempts while the database is unreachable (the last one repeats)."""
Seen = Callable[[uuid.UUID], None]
"""Told the device of every message the broker hands over (presence: it is connected)."""
Settled = Callable[[bool], None]
"""Told once whether a kept message may be acknowledged (True) or was not kept after all."""
LINGER_SECONDS = 0.05
"""How long the writer lets a small batch (under 1/8 of `batch_size`) fill before writing it."""
FLUSH_SECONDS = 0.2
"""How long a batch committed without waiting for the WAL flush stays in the spool, at most
while the database answers, before the writer flushes the WAL itself and releases it."""


_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(SpoolRecord).decode


def spool_dir(config: DevicesConfig, data_dir: str) -> Path:
    """The configured spool directory, by default under the data dir."""
    return Path(config.spool_dir or Path(data_dir) / "devices" / "spool")


class TelemetryIngest:
    """Accepts telemetry for the broker (durably) and writes it to PostgreSQL in batches."""

    def __init__(
        self,
        db: Database,
        store: TelemetryStore,
        config: DevicesConfig,
        alerts: AlertRules,
        spool: Spool,
        seen: Seen,
    ) -> None:
        self._db = db
        self._seen = seen
        self._store = store
        self._config = config
        self._alerts = alerts
        self._max_skew = timedelta(seconds=float(config.max_future_skew))
        self.spool = spool
        spool.on_durable = self._spooled
        spool.on_failed = self._not_spooled
        self.waiting: collections.deque[Held] = collections.deque()
        self._unflushed: collections.deque[Unflushed] = collections.deque()
        self._invalid = Invalid()
        self._wake = asyncio.Event()
        self._finishing = False
        self._refused_size = 0  # the last message that did not fit; 0: none since one did
        self.counts: Tally[str] = Tally(dict.fromkeys(OUTCOMES, 0))
        for outcome in OUTCOMES:
            MESSAGES.labels(outcome)  # every outcome is exported, at 0 until it happens

    def open(self) -> int:
        """Open the spool and queue what the last run left unstored; returns how many."""
        for segment, body in self.spool.open():
            record = _decode(body)
            accepted = self._check(record.device_id, record.payload, record.received_at)
            if accepted is None:
                self.spool.release(segment, len(body))
            else:
                self.waiting.append(Held(accepted, segment, len(body)))
        if self.waiting:
            logger.info("replaying %d spooled telemetry messages", len(self.waiting))
            self._wake.set()
        return len(self.waiting)

    def close(self) -> None:
        """Close the spool; what is still in it is stored after the next start."""
        self.spool.close()

    @property
    def full(self) -> bool:
        """A message was refused for want of room, and there is still no room for it."""
        return bool(self._refused_size) and not self.spool.has_room(self._refused_size)

    def _count(self, outcome: str, n: int = 1) -> None:
        self.counts[outcome] += n
        MESSAGES.labels(outcome).inc(n)

    def _check(self, device_id: uuid.UUID, payload: bytes, at: datetime) -> Accepted | None:
        """The parsed message, or None (counted, and noted for the device) when invalid."""
        try:
            telemetry = parse(
                payload, received_at=at, max_skew=self._max_skew, ranges=self._config.ranges
            )
        except InvalidTelemetry as exc:
            self.refuse(device_id, str(exc))
            return None
        return Accepted(device_id, payload, at, telemetry)

    def refuse(self, device_id: uuid.UUID, reason: str) -> None:
        """Count a message of the device that is not stored (`invalid`), noted on its row."""
        self._invalid.add(device_id, reason)
        self._count("invalid")
        self._wake.set()

    def keep(self, device_id: uuid.UUID, payload: bytes, settled: Settled | None) -> bool:
        """Take a message to store; False when the spool cannot take it (do not acknowledge).

        An invalid message is refused for good (counted) and may be acknowledged at once. A
        valid one goes to the spool, and `settled` is told once its group is fsynced, or failed.
        """
        self._seen(device_id)
        received_at = datetime.now(UTC)
        accepted = self._check(device_id, payload, received_at)
        if accepted is None:
            if settled is not None:
                settled(True)
            return True
        body = _encode(SpoolRecord(device_id, received_at, payload))
        try:
            self.spool.append(body, (accepted, settled))
        except SpoolFull as exc:
            if not self._refused_size:
                logger.warning("%s: telemetry is not acknowledged until it drains", exc)
            self._refused_size = len(body)
            self._count("refused")
            return False
        self._refused_size = 0
        return True

    async def accept(self, device_id: uuid.UUID, payload: bytes) -> bool:
        """Whether the message may be acknowledged, once `keep` settled it (QoS 2's flow)."""
        settled: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if not self.keep(device_id, payload, lambda durable: _settle(settled, durable)):
            return False
        return await settled

    def _spooled(
        self, segment: int, group: list[tuple[tuple[Accepted, Settled | None], int]]
    ) -> None:
        self.waiting.extend(Held(accepted, segment, size) for (accepted, _), size in group)
        self._wake.set()
        for (_, settled), _ in group:
            if settled is not None:
                settled(True)

    def _not_spooled(self, items: list[tuple[Accepted, Settled | None]], exc: OSError) -> None:
        logger.error("writing the telemetry spool failed (%s): %d messages", exc, len(items))
        self._count("refused", len(items))
        for _, settled in items:
            if settled is not None:
                settled(False)

    async def run(self) -> None:
        """Write batches until `finish` is called and everything spooled before it is stored."""
        failures = 0
        while True:
            await self._woken()
            self._wake.clear()
            while self.waiting or self._invalid.counts:
                if len(self.waiting) < self._config.batch_size // 8 and not self._finishing:
                    # A few messages wait a moment for more: fewer, fuller transactions leave
                    # the loop and CPU to the broker. Under load a batch fills during the
                    # previous write, and waiting would only slow the writer down.
                    await asyncio.sleep(LINGER_SECONDS)
                batch = list(itertools.islice(self.waiting, self._config.batch_size))
                try:
                    await self._write(batch)
                except Exception as exc:
                    self._count("failed", len(batch))
                    wait = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                    failures += 1
                    logger.warning(
                        "storing %d telemetry messages failed (%s); they stay in the spool, "
                        "retrying in %ss",
                        len(batch),
                        exc,
                        wait,
                    )
                    if self._finishing:
                        return  # stopping: the spool keeps them for the next start
                    await asyncio.sleep(wait)
                    continue
                failures = 0
                await self._release_flushed()
            await self._release_flushed()
            if self._finishing:
                return

    async def _woken(self) -> None:
        """Wait for work, or until the oldest unflushed batch is due to be released."""
        if not self._unflushed:
            await self._wake.wait()
            return
        due = self._unflushed[0].at + FLUSH_SECONDS - time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), max(due, 0))

    async def _release_flushed(self) -> None:
        """Release what the WAL has once it is due (always when finishing) by flushing the WAL.

        A batch committed by an earlier server run (PostgreSQL restarted since, and may have
        lost it) is written again instead: its idempotency key makes that harmless.
        """
        if not self._unflushed:
            return
        if not self._finishing and time.monotonic() - self._unflushed[0].at < FLUSH_SECONDS:
            return
        try:
            server = await self._store.flush_wal()
        except Exception as exc:
            logger.warning("flushing PostgreSQL's WAL failed (%s); the spool keeps it all", exc)
            if not self._finishing:
                await asyncio.sleep(RETRY_SECONDS[-1])
            return
        while self._unflushed:
            batch = self._unflushed.popleft()
            if batch.server == server:
                self._release(batch.held)
            else:
                self.waiting.extendleft(reversed(batch.held))
                self._wake.set()

    async def finish(self) -> None:
        """Ask the writer to stop once what is spooled now is stored (the broker has stopped)."""
        await self.spool.settle()
        self._finishing = True
        self._wake.set()

    async def _write(self, batch: list[Held]) -> None:
        invalid, self._invalid = self._invalid, Invalid()
        try:
            messages = [h.message for h in batch]
            written = await write(self._db, self._store, self._alerts, messages, invalid)
        except BaseException:
            self._invalid.merge(invalid)
            raise
        held = [self.waiting.popleft() for _ in batch]
        if written.server is None:
            self._release(held)
        else:
            self._unflushed.append(Unflushed(written.server, time.monotonic(), held))
        self._count("stored", written.stored)
        self._count("duplicate", written.duplicate)
        self._count("unknown_device", written.unknown_device)
        READINGS.inc(written.readings)

    def _release(self, held: list[Held]) -> None:
        for message in held:
            self.spool.release(message.segment, message.size)


def _settle(future: "asyncio.Future[bool]", durable: bool) -> None:
    if not future.done():  # not cancelled: its client is still waiting
        future.set_result(durable)
