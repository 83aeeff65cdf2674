"""The one PostgreSQL engine and asyncpg pool, shared by Piccolo and raw SQL."""

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import asyncpg
import msgspec
from piccolo.engine.postgres import PostgresEngine

from hduce.core.closing import close_or_drop
from hduce.core.config import DatabaseSettings
from hduce.core.config.masking import mask_url
from hduce.core.listener import Connected, HealingListener
from hduce.core.pool_reset import (
    abandoned,
    release_is_local,
    reset_unless_unchanged,
    session_unchanged,
)
from hduce.core.transactions import HealingTransaction

logger = logging.getLogger("hduce.db")


LONG_STATEMENT = 60.0
"""Statement timeout outside the web process: migrations and batch work may take a while."""


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached; the message names it with the password masked."""


class DeadlinePool(asyncpg.Pool):
    """A pool whose every acquire has a deadline and reports an unreachable database as such."""

    def __init__(self, *args: Any, acquire_timeout: float | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acquire_timeout = acquire_timeout

    async def _acquire(self, timeout: float | None) -> Any:  # noqa: ASYNC109 (asyncpg signature)
        # Piccolo and `pool.fetch*` acquire without a timeout: without one, a frozen database
        # would hold every request until the client gives up. With an open idle connection next
        # in the queue nothing waits, so the deadline and its timer are left out; the release
        # still gets its budget. A terminated one (a dropped connection) reconnects, which must
        # keep the deadline: `connect_timeout` is longer. The queue pops from the left.
        queue: Any = self._queue  # an asyncio.Queue of holders
        idle = timeout is None and queue.qsize() > 0 and queue._queue[0]._con is not None
        try:
            if idle:
                proxy = await super()._acquire(None)
                proxy._holder._timeout = self.acquire_timeout
                return proxy
            return await super()._acquire(self.acquire_timeout if timeout is None else timeout)
        except (OSError, TimeoutError, asyncpg.PostgresConnectionError) as exc:
            raise DatabaseUnavailable(f"the database is unavailable: {exc!r}") from exc
        except asyncpg.CannotConnectNowError as exc:
            raise DatabaseUnavailable(f"the database is starting or stopping: {exc}") from exc

    async def release(self, connection: Any, *, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Release as asyncpg does, awaited in place rather than in a shielded task.

        asyncpg shields the release so that a caller cancelled meanwhile still gets its
        connection reset and back. A plain read's release never suspends (no reset query:
        `hduce.core.pool_reset`), so nothing can cancel it; should a cancellation land in one
        that does, the holder terminates the connection, which also puts it back in the pool
        (it reconnects when next used). The task of the shield cost ~7 µs per statement.

        A connection whose statement timed out or was cancelled is terminated at once (no round
        trip): asyncpg would first wait, up to `acquire_timeout`, for the server to acknowledge
        the cancellation, which a frozen server never does.
        """
        holder = getattr(connection, "_holder", None)
        if holder is None or holder._pool is not self or connection._con is None:
            await super().release(connection, timeout=timeout)  # asyncpg's errors and no-ops
            return
        self._check_init()
        connection._con._on_release()
        if abandoned(connection._con):
            connection._con.terminate()  # gives the holder back; it reconnects when next used
            return
        if timeout is None and not release_is_local(connection._con):
            timeout = holder._timeout
        await holder.release(timeout)


