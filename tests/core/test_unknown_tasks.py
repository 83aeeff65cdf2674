"""A task this process does not know (its plugin disabled, not installed): waited for, kept."""

import asyncio
import uuid

import asyncpg
import nats
import pytest
from taskiq.kicker import AsyncKicker

from hduce.core.config import Settings
from hduce.core.context import AppContext
from hduce.core.plugin import HducePlugin
from hduce.core.tasks import TaskBroker
from tests.support.context import EVENTUALLY, isolated, running_context, wait_for_row

DEAD_LETTER_OF = "SELECT * FROM dead_letter WHERE task_id = $1"
RAW_DEAD_LETTER = "SELECT * FROM dead_letter WHERE message->>'raw' = $1"


async def kick(broker: TaskBroker, task_name: str) -> str:
    """Queue the task `task_name` by name, as a process that has it would; its task id."""
    return (await AsyncKicker(task_name, broker, {}).kiq()).task_id


def unknown_name() -> str:
    return f"gone.task_{uuid.uuid4().hex[:8]}"


async def test_a_task_no_process_knows_ends_in_dead_letter(
    settings: Settings, raw_pool: asyncpg.Pool
) -> None:
    """Regression: taskiq's receiver acknowledged it ("task ... is not found") and it was gone:
    no retry, no dead letter."""
    name = unknown_name()
    shared = isolated(settings, max_attempts=3, unknown_task_wait=0.2)
    async with running_context(shared, []) as context:
        task_id = await kick(context.broker, name)
        row = await wait_for_row(raw_pool, DEAD_LETTER_OF, task_id)
    assert row["task_name"] == name
    assert row["attempts"] == 3
    assert row["error"].startswith(f"no process knows task {name!r}")


class LatePlugin(HducePlugin):
    """Declares one task directly on the broker (a plugin enabled again, a newer worker)."""

    name = "late"

    def __init__(self, task_name: str) -> None:
        super().__init__()
        self.task_name = task_name
        self.runs = 0

    def setup(self, context: AppContext) -> None:
        super().setup(context)

        async def run() -> None:
            self.runs += 1

        context.broker.register_task(run, task_name=self.task_name)


async def test_a_task_waits_for_a_process_that_knows_it(
    settings: Settings, raw_pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    """The probe's case: a task queued, its plugin disabled before a worker ran it, then enabled."""
    name = unknown_name()
    shared = isolated(settings, max_attempts=5, unknown_task_wait=1)
    async with running_context(shared, []) as unaware:
        task_id = await kick(unaware.broker, name)
        async with asyncio.timeout(EVENTUALLY):
            while f"task {name!r} is not known" not in caplog.text:
                await asyncio.sleep(0.05)
    late = LatePlugin(name)
    async with running_context(shared, [late]):
        async with asyncio.timeout(EVENTUALLY):
            while not late.runs:
                await asyncio.sleep(0.05)
    assert late.runs == 1
    assert await raw_pool.fetchrow(DEAD_LETTER_OF, task_id) is None


async def test_a_message_that_is_no_task_ends_in_dead_letter(
    settings: Settings, raw_pool: asyncpg.Pool
) -> None:
    """Regression: taskiq's receiver acknowledged an unreadable message ("Cannot parse")."""
    shared = isolated(settings)
    body = f"not a task {uuid.uuid4()}"
    async with running_context(shared, []):
        client = await nats.connect(shared.nats.url)
        try:
            await client.jetstream().publish(shared.nats.tasks_subject, body.encode())
        finally:
            await client.close()
        row = await wait_for_row(
            raw_pool, "SELECT * FROM dead_letter WHERE message->>'raw' = $1", body
        )
    assert row["error"] == "not a task message"
