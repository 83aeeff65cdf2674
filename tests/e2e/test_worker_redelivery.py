"""`hduce worker` as a real process, SIGKILLed mid-task: task redelivered, its effect once."""

import uuid
from pathlib import Path

import asyncpg

from hduce.core.config import Settings
from tests.support.context import (
    isolated,
    isolated_env,
    running_context,
    wait_for_effect,
    wait_for_row,
)
from tests.support.probe import PROBE_TABLES, ProbePlugin, ProbeRequested
from tests.support.processes import hduce_env, hduce_process


def worker_env(settings: Settings) -> dict[str, str]:
    return hduce_env(
        DATABASE_URL=settings.database.url,
        HDUCE_NATS__URL=settings.nats.url,
        HDUCE_NATS__ACK_WAIT="3s",
        HDUCE_PLUGINS__EXTRA='["tests.support.probe:ProbePlugin"]',
        **isolated_env(settings),
    )


async def test_killed_worker_task_is_redelivered_and_completes_once(
    settings: Settings, raw_pool: asyncpg.Pool, tmp_path: Path
) -> None:
    await raw_pool.execute(PROBE_TABLES)
    test_settings = isolated(settings, ack_wait=3.0)
    env = worker_env(test_settings)
    label = uuid.uuid4().hex
    async with running_context(test_settings, [ProbePlugin()], receiver=False) as context:
        with hduce_process(
            ["worker", "--concurrency", "2"], env, tmp_path / "worker1.log"
        ) as first:
            await context.events.publish(ProbeRequested(label=label, seconds=4.0))
            await wait_for_row(
                raw_pool, "SELECT 1 FROM probe_attempt WHERE label = $1", label, timeout=30
            )
            first.kill()
            first.wait(timeout=10)
        assert (
            await raw_pool.fetchval("SELECT count(*) FROM probe_effect WHERE label = $1", label)
            == 0
        )

        with hduce_process(["worker"], env, tmp_path / "worker2.log"):
            effect = await wait_for_effect(raw_pool, label, timeout=30)

    assert effect["label"] == label
    assert await raw_pool.fetchval("SELECT count(*) FROM probe_effect WHERE label = $1", label) == 1
    assert (
        await raw_pool.fetchval("SELECT count(*) FROM probe_attempt WHERE label = $1", label) == 2
    )


async def test_two_workers_share_the_durable_consumer(
    settings: Settings, raw_pool: asyncpg.Pool, tmp_path: Path
) -> None:
    await raw_pool.execute(PROBE_TABLES)
    test_settings = isolated(settings)
    env = worker_env(test_settings)
    labels = [uuid.uuid4().hex for _ in range(20)]
    async with running_context(test_settings, [ProbePlugin()], receiver=False) as context:
        with (
            hduce_process(["worker"], env, tmp_path / "a.log"),
            hduce_process(["worker"], env, tmp_path / "b.log"),
        ):
            async with context.db.transaction():
                for label in labels:
                    await context.events.publish(ProbeRequested(label=label, seconds=0.2))
            for label in labels:
                await wait_for_effect(raw_pool, label, timeout=30)

    attempts = await raw_pool.fetchval(
        "SELECT count(*) FROM probe_attempt WHERE label = ANY($1)", labels
    )
    assert attempts == len(labels)
