"""`hduce worker`: TaskIQ receivers only (no HTTP, no MQTT broker, no outbox relay)."""

import asyncio
import logging
import signal

import msgspec

from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.core.config import Settings
from hduce.core.db import open_database
from hduce.core.lifecycle import background_services, running_broker

logger = logging.getLogger("hduce.worker")


async def run_worker(
    settings: Settings, database_url: str, nats_url: str, concurrency: int
) -> None:
    """Receive and execute tasks until SIGTERM or SIGINT, then finish the running ones."""
    worker_settings = msgspec.structs.replace(settings.worker, concurrency=concurrency)
    settings = msgspec.structs.replace(settings, worker=worker_settings)
    plugins = load_plugins(settings)
    context = build_context(settings, "worker", database_url, nats_url)
    setup_plugins(context, plugins)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with open_database(context.db, settings.database), running_broker(context):
        async with background_services(context, relay=False, receiver=True):
            logger.info(
                "worker ready: %d task slots, %d tasks",
                concurrency,
                len(context.broker.get_all_tasks()),
            )
            await stop.wait()
            logger.info("worker stopping")
        await context.registry.close()
