"""Outbox → relay → TaskIQ over JetStream, against the real PostgreSQL and nats-server."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec
import nats
import pytest

from hduce.core.config import Settings
from hduce.core.context import AppContext
from hduce.core.dispatch import TaskDispatcher
from hduce.core.outbox import OutboxRelay
from tests.plugins.appointments.statements import statements_of
from tests.support.context import isolated, running_context, wait_for_effect, wait_for_row
from tests.support.probe import PROBE_TABLES, ProbePlugin, ProbeRequested


@pytest.fixture
async def running(settings: Settings, raw_pool: asyncpg.Pool) -> AsyncIterator[AppContext]:
    """A context with the probe plugin, its pool, broker, relay and receiver running."""
    await raw_pool.execute(PROBE_TABLES)
    test_settings = isolated(settings, retry_backoff=0.2, max_attempts=3)
    async with running_context(test_settings, [ProbePlugin()]) as context:
        yield context


POOL_RESET = "SELECT pg_advisory_unlock_all()"
HOURLY_PURGE = "DELETE FROM outbox WHERE dispatched_at <"


def label() -> str:
    return uuid.uuid4().hex


async def test_committed_event_reaches_its_task_and_rolled_back_never(
    running: AppContext, raw_pool: asyncpg.Pool
) -> None:
    rolled_back, committed = label(), label()
    with pytest.raises(RuntimeError):
        async with running.db.transaction():
            await running.events.publish(ProbeRequested(label=rolled_back))
            raise RuntimeError("abort the transaction")
    async with running.db.transaction():
        await running.events.publish(ProbeRequested(label=committed))

    await wait_for_effect(raw_pool, committed)
    assert (
        await raw_pool.fetchval("SELECT count(*) FROM probe_attempt WHERE label = $1", rolled_back)
        == 0
    )
    assert (
        await raw_pool.fetchval(
            "SELECT count(*) FROM outbox WHERE payload->>'label' = $1", rolled_back
        )
        == 0
    )


async def test_scheduled_event_waits_for_its_time(
    running: AppContext, raw_pool: asyncpg.Pool
) -> None:
    name = label()
    due = datetime.now(UTC) + timedelta(seconds=2)
    await running.events.publish(ProbeRequested(label=name), at=due)

    effect = await wait_for_effect(raw_pool, name)
    # No attempt before its time (timestamps, not a sleep: a loaded machine may outsleep `due`).
    first = await raw_pool.fetchval("SELECT min(at) FROM probe_attempt WHERE label = $1", name)
    assert first >= due
    assert effect["at"] >= due


async def test_event_is_published_on_nats_with_its_outbox_id(running: AppContext) -> None:
    client = await nats.connect(running.settings.nats.url)
    try:
        received: asyncio.Queue = asyncio.Queue()
        await client.subscribe("hduce.events.probe.requested", cb=received.put)
        name = label()
        event_id = await running.events.publish(ProbeRequested(label=name))
        while True:
            message = await asyncio.wait_for(received.get(), 10)
            if msgspec.json.decode(message.data)["label"] == name:
                break
        assert message.headers["Nats-Msg-Id"] == str(event_id)
    finally:
        await client.close()


async def test_failing_task_is_retried_until_it_succeeds(
    running: AppContext, raw_pool: asyncpg.Pool
) -> None:
    name = label()
    await running.events.publish(ProbeRequested(label=name, fail_times=2))
    await wait_for_effect(raw_pool, name)
    assert await raw_pool.fetchval("SELECT count(*) FROM probe_attempt WHERE label = $1", name) == 3


async def test_task_failing_every_attempt_is_dead_lettered(
    running: AppContext, raw_pool: asyncpg.Pool
) -> None:
    name = label()
    event_id = await running.events.publish(ProbeRequested(label=name, fail_times=99))
    row = await wait_for_row(
        raw_pool,
        "SELECT * FROM dead_letter WHERE task_name = 'probe.record' AND message->'args'->>0 = $1",
        str(event_id),
    )
    assert row["attempts"] == 3
    assert "fails on purpose" in row["error"]
    assert await raw_pool.fetchval("SELECT count(*) FROM probe_effect WHERE label = $1", name) == 0


async def test_shutdown_while_the_relay_is_busy_completes(
    settings: Settings, raw_pool: asyncpg.Pool
) -> None:
    await raw_pool.execute(PROBE_TABLES)
    payloads = [msgspec.json.encode({"label": label()}).decode() for _ in range(3000)]
    await raw_pool.executemany(
        "INSERT INTO outbox (id, name, payload) "
        "VALUES (gen_random_uuid(), 'bench.unsubscribed', $1)",
        [(p,) for p in payloads],
    )

    async def run_then_stop() -> None:
        async with running_context(isolated(settings), [ProbePlugin()]):
            await asyncio.sleep(0.5)  # the relay is mid-backlog now

    await asyncio.wait_for(run_then_stop(), timeout=60)
    async with running_context(isolated(settings), [ProbePlugin()]):
        await wait_for_row(
            raw_pool,
            "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE name = 'bench.unsubscribed' "
            "AND dispatched_at IS NULL)",
            timeout=60,
        )


async def test_cancelled_scheduled_event_never_runs_and_a_rolled_back_cancel_keeps_it(
    running: AppContext, raw_pool: asyncpg.Pool
) -> None:
    kept, withdrawn = label(), label()
    due = datetime.now(UTC) + timedelta(seconds=1)
    kept_id = await running.events.publish(ProbeRequested(label=kept), at=due)
    withdrawn_id = await running.events.publish(ProbeRequested(label=withdrawn), at=due)
    with pytest.raises(RuntimeError):
        async with running.db.transaction():
            assert await running.events.cancel(kept_id) is True
            raise RuntimeError("abort the transaction")
    async with running.db.transaction():
        assert await running.events.cancel(withdrawn_id) is True

    await wait_for_effect(raw_pool, kept)
    assert await running.events.cancel(kept_id) is False  # already dispatched
    assert await running.events.cancel(withdrawn_id) is False  # already gone
    assert (
        await raw_pool.fetchval("SELECT count(*) FROM probe_attempt WHERE label = $1", withdrawn)
        == 0
    )


async def test_a_relay_cycle_returns_its_connections_without_the_pool_reset(
    settings: Settings, raw_pool: asyncpg.Pool
) -> None:
    """A cycle that dispatches a row costs four statements and no pool reset.

    The claim transaction ends with COMMIT, so it leaves no session state and skips asyncpg's
    reset query; the next due time comes back from the statement marking the batch dispatched.
    Before: seven, two of them resets (of the ~20 statements a booking cost).
    """
    await raw_pool.execute(PROBE_TABLES)
    test_settings = isolated(settings)
    async with running_context(test_settings, [ProbePlugin()], relay=False) as context:
        async with context.db.transaction():
            await context.events.publish(ProbeRequested(label=label()))
        quick = msgspec.structs.replace(context.settings.outbox, poll_interval=0.01)
        dispatcher = TaskDispatcher(context.events, context.broker)
        relay = OutboxRelay(context.db.shared_pool, context.db.dsn, dispatcher, quick)

        async def one_cycle() -> None:
            try:
                await relay._cycle()  # one turn of the loop `run` repeats
            finally:
                await relay._close_listener()

        queries = await statements_of(context.db.shared_pool, one_cycle)
    assert [query for query, _ in queries if query.startswith(POOL_RESET)] == []
    # The batch, and the next due time read by the statement that marks it dispatched.
    cycle = [query for query, _ in queries if not query.startswith(HOURLY_PURGE)]
    assert [query.split()[0] for query in cycle] == ["BEGIN;", "SELECT", "WITH", "COMMIT;"]
    assert "UPDATE outbox SET dispatched_at" in cycle[2]
