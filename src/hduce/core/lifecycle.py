"""Core lifespans: the task broker, the outbox relay, the task receiver and its heartbeat."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hduce.core.config.masking import mask_url
from hduce.core.context import AppContext
from hduce.core.dispatch import TaskDispatcher, ensure_events_stream
from hduce.core.heartbeat import MISSED_BEATS, WorkerHeartbeat
from hduce.core.outbox import OutboxRelay
from hduce.core.supervision import cancel_until_done
from hduce.core.task_receiver import CANCEL_TIMEOUT_SECONDS, run_receiver
from hduce.core.tasks import BrokerUnavailable

__all__ = ["background_services", "cancel_until_done", "running_broker"]

logger = logging.getLogger("hduce.lifecycle")

HAND_BACK_SECONDS = CANCEL_TIMEOUT_SECONDS + 2.0
"""Time past the grace for cancelled tasks to unwind and be handed back before NATS closes."""
RELAY_TASK = "outbox-relay"
RECEIVER_TASK = "task-receiver"
HEARTBEAT_TASK = "worker-heartbeat"


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


@asynccontextmanager
async def background_services(
    context: AppContext, *, relay: bool, receiver: bool
) -> AsyncIterator[None]:
    """Run the outbox relay and/or an in-process task receiver, supervised, for the block."""
    supervisor = context.supervisor
    stop_receiving = asyncio.Event()
    # Running tasks get what requests get: the whole stop fits a container's usual 10 s.
    grace = float(context.settings.server.shutdown_timeout)
    if relay:
        outbox_relay = OutboxRelay(
            context.db.shared_pool,
            context.db.dsn,
            TaskDispatcher(context.events, context.broker),
            context.settings.outbox,
        )
        outbox = context.settings.outbox
        # A clean cycle ends at least once per poll interval: two missed ones mean it is stuck.
        stall_after = max(float(outbox.stall_after), 2 * float(outbox.poll_interval))
        supervisor.start(RELAY_TASK, outbox_relay.run, stall_after=stall_after)
    if receiver:
        worker = context.settings.worker
        supervisor.start(
            RECEIVER_TASK,
            lambda _: run_receiver(context.broker, worker.concurrency, stop_receiving, grace),
        )
        interval = float(worker.heartbeat_interval)
        heartbeat = WorkerHeartbeat(context.broker, worker.concurrency, interval)
        await heartbeat.announce()  # counted as a live worker from the first health check on
        supervisor.start(HEARTBEAT_TASK, heartbeat.run, stall_after=MISSED_BEATS * interval)
    try:
        yield
    finally:
        await supervisor.stop(RELAY_TASK)
        stop_receiving.set()
        await supervisor.stop(RECEIVER_TASK, grace=grace + HAND_BACK_SECONDS)
        await supervisor.stop(HEARTBEAT_TASK)
