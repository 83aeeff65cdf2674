"""Core lifespans: the task broker, the outbox relay and the in-process task receiver."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hduce.core.config.masking import mask_url
from hduce.core.context import AppContext
from hduce.core.dispatch import TaskDispatcher, ensure_events_stream
from hduce.core.outbox import OutboxRelay
from hduce.core.tasks import BrokerUnavailable, run_receiver, stop_receiver

logger = logging.getLogger("hduce.lifecycle")

SHUTDOWN_GRACE_SECONDS = 20.0


@asynccontextmanager
async def running_broker(context: AppContext) -> AsyncIterator[None]:
    """Connect the task broker and make sure its streams exist."""
    broker = context.broker
    try:
        await asyncio.wait_for(broker.startup(), float(context.settings.nats.connect_timeout) + 5)
        await ensure_events_stream(broker)
    except Exception as exc:
        with contextlib.suppress(Exception):
            await broker.client.close()
        raise BrokerUnavailable(
            f"cannot use NATS JetStream at {mask_url(str(broker.servers))}: {exc!r}"
        ) from exc
    try:
        yield
    finally:
        await broker.shutdown()


async def cancel_until_done(task: "asyncio.Task[None]") -> None:
    """Cancel `task` and wait for it, cancelling again if a library swallowed the first one."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=1)
    with contextlib.suppress(asyncio.CancelledError):
        task.result()


@asynccontextmanager
async def background_services(
    context: AppContext, *, relay: bool, receiver: bool
) -> AsyncIterator[None]:
    """Run the outbox relay and/or an in-process task receiver for the duration of the block."""
    relaying: asyncio.Task[None] | None = None
    receiving: asyncio.Task[None] | None = None
    stop_receiving = asyncio.Event()
    if relay:
        outbox_relay = OutboxRelay(
            context.db.shared_pool,
            context.db.dsn,
            TaskDispatcher(context.events, context.broker),
            context.settings.outbox,
        )
        relaying = asyncio.create_task(outbox_relay.run(), name="hduce-outbox-relay")
    if receiver:
        concurrency = context.settings.worker.concurrency
        receiving = asyncio.create_task(
            run_receiver(context.broker, concurrency, stop_receiving), name="hduce-task-receiver"
        )
    try:
        yield
    finally:
        if relaying is not None:
            await cancel_until_done(relaying)
        if receiving is not None:
            await stop_receiver(receiving, stop_receiving, SHUTDOWN_GRACE_SECONDS)
