"""The task receiver of a worker process: runs deliveries, and at a stop hands back the rest."""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from taskiq import AckableMessage
from taskiq.receiver import Receiver

from hduce.core.tasks import TaskBroker

TASKIQ_RECEIVER_LOG = logging.getLogger("taskiq.receiver.receiver")
CANCEL_TIMEOUT_SECONDS = 2.0
"""How long a cancelled task may take to unwind before its delivery is handed back anyway."""


class _QuietHandBack(logging.Filter):
    """Drops taskiq's error log of a task cancelled by a stopping receiver: it is handed back."""

    def __init__(self, broker: TaskBroker) -> None:
        super().__init__()
        self._broker = broker

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a cancellation logged while the broker hands tasks back."""
        cancelled = record.exc_info is not None and isinstance(
            record.exc_info[1], asyncio.CancelledError
        )
        return not (cancelled and self._broker.handing_back)


class _TrackingReceiver(Receiver):
    """A receiver that knows its running callbacks, so a stop can cancel them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.running: set[asyncio.Task[Any]] = set()

    async def callback(self, message: bytes | AckableMessage, raise_err: bool = False) -> None:
        """Run one delivery, remembering its task while it runs."""
        task = asyncio.current_task()
        if task is not None:
            self.running.add(task)
        try:
            await super().callback(message, raise_err)
        finally:
            self.running.discard(task)  # type: ignore[arg-type]


async def run_receiver(
    broker: TaskBroker, concurrency: int, stop: asyncio.Event, grace: float
) -> None:
    """Execute tasks until `stop` is set; running ones get `grace` seconds, then are handed back.

    A task still running then is cancelled and re-published for any worker to take at once, its
    attempt not counted; all of it before the broker (and NATS) is closed.
    """
    broker.is_worker_process = True
    quiet = _QuietHandBack(broker)
    TASKIQ_RECEIVER_LOG.addFilter(quiet)
    try:
        with ThreadPoolExecutor(max_workers=4) as executor:
            receiver = _TrackingReceiver(
                broker,
                executor=executor,
                run_startup=False,
                max_async_tasks=concurrency,
                wait_tasks_timeout=grace,
            )
            try:
                await receiver.listen(stop)
            finally:
                broker.handing_back = True
                for task in receiver.running:
                    task.cancel()
                if receiver.running:
                    await asyncio.wait(receiver.running, timeout=CANCEL_TIMEOUT_SECONDS)
                await broker.hand_back_unsettled()
    finally:
        TASKIQ_RECEIVER_LOG.removeFilter(quiet)
