"""Outbox → relay → TaskIQ over JetStream, against the real PostgreSQL and nats-server."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec
import nats
import pytest

from hduce.bootstrap import build_context, setup_plugins
from hduce.core.config import Settings
from hduce.core.context import AppContext
from hduce.core.db import open_database
from hduce.core.lifecycle import background_services, running_broker
from tests.support.probe import PROBE_TABLES, ProbePlugin, ProbeRequested


def isolated(settings: Settings) -> Settings:
    """Settings with a stream and consumer of their own, so tests never share task messages."""
    suffix = uuid.uuid4().hex[:8]
    nats_settings = msgspec.structs.replace(
        settings.nats,
        tasks_stream=f"T_{suffix}",
        tasks_subject=f"hduce.test.{suffix}",
        durable=f"d_{suffix}",
        retry_backoff=0.2,
        max_attempts=3,
    )
    return msgspec.structs.replace(settings, nats=nats_settings)


@pytest.fixture
async def running(settings: Settings, raw_pool: asyncpg.Pool) -> AsyncIterator[AppContext]:
    """A context with the probe plugin, its pool, broker, relay and receiver running."""
    await raw_pool.execute(PROBE_TABLES)
    await raw_pool.execute("DELETE FROM outbox WHERE dispatched_at IS NULL")
    context = build_context(isolated(settings), "web", settings.database.url, settings.nats.url)
    setup_plugins(context, [ProbePlugin()])
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(open_database(context.db, context.settings.database))
        await stack.enter_async_context(running_broker(context))
        await stack.enter_async_context(background_services(context, relay=True, receiver=True))
        yield context


async def wait_for_effect(pool: asyncpg.Pool, label: str, timeout: float = 10) -> asyncpg.Record:
    """Poll until the probe's effect for `label` exists."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        row = await pool.fetchrow("SELECT * FROM probe_effect WHERE label = $1", label)
        if row is not None:
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"probe {label!r} never ran")


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
    assert await raw_pool.fetchval("SELECT count(*) FROM probe_attempt WHERE label = $1", rolled_back) == 0
    assert await raw_pool.fetchval("SELECT count(*) FROM outbox WHERE payload->>'label' = $1", rolled_back) == 0


async def test_scheduled_event_waits_for_its_time(running: AppContext, raw_pool: asyncpg.Pool) -> None:
    name = label()
    due = datetime.now(UTC) + timedelta(seconds=2)
    await running.events.publish(ProbeRequested(label=name), at=due)

    await asyncio.sleep(1)
    assert await raw_pool.fetchval("SELECT count(*) FROM probe_attempt WHERE label = $1", name) == 0
    effect = await wait_for_effect(raw_pool, name)
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


async def test_failing_task_is_retried_until_it_succeeds(running: AppContext, raw_pool: asyncpg.Pool) -> None:
    name = label()
    await running.events.publish(ProbeRequested(label=name, fail_times=2))
    await wait_for_effect(raw_pool, name)
    assert await raw_pool.fetchval("SELECT count(*) FROM probe_attempt WHERE label = $1", name) == 3


async def test_task_failing_every_attempt_is_dead_lettered(running: AppContext, raw_pool: asyncpg.Pool) -> None:
    name = label()
    event_id = await running.events.publish(ProbeRequested(label=name, fail_times=99))
    deadline = asyncio.get_running_loop().time() + 10
    row = None
    while row is None and asyncio.get_running_loop().time() < deadline:
        row = await raw_pool.fetchrow(
            "SELECT * FROM dead_letter WHERE task_name = 'probe.record' AND message->'args'->>0 = $1",
            str(event_id),
        )
        await asyncio.sleep(0.1)
    assert row is not None, "no dead letter was recorded"
    assert row["attempts"] == 3
    assert "fails on purpose" in row["error"]
    assert await raw_pool.fetchval("SELECT count(*) FROM probe_effect WHERE label = $1", name) == 0
