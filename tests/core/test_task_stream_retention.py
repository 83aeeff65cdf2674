"""The task stream keeps a task for `nats.tasks_max_age`, not forever."""

import nats
from nats.js.api import StorageType, StreamConfig

from hduce.bootstrap import build_context
from hduce.core.config import Settings
from hduce.core.lifecycle import running_broker
from tests.support.context import isolated


async def stream_config(settings: Settings) -> StreamConfig:
    client = await nats.connect(settings.nats.url)
    try:
        return (await client.jetstream().stream_info(settings.nats.tasks_stream)).config
    finally:
        await client.close()


async def test_the_task_stream_keeps_tasks_for_tasks_max_age_even_one_made_before(
    settings: Settings,
) -> None:
    """Regression: `HDUCE_TASKS` had no limit, every acknowledged task stayed (5,454 messages
    in a 41-minute soak); and taskiq-nats reuses an existing stream as it is."""
    own = isolated(settings)
    assert float(own.nats.tasks_max_age) == 7 * 86400  # the default
    client = await nats.connect(settings.nats.url)
    try:
        old = StreamConfig(  # as an earlier HDuce made it
            name=own.nats.tasks_stream, subjects=[own.nats.tasks_subject], storage=StorageType.FILE
        )
        await client.jetstream().add_stream(config=old)
    finally:
        await client.close()
    context = build_context(own, "worker", settings.database.url, settings.nats.url)
    async with running_broker(context):
        pass
    assert (await stream_config(own)).max_age == 7 * 86400
