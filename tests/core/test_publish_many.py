"""`EventBus.publish_many`: several events in one statement of the caller's transaction."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec
import pytest

from hduce.core.config import Settings
from hduce.core.db import open_database
from hduce.core.events import Event, EventBus
from hduce.core.tables import Outbox
from hduce.piccolo_conf import DB


class Pinged(Event, frozen=True):
    """A test event."""

    name = "test.pinged"
    n: int


@pytest.fixture
async def bus(settings: Settings) -> AsyncIterator[EventBus]:
    """An event bus over the shared engine, its pool open."""
    DB.configure(settings.database.url)
    async with open_database(DB, settings.database):
        yield EventBus(DB)


async def test_events_are_written_in_order_with_their_due_times(
    bus: EventBus, raw_pool: asyncpg.Pool
) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    async with DB.transaction():
        ids = await bus.publish_many([(Pinged(n=0), None), (Pinged(n=1), later)])
    rows = await raw_pool.fetch(
        "SELECT id, name, payload::text AS payload, available_at FROM outbox "
        "WHERE id = ANY($1::uuid[])",
        ids,
    )
    by_id = {row["id"]: row for row in rows}
    assert [msgspec.json.decode(by_id[i]["payload"])["n"] for i in ids] == [0, 1]
    assert {row["name"] for row in rows} == {"test.pinged"}
    assert by_id[ids[0]]["available_at"] < later
    assert by_id[ids[1]]["available_at"] == later


async def test_a_naive_time_writes_nothing_and_no_events_need_no_statement(
    bus: EventBus, raw_pool: asyncpg.Pool
) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await bus.publish_many([(Pinged(n=2), None), (Pinged(n=3), datetime(2030, 1, 1))])
    assert await bus.publish_many([]) == []
    written = await raw_pool.fetchval(
        "SELECT count(*) FROM outbox WHERE name = 'test.pinged' AND payload->>'n' IN ('2', '3')"
    )
    assert written == 0


async def test_ids_chosen_beforehand_are_the_first_events_ids(
    bus: EventBus, raw_pool: asyncpg.Pool
) -> None:
    chosen = uuid.uuid4()
    async with DB.transaction():
        ids = await bus.publish_many([(Pinged(n=4), None), (Pinged(n=5), None)], ids=[chosen])
    assert ids[0] == chosen and ids[1] != chosen
    rows = await raw_pool.fetch("SELECT id, payload->>'n' AS n FROM outbox WHERE id = ANY($1)", ids)
    assert {row["id"]: row["n"] for row in rows} == {chosen: "4", ids[1]: "5"}


async def test_a_batch_writes_its_events_in_one_statement_as_it_ends(bus: EventBus) -> None:
    count = "SELECT count(*) AS n FROM outbox WHERE id = ANY({})"
    async with DB.transaction():
        async with bus.batched():
            first = await bus.publish(Pinged(n=6))
            async with bus.batched():  # joins the outer batch
                rest = await bus.publish_many([(Pinged(n=7), None), (Pinged(n=8), None)])
            assert await bus.cancel(rest[1])  # still pending: taken out of the batch
            written = await Outbox.raw(count, [first, *rest])
            assert written == [{"n": 0}]
        written = await Outbox.raw(count, [first, *rest])
    assert written == [{"n": 2}]


async def test_a_batch_that_raises_writes_nothing(bus: EventBus, raw_pool: asyncpg.Pool) -> None:
    ids: list[uuid.UUID] = []
    with pytest.raises(RuntimeError):
        async with bus.batched():
            ids.append(await bus.publish(Pinged(n=9)))
            raise RuntimeError("the caller's work failed")
    assert await raw_pool.fetchval("SELECT count(*) FROM outbox WHERE id = $1", ids[0]) == 0


async def test_events_are_withdrawn_in_one_statement(bus: EventBus) -> None:
    async with DB.transaction():
        ids = await bus.publish_many([(Pinged(n=10), None), (Pinged(n=11), None)])
        assert await bus.cancel_many([*ids, uuid.uuid4()]) == 2
        assert await Outbox.raw("SELECT count(*) AS n FROM outbox WHERE id = ANY({})", ids) == [
            {"n": 0}
        ]
