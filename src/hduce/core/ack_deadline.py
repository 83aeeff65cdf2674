"""How often a running task tells JetStream it is still at work: by the shared consumer's ack_wait.

Every worker process shares one durable consumer, and the process started last sets its
`ack_wait` (JetStream updates the consumer's settings). A process configured with a longer one
would confirm its running tasks too rarely, and JetStream would hand them to another worker
while they still run; so each process reads the consumer's setting now and then and follows it.
"""

import asyncio
import logging
import math
import time

from nats.aio.msg import Msg

logger = logging.getLogger("hduce.tasks")

CHECK_EVERY = 5.0
"""Seconds between reads of the shared consumer's `ack_wait`."""
_SHORTEST_BEAT = 0.5


class AckDeadline:
    """The `ack_wait` in force on the shared task consumer, and the heartbeat of running tasks."""

    def __init__(self, configured: float) -> None:
        self._configured = configured
        self.seconds = configured
        self._checked = -math.inf

    def check_due(self) -> bool:
        """Whether the consumer's setting should be read again."""
        return time.monotonic() - self._checked >= CHECK_EVERY

    def follow(self, shared: float | None) -> None:
        """Use the consumer's `ack_wait` (None: not readable now, keep the last one)."""
        self._checked = time.monotonic()
        if shared is None or shared == self.seconds:
            return
        self.seconds = shared
        if shared == self._configured:
            logger.info("the shared task consumer's ack_wait is back to %gs", shared)
            return
        logger.warning(
            "the shared task consumer's ack_wait is %gs (set by the worker process started "
            "last), not %gs as configured here: running tasks are confirmed every %gs; give "
            "every process the same nats.ack_wait",
            shared,
            self._configured,
            self.beat_interval(),
        )

    def beat_interval(self) -> float:
        """Seconds between in-progress confirmations of a running task."""
        return max(self.seconds / 3, _SHORTEST_BEAT)

    async def keep_alive(self, delivery: Msg) -> None:
        """Confirm `delivery` in progress until cancelled, following changes of the setting."""
        last = time.monotonic()
        while True:
            await asyncio.sleep(min(self.beat_interval(), CHECK_EVERY))
            if time.monotonic() - last < self.beat_interval():
                continue
            last = time.monotonic()
            try:
                await delivery.in_progress()
            except Exception as exc:
                logger.warning("cannot extend the ack deadline of a running task: %r", exc)
