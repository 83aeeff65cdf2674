"""Raw reads on the shared pool or in the current transaction, and rows made into structs."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from enum import StrEnum

import msgspec
import pytest

from hduce.core.config import DatabaseSettings, Settings
from hduce.core.db import HduceEngine, open_database
from hduce.core.pool_reset import release_is_local, session_unchanged
from hduce.core.schemas import Read
from hduce.piccolo_conf import DB

SETTING = "SELECT current_setting('hduce.probe', true) AS value"


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[HduceEngine]:
    """The engine with its pool open."""
    DB.configure(settings.database.url)
    async with open_database(DB, settings.database):
        yield DB


async def test_fetchrow_reads_inside_the_current_transaction(db: HduceEngine) -> None:
    async with db.transaction():
        await db.run_ddl("SELECT set_config('hduce.probe', 'inside', true)")
        row = await db.fetchrow(SETTING)
        assert row is not None and row["value"] == "inside"
    row = await db.fetchrow(SETTING)
    assert row is not None and not row["value"]
    assert await db.fetchrow("SELECT 1 AS one WHERE false") is None


async def test_a_second_pool_on_the_engine_is_refused_and_the_first_kept(db: HduceEngine) -> None:
    # A second app in the process would replace the pool under the first (across event loops).
    first = db.shared_pool
    with pytest.raises(RuntimeError, match="one app per process"):
        async with open_database(db, DatabaseSettings()):
            pass
    assert db.shared_pool is first
    assert await db.fetchval("SELECT 1") == 1


async def test_only_plain_reads_skip_the_pool_reset(settings: Settings) -> None:
    one_connection = msgspec.structs.replace(settings.database, pool_min_size=1, pool_max_size=1)
    engine = HduceEngine()
    engine.configure(settings.database.url)
    async with open_database(engine, one_connection):
        pool = engine.shared_pool
        # Any other use of a pooled connection is reset before the next one gets it.
        await pool.execute("SELECT set_config('hduce.probe', 'other use', false)")
        row = await engine.fetchrow(SETTING)
        assert row is not None and not row["value"]
        # `fetchrow` promises a plain read, so its connection goes back as it is (this query
        # breaks that promise on purpose, to show that no reset query ran)...
        await engine.fetchrow("SELECT set_config('hduce.probe', 'kept', false) AS value")
        row = await pool.fetchrow(SETTING)
        assert row is not None and row["value"] == "kept"
        # ...and the next use other than `fetchrow` is reset again.
        row = await engine.fetchrow(SETTING)
        assert row is not None and not row["value"]


async def test_a_transaction_that_ended_goes_back_without_the_reset(settings: Settings) -> None:
    one_connection = msgspec.structs.replace(settings.database, pool_min_size=1, pool_max_size=1)
    engine = HduceEngine()
    engine.configure(settings.database.url)
    async with open_database(engine, one_connection):
        # COMMIT or ROLLBACK ended everything a transaction may do (locks are `xact` ones,
        # settings `SET LOCAL`): this session-wide setting breaks that rule on purpose, to
        # show that the connection went back without asyncpg's reset query (a round trip).
        async with engine.transaction():
            await engine.execute("SELECT set_config('hduce.probe', 'committed', false)")
        row = await engine.fetchrow(SETTING)
        assert row is not None and row["value"] == "committed"
        with pytest.raises(LookupError):
            async with engine.transaction():
                await engine.execute("SELECT set_config('hduce.probe', 'rolled back', false)")
                raise LookupError("the block failed: rolled back")
        # A rolled-back session-wide setting is undone by the ROLLBACK itself.
        row = await engine.fetchrow(SETTING)
        assert row is not None and row["value"] == "committed"


async def test_only_a_release_that_sends_nothing_goes_without_its_deadline(db: HduceEngine) -> None:
    async with db.shared_pool.acquire() as connection:
        raw = connection._con
        assert not release_is_local(raw)  # a use of the pool that may have changed the session
        with session_unchanged():
            assert release_is_local(raw)  # nothing to roll back, cancel or reset
            transaction = connection.transaction()
            await transaction.start()
            assert not release_is_local(raw)  # the release would send a ROLLBACK
            await transaction.rollback()
            assert release_is_local(raw)


class Status(StrEnum):
    """Two states of a visit."""

    BOOKED = "booked"
    CANCELLED = "cancelled"


class Visit(Read):
    """A read struct: text becomes an enum, extra columns are ignored."""

    id: int
    status: Status
    note: str | None


async def test_from_rows_converts_records_and_dicts_like_from_row(db: HduceEngine) -> None:
    records = await db.fetch(
        "SELECT * FROM (VALUES (1, 'booked', NULL, 7), (2, 'cancelled', 'x', 7))"
        " AS v(id, status, note, total)"
    )
    expected = [Visit.from_row(record) for record in records]
    assert expected == [
        Visit(id=1, status=Status.BOOKED, note=None),
        Visit(2, Status.CANCELLED, "x"),
    ]
    assert Visit.from_rows(records) == expected
    assert Visit.from_rows([dict(record) for record in records]) == expected
    assert Visit.from_rows([]) == []
    with pytest.raises(msgspec.ValidationError, match="status"):
        Visit.from_rows([{"id": 3, "status": "lost", "note": None}])


@pytest.mark.parametrize("cancels", [1, 2])
async def test_a_cancelled_statement_gives_its_connection_back(
    settings: Settings, cancels: int
) -> None:
    one_connection = msgspec.structs.replace(settings.database, pool_min_size=1, pool_max_size=1)
    engine = HduceEngine()
    engine.configure(settings.database.url)
    async with open_database(engine, one_connection):
        for statement in (engine.fetchval, _in_transaction(engine)):
            task = asyncio.create_task(statement("SELECT pg_sleep(30)"))
            await asyncio.sleep(0.3)
            for _ in range(cancels):  # the second lands while the release waits for the first
                task.cancel()
                await asyncio.sleep(0)
            with pytest.raises(asyncio.CancelledError):
                await task
            async with asyncio.timeout(10):
                assert await engine.fetchval("SELECT 1") == 1


def _in_transaction(engine: HduceEngine) -> Callable[[str], Awaitable[object]]:
    async def fetchval(query: str) -> object:
        async with engine.transaction():
            return await engine.fetchval(query)

    return fetchval
