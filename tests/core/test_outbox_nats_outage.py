"""NATS stops while events are published: nothing is lost, everything arrives once it is back."""

import asyncio
import uuid
from pathlib import Path

import asyncpg
import msgspec

from hduce.core.config import Settings
from hduce.runtime import EmbeddedNats, free_port
from tests.support.context import running_context, wait_for_effect
from tests.support.probe import PROBE_TABLES, ProbePlugin, ProbeRequested


async def test_events_published_during_a_nats_outage_are_delivered_after_it(
    settings: Settings, raw_pool: asyncpg.Pool, tmp_path: Path
) -> None:
    await raw_pool.execute(PROBE_TABLES)
    server = EmbeddedNats(tmp_path / "nats", port=free_port())
    url = server.start()
    try:
        own_nats = msgspec.structs.replace(settings.nats, url=url, retry_backoff=0.2)
        test_settings = msgspec.structs.replace(settings, nats=own_nats)
        async with running_context(test_settings, [ProbePlugin()]) as context:
            before = uuid.uuid4().hex
            await context.events.publish(ProbeRequested(label=before))
            await wait_for_effect(raw_pool, before)

            server.stop()
            during = [uuid.uuid4().hex for _ in range(10)]
            for label in during:
                async with context.db.transaction():
                    await context.events.publish(ProbeRequested(label=label))
            await asyncio.sleep(2)
            handled = await raw_pool.fetchval(
                "SELECT count(*) FROM probe_attempt WHERE label = ANY($1)", during
            )
            assert handled == 0
            assert await raw_pool.fetchval(
                "SELECT count(*) FROM outbox "
                "WHERE dispatched_at IS NULL AND payload->>'label' = ANY($1)",
                during,
            ) == len(during)

            assert server.start() == url
            for label in during:
                await wait_for_effect(raw_pool, label, timeout=30)

        effects = await raw_pool.fetchval(
            "SELECT count(*) FROM probe_effect WHERE label = ANY($1)", during
        )
        assert effects == len(during)
    finally:
        server.stop()
