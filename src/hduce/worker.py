"""`hduce worker`: TaskIQ receivers only (no HTTP, no MQTT broker, no outbox relay)."""

import asyncio
import logging
import signal

from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.core.config import Settings
from hduce.core.db import open_database
from hduce.core.lifecycle import SHUTDOWN_GRACE_SECONDS, running_broker
from hduce.core.tasks import run_receiver, stop_receiver

logger = logging.getLogger("hduce.worker")


async def run_worker(
    settings: Settings, database_url: str, nats_url: str, concurrency: int
) -> None:
    """Receive and execute tasks until SIGTERM or SIGINT, then finish the running ones."""
    plugins = load_plugins(settings)
    context = build_context(settings, "worker", database_url, nats_url)
    setup_plugins(context, plugins)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with open_database(context.db, settings.database), running_broker(context):
        stop_receiving = asyncio.Event()
        receiving = asyncio.create_task(run_receiver(context.broker, concurrency, stop_receiving))
        logger.info(
            "worker ready: %d task slots, %d tasks",
            concurrency,
            len(context.broker.get_all_tasks()),
        )
        await stop.wait()
        logger.info("worker stopping")
        await stop_receiver(receiving, stop_receiving, SHUTDOWN_GRACE_SECONDS)
        await context.registry.close()
