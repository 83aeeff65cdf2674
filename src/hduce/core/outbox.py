"""The outbox relay: hands committed events to their tasks and to NATS, exactly once per row."""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol

import asyncpg
import msgspec

from hduce.core.config import OutboxSettings
from hduce.core.db import Database
from hduce.core.pool_reset import session_unchanged

logger = logging.getLogger("hduce.outbox")

NOTIFY_CHANNEL = "hduce_outbox"
DISPATCH_CONCURRENCY = 32
RETRY_MAX_SECONDS = 2.0
"""Longest wait between failed cycles: resumes within seconds of the database or NATS returning."""
CLAIM_DUE = """
    SELECT id, name, payload::text AS payload, created_at
    FROM outbox
    WHERE dispatched_at IS NULL AND available_at <= now()
    ORDER BY available_at, id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
"""
NEXT_DUE = "SELECT min(available_at) FROM outbox WHERE dispatched_at IS NULL"
MARK_DISPATCHED = """
    WITH dispatched AS (
        UPDATE outbox SET dispatched_at = now(), attempts = attempts + 1 WHERE id = ANY($1)
    )
    SELECT min(available_at) FROM outbox WHERE dispatched_at IS NULL AND id <> ALL($1)
"""
"""Marks a batch dispatched and reads the next due time (the statement's snapshot still shows
the batch undispatched, hence `id <> ALL`)."""
BACKLOG = """
    SELECT count(*) AS backlog, extract(epoch FROM now() - min(available_at)) AS oldest_age
    FROM outbox WHERE dispatched_at IS NULL AND available_at <= now()
"""


class DispatchFailed(RuntimeError):
    """Some due rows could not be handed to NATS; they stay due and are retried."""


class OutboxRow(msgspec.Struct, frozen=True):
    """One claimed outbox row."""

    id: Any
    name: str
    payload: bytes
    created_at: datetime


class RelayedBatch(NamedTuple):
    """What one batch left: whether more rows may be due now, and the next due time if read."""

    more: bool
    """A full batch went out without failures, so more rows may wait."""
    next_due: datetime | None
    """When the next undispatched row is due, if `due_read`; None: no row is left."""
    due_read: bool
    """The statement that marked the batch dispatched read `next_due` (it ran)."""


class Dispatcher(Protocol):
    """Sends one event row to its subscribers; raises if it could not."""

    async def dispatch(self, row: OutboxRow) -> None:
        """Deliver the row to every subscriber and outside consumer."""


class OutboxBacklog(msgspec.Struct, frozen=True):
    """Events due but not yet dispatched, and how long the oldest has waited."""

    backlog: int
    oldest_age_seconds: float


async def outbox_backlog(db: Database) -> OutboxBacklog:
    """Measure the relay's backlog (inside the caller's transaction when there is one)."""
    row = await db.fetchrow(BACKLOG)
    return OutboxBacklog(int(row["backlog"]), float(row["oldest_age"] or 0.0))


class OutboxRelay:
    """Claims due rows `FOR UPDATE SKIP LOCKED`, woken by `LISTEN/NOTIFY`, polling as fallback."""

    def __init__(
        self, pool: asyncpg.Pool, dsn: str, dispatcher: Dispatcher, settings: OutboxSettings
    ) -> None:
        self._pool = pool
        self._dsn = dsn
        self._dispatcher = dispatcher
        self._settings = settings
        self._wake = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._last_purge = 0.0
        self._concurrency = asyncio.Semaphore(DISPATCH_CONCURRENCY)
        self._undelivered = 0

    async def run(self, beat: Callable[[], None] = lambda: None) -> None:
        """Relay until cancelled, surviving any error; `beat` is called after each clean cycle."""
        failures = 0
        try:
            while True:
                try:
                    await self._cycle()
                except Exception as exc:
                    # Nothing may end the relay: a database restart or a bug in one row must not
                    # freeze every later event. The supervisor's stall clock reports it meanwhile.
                    failures += 1
                    delay = min(2.0 ** (failures - 1), RETRY_MAX_SECONDS)
                    logger.warning("outbox relay: cycle failed, retrying in %.0fs: %r", delay, exc)
                    await asyncio.sleep(delay)
                else:
                    failures = 0
                    beat()
        finally:
            await self._close_listener()

    async def _cycle(self) -> None:
        """Dispatch every due row, then wait for the next one (or a wake-up) and purge old rows."""
        await self._ensure_listener()
        batch = await self.relay_once()
        while batch.more:
            batch = await self.relay_once()
        await self._sleep_until_due(batch)
        await self._purge_if_due()
        if self._undelivered:
            raise DispatchFailed(f"{self._undelivered} due events could not be dispatched")

    async def relay_once(self) -> RelayedBatch:
        """Dispatch one batch of due rows."""
        next_due = None
        connection = await self._pool.acquire()
        try:
            async with connection.transaction():
                records = await connection.fetch(CLAIM_DUE, self._settings.batch_size)
                rows = [
                    OutboxRow(r["id"], r["name"], r["payload"].encode(), r["created_at"])
                    for r in records
                ]
                # Concurrent, because each dispatch waits for JetStream acks; a row is marked
                # dispatched only once all of its own acks came back.
                errors = await asyncio.gather(*(self._dispatch(row) for row in rows))
                done = [row.id for row, error in zip(rows, errors, strict=True) if error is None]
                failed = [(row.id, error) for row, error in zip(rows, errors, strict=True) if error]
                if done:
                    next_due = await connection.fetchval(MARK_DISPATCHED, done)
                if failed:
                    await connection.executemany(
                        "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1",
                        failed,
                    )
        finally:
            # Ended by COMMIT or ROLLBACK, nothing of the session outlives the batch: the
            # connection goes back without asyncpg's reset query (a round trip per batch).
            with session_unchanged():
                await self._pool.release(connection)
        self._undelivered = len(failed)
        more = not failed and len(rows) == self._settings.batch_size
        return RelayedBatch(more=more, next_due=next_due, due_read=bool(done))

    async def _dispatch(self, row: OutboxRow) -> str | None:
        async with self._concurrency:
            try:
                await self._dispatcher.dispatch(row)
            except Exception as exc:
                logger.warning("outbox relay: cannot dispatch %s %s yet: %s", row.name, row.id, exc)
                return repr(exc)[:2000]
        return None

    async def _sleep_until_due(self, batch: RelayedBatch) -> None:
        """Wait for the next due row, a wake-up (a new row's NOTIFY) or the poll interval."""
        timeout = float(self._settings.poll_interval)
        next_due = batch.next_due
        if not batch.due_read:
            with session_unchanged():  # a plain read
                next_due = await self._pool.fetchval(NEXT_DUE)
        if next_due is not None:
            timeout = min(timeout, max(0.0, (next_due - datetime.now(UTC)).total_seconds()))
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._wake.wait()
        self._wake.clear()

    async def _ensure_listener(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        try:
            self._listener = await asyncpg.connect(self._dsn)
            await self._listener.add_listener(NOTIFY_CHANNEL, self._on_notify)
        except (OSError, asyncpg.PostgresError) as exc:
            self._listener = None
            logger.warning("outbox relay: LISTEN unavailable, polling only: %s", exc)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _close_listener(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._listener.close(timeout=2))
            self._listener = None

    async def _purge_if_due(self) -> None:
        loop_time = asyncio.get_running_loop().time()
        if loop_time - self._last_purge < 3600:
            return
        self._last_purge = loop_time
        with session_unchanged():  # one statement
            await self._pool.execute(
                "DELETE FROM outbox WHERE dispatched_at < now() - make_interval(secs => $1)",
                float(self._settings.retention),
            )