class HduceEngine(PostgresEngine):
    """A Piccolo engine configured from `Settings` at run time, not at import."""

    def __init__(self) -> None:
        super().__init__(config={})

    async def check_version(self) -> None:
        """Skip Piccolo's import-time connection; the pool checks reachability instead."""

    async def prep_database(self) -> None:
        """Nothing to prepare: extensions come from migrations."""

    def transaction(self, allow_nested: bool = True) -> HealingTransaction:
        """A transaction that ends cleanly even when its connection dies."""
        return HealingTransaction(engine=self, allow_nested=allow_nested)

    def configure(self, dsn: str) -> None:
        """Point the engine (and later its pool) at `dsn`."""
        self.config = {"dsn": dsn}

    @property
    def dsn(self) -> str:
        """The DSN the engine was configured with."""
        return str(self.config.get("dsn", ""))

    async def open_pool(self, settings: DatabaseSettings, *, deadlines: bool) -> asyncpg.Pool:
        """Create the shared pool, failing with a clear message if the database is unreachable.

        With `deadlines` (the web process) a connection and a statement get the short waits of
        `settings`, so a request fails fast with 503; otherwise (migrations, CLI, `hduce worker`)
        statements may run long.
        """
        if self.pool is not None:  # a second app in this process would take over the first's
            raise RuntimeError("the database pool is already open: one app per process")
        acquire_timeout = float(settings.acquire_timeout) if deadlines else None
        statement_timeout = float(settings.statement_timeout) if deadlines else LONG_STATEMENT
        try:
            self.pool = await DeadlinePool(
                self.dsn,
                acquire_timeout=acquire_timeout,
                min_size=settings.pool_min_size,
                max_size=settings.pool_max_size,
                max_queries=50_000,
                max_inactive_connection_lifetime=300.0,
                connection_class=asyncpg.Connection,
                record_class=asyncpg.Record,
                loop=None,
                timeout=settings.connect_timeout,
                # The client-side deadline also covers a frozen server, which would never cancel.
                command_timeout=statement_timeout,
                reset=reset_unless_unchanged,
            )
        except (OSError, asyncpg.PostgresError, TimeoutError, DatabaseUnavailable) as exc:
            raise DatabaseUnavailable(
                f"cannot connect to the database at {mask_url(self.dsn)}: {exc}"
            ) from exc
        return self.pool

    async def close_pool(self) -> None:
        """Close the shared pool if it is open."""
        if self.pool is not None:
            pool, self.pool = self.pool, None
            await close_or_drop(pool, "closing the connection pool")

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        """One row of raw SQL with `$n` placeholders, or None; for hot paths.

        Runs in the current Piccolo transaction if there is one, else on the pool; unlike
        Piccolo's queries it builds no query objects and copies no rows into dicts. Outside a
        transaction the pooled connection goes back without asyncpg's reset query (a round
        trip), so `query` must not change session state (`SET`, `set_config(..., false)`,
        advisory locks, `LISTEN`); plain reads and single-statement writes are fine.
        """
        return await self._run("fetchrow", query, args)

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        """Every row of raw SQL with `$n` placeholders; the same rules as `fetchrow`."""
        return await self._run("fetch", query, args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        """The first column of the first row, or None; the same rules as `fetchrow`."""
        return await self._run("fetchval", query, args)

    async def execute(self, query: str, *args: Any) -> str:
        """Run one statement and return its status tag; the same rules as `fetchrow`."""
        return await self._run("execute", query, args)

    async def executemany(self, query: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per row of arguments (atomic), joining the current transaction."""
        transaction = self.current_transaction.get()
        if transaction is not None:
            await transaction.connection.executemany(query, rows)
            return
        async with self.shared_pool.acquire() as connection:
            await connection.executemany(query, rows)

    async def copy_records(
        self, table: str, records: Iterable[Sequence[Any]], *, columns: Sequence[str]
    ) -> None:
        """Bulk-insert `records` into `table` with COPY, joining the current transaction."""
        transaction = self.current_transaction.get()
        if transaction is not None:
            await transaction.connection.copy_records_to_table(
                table, records=records, columns=columns
            )
            return
        async with self.shared_pool.acquire() as connection:
            await connection.copy_records_to_table(table, records=records, columns=columns)

    async def _run(self, method: str, query: str, args: tuple[Any, ...]) -> Any:
        transaction = self.current_transaction.get()
        if transaction is not None:
            return await getattr(transaction.connection, method)(query, *args)
        with session_unchanged():
            return await getattr(self.shared_pool, method)(query, *args)

    @property
    def shared_pool(self) -> asyncpg.Pool:
        """The open pool; raises if the database lifespan has not started it."""
        if self.pool is None:
            raise RuntimeError("the database pool is not open")
        return self.pool


@asynccontextmanager
async def open_database(
    engine: HduceEngine, settings: DatabaseSettings, *, deadlines: bool = False
) -> AsyncIterator[Any]:
    """Open the pool for the duration of the block (`deadlines`: see `HduceEngine.open_pool`)."""
    pool = await engine.open_pool(settings, deadlines=deadlines)
    try:
        yield pool
    finally:
        await engine.close_pool()


class PoolStatus(msgspec.Struct, frozen=True):
    """How many connections the shared pool holds, idles and may open."""

    size: int
    idle: int
    max: int


class Database:
    """What plugins use of the database: every statement joins the caller's transaction.

    Outside a transaction a statement runs on its own pooled connection. The raw pool is not
    reachable from here on purpose: a query on it silently runs outside the caller's
    transaction, so it stays with core (`HduceEngine.shared_pool`).
    """

    def __init__(self, engine: HduceEngine) -> None:
        self._engine = engine

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        """Every row of raw SQL with `$n` placeholders."""
        return await self._engine.fetch(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        """The first row, or None."""
        return await self._engine.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        """The first column of the first row, or None."""
        return await self._engine.fetchval(query, *args)

    async def execute(self, query: str, *args: Any) -> str:
        """Run one statement; its status tag (e.g. `UPDATE 1`)."""
        return await self._engine.execute(query, *args)

    async def executemany(self, query: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per row of arguments."""
        await self._engine.executemany(query, rows)

    async def copy_records(
        self, table: str, records: Iterable[Sequence[Any]], *, columns: Sequence[str]
    ) -> None:
        """Bulk-insert `records` into `table` with COPY."""
        await self._engine.copy_records(table, records, columns=columns)

    def transaction(self) -> HealingTransaction:
        """A transaction (`async with`); statements inside it, Piccolo's included, join it.

        Nested, it joins the outer one (Piccolo's `allow_nested`).
        """
        return self._engine.transaction()

    def listening(
        self,
        channel: str,
        notified: Callable[[str], None],
        *,
        on_connected: Connected | None = None,
    ) -> AbstractAsyncContextManager[None]:
        """Call `notified(payload)` for each NOTIFY on `channel` while the block runs.

        The LISTEN holds a connection of its own (outside the pool); a lost one is re-opened in
        the background, and `on_connected` (run on every connection) lets the caller catch up.
        """
        return HealingListener(
            self._engine.dsn, channel, notified, on_connected=on_connected
        ).running()

    @property
    def in_transaction(self) -> bool:
        """Whether the caller is inside a transaction."""
        return self._engine.current_transaction.get() is not None

    def pool_status(self) -> PoolStatus:
        """The shared pool's connection counts (for health and metrics)."""
        pool = self._engine.shared_pool
        return PoolStatus(size=pool.get_size(), idle=pool.get_idle_size(), max=pool.get_max_size())
