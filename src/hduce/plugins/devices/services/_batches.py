"""The telemetry writer: spooled messages into PostgreSQL in batches.

Retried until the database is back; a message PostgreSQL refuses for a value it holds is set
aside instead, so it never stops the others.
"""

import asyncio
import collections
import contextlib
import itertools
import logging
import time
from collections import Counter as Tally

from prometheus_client import Counter

from hduce.core.db import Database
from hduce.plugins.devices.services._alert_rules import AlertRules
from hduce.plugins.devices.services._held import Held, Unflushed
from hduce.plugins.devices.services._spool import Spool
from hduce.plugins.devices.services._writer import Invalid, refused_for_its_data, write
from hduce.plugins.devices.store import TelemetryStore

logger = logging.getLogger("hduce.devices")

MESSAGES = Counter(
    "hduce_device_messages",
    "Telemetry messages by outcome: stored, duplicate (stored before), invalid, unknown_device, "
    "refused (spool full: not acknowledged), failed (a database write, retried) or rejected "
    "(acknowledged, then refused by the database for a value it cannot hold: set aside)",
    ["outcome"],
)
READINGS = Counter("hduce_device_readings", "Readings stored from device telemetry")
OUTCOMES = ("stored", "duplicate", "invalid", "unknown_device", "refused", "failed", "rejected")
RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0)
"""Waits between attempts while the database is unreachable (the last one repeats)."""
LINGER_SECONDS = 0.05
"""How long the writer lets a small batch (under 1/8 of `batch_size`) fill before writing it."""
FLUSH_SECONDS = 0.2
"""How long a batch committed without waiting for the WAL flush stays in the spool, at most
while the database answers, before the writer flushes the WAL itself and releases it."""


class BatchWriter:
    """Writes the spooled messages in `waiting` (and the invalid counts) in batches."""

    def __init__(
        self,
        db: Database,
        store: TelemetryStore,
        alerts: AlertRules,
        spool: Spool,
        batch_size: int,
        stuck_after: float,
    ) -> None:
        self._db = db
        self._store = store
        self._alerts = alerts
        self._batch_size = batch_size
        self._stuck_after = stuck_after
        self._working_since: float | None = None
        """When the writer last started on what waits, or stored a batch; None: idle."""
        self.spool = spool
        self.waiting: collections.deque[Held] = collections.deque()
        self._unflushed: collections.deque[Unflushed] = collections.deque()
        self._invalid = Invalid()
        self._wake = asyncio.Event()
        self._finishing = False
        self.failing = False  # the last attempt failed: nothing is stored until one succeeds
        self.counts: Tally[str] = Tally(dict.fromkeys(OUTCOMES, 0))
        for outcome in OUTCOMES:
            MESSAGES.labels(outcome)  # every outcome is exported, at 0 until it happens

    def _count(self, outcome: str, n: int = 1) -> None:
        self.counts[outcome] += n
        MESSAGES.labels(outcome).inc(n)

    async def run(self) -> None:
        """Write batches until `finish` is called and everything spooled before it is stored."""
        failures = 0
        while True:
            self._working_since = None
            await self._woken()
            self._wake.clear()
            self._working_since = time.monotonic()
            while self.waiting or self._invalid.counts:
                if len(self.waiting) < self._batch_size // 8 and not self._finishing:
                    # A few messages wait a moment for more: fewer, fuller transactions leave
                    # the loop and CPU to the broker. Under load a batch fills during the
                    # previous write, and waiting would only slow the writer down.
                    await asyncio.sleep(LINGER_SECONDS)
                batch = list(itertools.islice(self.waiting, self._batch_size))
                try:
                    await self._store_batch(batch)
                except Exception as exc:
                    self.failing = True
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
                failures, self.failing = 0, False
                self._working_since = time.monotonic()
                await self._release_flushed()
            await self._release_flushed()
            if self._finishing:
                return

    @property
    def stuck(self) -> bool:
        """Messages wait, and the writer has stored none for `stuck_after` seconds.

        A statement that never returns (a lock held for ever, a server that stopped answering
        within the statement deadline) raises nothing, so `failing` stays False meanwhile.
        """
        since = self._working_since
        return (
            bool(self.waiting)
            and since is not None
            and time.monotonic() - since > self._stuck_after
        )

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

    async def _store_batch(self, batch: list[Held]) -> None:
        """Write `batch`; if PostgreSQL refuses a value in it, write it apart to find which.

        The invalid counts go alone first, then each message; what is refused is set aside,
        the rest stored: one bad message never stops the others. Other errors are raised.
        """
        try:
            return await self._write(batch)
        except Exception as exc:
            if not refused_for_its_data(exc):
                raise
            logger.warning("PostgreSQL refused a batch (%s); writing it message by message", exc)
        for part in [[], *([held] for held in batch)]:
            try:
                await self._write(part)
            except Exception as exc:
                if not refused_for_its_data(exc):
                    raise
                self._set_aside(part, str(exc))

    def _set_aside(self, part: list[Held], reason: str) -> None:
        """Drop what PostgreSQL refused: the invalid counts, or a message.

        A message (the head of `waiting`) is released, counted `rejected`, logged and noted on
        its device.
        """
        if not part:
            logger.error("invalid-message counts dropped: PostgreSQL refused them (%s)", reason)
            self._invalid = Invalid()
            return
        self.waiting.popleft()
        self._release(part)
        self._count("rejected")
        device_id = part[0].message.device_id
        self._invalid.add(device_id, f"the database refused the message: {reason}")
        logger.error("a telemetry message of device %s was set aside: %s", device_id, reason)

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
