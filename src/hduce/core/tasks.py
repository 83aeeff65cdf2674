"""TaskIQ over NATS JetStream: durable pull consumer, explicit ack, retries, dead letters."""

import asyncio
import logging
import math
from collections.abc import AsyncGenerator, Awaitable, Callable
from functools import partial
from typing import Any

import msgspec
import nats
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig
from taskiq import (
    AckableMessage,
    BrokerMessage,
    TaskiqMessage,
    TaskiqMiddleware,
    TaskiqResult,
)
from taskiq_nats import PullBasedJetStreamBroker

from hduce.core.ack_deadline import AckDeadline
from hduce.core.backoff import retry_delay
from hduce.core.config import NatsSettings
from hduce.core.nats_check import BrokerUnavailable, log_nats_error
from hduce.core.streams import add_or_update_stream
from hduce.core.unknown_tasks import NOT_A_TASK, unknown_task_delay, unknown_task_error

logger = logging.getLogger("hduce.tasks")

SHUTDOWN_TIMEOUT_SECONDS = 5.0
PRIOR_ATTEMPTS = "Hduce-Prior-Attempts"
"""Header of a task handed back by a stopping worker: the attempts it had used before."""

DeadLetterSink = Callable[["DeadLetterRecord"], Awaitable[None]]


async def _log_nats_reconnected() -> None:
    logger.warning("nats: reconnected")


class DeadLetterRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A task message that will not be delivered again, and why."""

    task_name: str
    task_id: str
    message: dict[str, Any]
    attempts: int
    error: str


class _FailureTracker(TaskiqMiddleware):
    """Remembers which task ids ended in an error so their delivery is retried, not acked."""

    def __init__(self, failures: dict[str, BaseException]) -> None:
        super().__init__()
        self._failures = failures

    def post_execute(self, message: TaskiqMessage, result: TaskiqResult[Any]) -> None:
        """Record the error of a failed task."""
        if result.is_err:
            self._failures[message.task_id] = result.error


class TaskBroker(PullBasedJetStreamBroker):
    """A pull-based JetStream broker that retries failed tasks with backoff, then dead-letters."""

    def __init__(self, url: str, settings: NatsSettings, dead_letters: DeadLetterSink) -> None:
        super().__init__(
            url,
            subject=settings.tasks_subject,
            stream_name=settings.tasks_stream,
            durable=settings.durable,
            stream_config=StreamConfig(
                name=settings.tasks_stream,
                subjects=[settings.tasks_subject],
                storage=StorageType.FILE,
                # Limits, not work-queue retention: JetStream cannot switch an existing stream.
                max_age=float(settings.tasks_max_age),
            ),
            consumer_config=ConsumerConfig(
                durable_name=settings.durable,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=float(settings.ack_wait),
                # One delivery past the limit lets `listen` dead-letter a task lost with its worker.
                max_deliver=settings.max_attempts + 1,
            ),
            pull_consume_timeout=1.0,
            max_reconnect_attempts=-1,
            reconnect_time_wait=1,
            error_cb=log_nats_error,
            disconnected_cb=self._on_disconnected,
            reconnected_cb=_log_nats_reconnected,
            connect_timeout=float(settings.connect_timeout),
        )
        self.settings = settings
        self._dead_letters = dead_letters
        self._failures: dict[str, BaseException] = {}
        self._heartbeats: set[asyncio.Task[None]] = set()
        self._deadline = AckDeadline(float(settings.ack_wait))
        # Deliveries handed to the receiver and not settled yet, by stream sequence.
        self._unsettled: dict[int, tuple[Msg, asyncio.Task[None]]] = {}
        self._closing = False
        self.handing_back = False
        """Set by a stopping receiver: tasks cancelled from then on are handed back."""
        self.add_middlewares(_FailureTracker(self._failures))

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        """Yield deliveries; settle each by ack, delayed nak or dead letter once it has run."""
        while True:
            if self._deadline.check_due():
                self._deadline.follow(await self._shared_ack_wait())
            try:
                deliveries: list[Msg] = await self.consumer.fetch(
                    batch=self.pull_consume_batch, timeout=self.pull_consume_timeout
                )
            except NatsTimeoutError:
                continue
            except Exception as exc:  # NATS restarting or unreachable: keep trying
                logger.warning("cannot fetch tasks, retrying: %r", exc)
                await asyncio.sleep(1)
                continue
            for delivery in deliveries:
                message = self._decode(delivery)
                if await self._turned_away(delivery, message):
                    continue
                heartbeat = asyncio.create_task(self._deadline.keep_alive(delivery))
                self._heartbeats.add(heartbeat)
                heartbeat.add_done_callback(self._heartbeats.discard)
                self._unsettled[delivery.metadata.sequence.stream] = (delivery, heartbeat)
                settle = partial(self._settle, delivery, message, heartbeat)
                yield AckableMessage(data=delivery.data, ack=settle)

    async def _turned_away(self, delivery: Msg, message: dict[str, Any]) -> bool:
        """Settle a delivery this process does not run (see `unknown_tasks`); False to run it."""
        task_name = message.get("task_name")
        if task_name is None:
            await self._dead_letter(delivery, message, NOT_A_TASK)
        elif self.find_task(task_name) is None:
            delay = unknown_task_delay(_attempt(delivery), self.settings)
            if delay is None:
                await self._dead_letter(delivery, message, unknown_task_error(task_name))
                return True
            logger.warning(
                "task %r is not known here (its plugin is not enabled in this process): "
                "offered again in %.1fs",
                task_name,
                delay,
            )
            await delivery.nak(delay=delay)
        elif _attempt(delivery) > self.settings.max_attempts:
            await self._dead_letter(delivery, message, "the worker stopped before finishing")
        else:
            return False
        return True

    async def kick(self, message: BrokerMessage) -> None:
        """Publish a task once: refused while disconnected, de-duplicated by JetStream on its id."""
        self.ensure_connected()
        # A deterministic task id (see `dispatch`) makes a re-sent task a duplicate JetStream drops.
        headers = {**message.labels, "Nats-Msg-Id": message.task_id}
        await self.js.publish(self.subject, payload=message.message, headers=headers)

    def ensure_connected(self) -> None:
        """Raise `BrokerUnavailable` unless NATS is connected right now.

        nats-py buffers publishes while it reconnects and flushes them all on reconnect; a
        caller that retries would stack copies, so publishing waits for the connection instead.
        """
        if not self.client.is_connected:
            raise BrokerUnavailable("NATS is not connected; the publish will be retried")

    async def _add_or_reuse_stream(self) -> None:
        """taskiq-nats reuses an existing stream as it is: bring its limits up to date."""
        await add_or_update_stream(self.js, self.stream_config)

    async def consumer_lag(self) -> int:
        """Messages waiting for a worker plus messages delivered but not yet acked."""
        info = await self.js.consumer_info(self.settings.tasks_stream, self.settings.durable)
        return int(info.num_pending or 0) + int(info.num_ack_pending or 0)

    async def _shared_ack_wait(self) -> float | None:
        """The shared consumer's `ack_wait` (another process may have set it); None if unknown."""
        try:
            info = await self.js.consumer_info(self.settings.tasks_stream, self.settings.durable)
        except Exception:  # NATS restarting: the fetch below says so
            return None
        return info.config.ack_wait

    async def shutdown(self) -> None:
        """Stop heartbeats of unfinished tasks (they will be redelivered) and disconnect."""
        self._closing = True
        for heartbeat in list(self._heartbeats):
            heartbeat.cancel()
        try:
            async with asyncio.timeout(SHUTDOWN_TIMEOUT_SECONDS):
                await super().shutdown()
        except (OSError, TimeoutError, nats.errors.Error) as exc:
            # NATS is down: requests buffered for it cannot be flushed. Nothing is lost by
            # dropping them: tasks live in the stream, events in the outbox.
            logger.warning("nats: closed without flushing (NATS unreachable): %r", exc)

    async def hand_back_unsettled(self) -> None:
        """Give every delivery not settled yet back to the stream, for any worker to take now."""
        for sequence in list(self._unsettled):
            delivery, _ = self._unsettled[sequence]
            try:
                await self._hand_back(delivery)
            except Exception as exc:  # NATS gone: it comes back after ack_wait instead
                logger.warning("cannot hand back an unfinished task: %r", exc)

    async def _hand_back(self, delivery: Msg) -> None:
        """Re-publish an interrupted task at once, its attempt not counted, and ack this copy."""
        _, heartbeat = self._unsettled.pop(delivery.metadata.sequence.stream, (None, None))
        if heartbeat is not None:
            heartbeat.cancel()
        # A nak would count as a delivery (and wait for `max_deliver`): a fresh copy does not.
        headers = dict(delivery.headers or {})
        headers[PRIOR_ATTEMPTS] = str(_attempt(delivery) - 1)
        origin = headers.get("Nats-Msg-Id", "")
        headers["Nats-Msg-Id"] = f"{origin}/{delivery.metadata.sequence.stream}"
        await self.js.publish(delivery.subject, payload=delivery.data, headers=headers)
        await delivery.ack()
        logger.warning("task interrupted by shutdown, handed back: %s", origin)

    async def _on_disconnected(self) -> None:
        if not self._closing:  # nats-py also calls this when we close the connection ourselves
            logger.warning("nats: disconnected, reconnecting")

    async def _settle(
        self, delivery: Msg, message: dict[str, Any], heartbeat: asyncio.Task[None]
    ) -> None:
        heartbeat.cancel()
        failure = self._failures.pop(str(message.get("task_id", "")), None)
        if self.handing_back and isinstance(failure, asyncio.CancelledError):  # our shutdown
            await self._hand_back(delivery)
            return
        self._unsettled.pop(delivery.metadata.sequence.stream, None)
        if failure is None:
            await delivery.ack()
            return
        error = repr(failure)
        attempt = _attempt(delivery)
        if attempt >= self.settings.max_attempts:
            await self._dead_letter(delivery, message, error)
            return
        delay = retry_delay(attempt, float(self.settings.retry_backoff), math.inf)
        logger.warning(
            "task %s failed (attempt %d), retrying in %.1fs: %s",
            message.get("task_name"),
            attempt,
            delay,
            error,
        )
        await delivery.nak(delay=delay)

    async def _dead_letter(self, delivery: Msg, message: dict[str, Any], error: str) -> None:
        record = DeadLetterRecord(
            task_name=str(message.get("task_name", "?")),
            task_id=str(message.get("task_id", "")),
            message=message,
            attempts=_attempt(delivery),
            error=error,
        )
        logger.error(
            "task %s dead-lettered after %d attempts: %s", record.task_name, record.attempts, error
        )
        await self._dead_letters(record)
        await delivery.term()

    def _decode(self, delivery: Msg) -> dict[str, Any]:
        try:
            return self.formatter.loads(delivery.data).model_dump(mode="json")
        except Exception:  # a foreign or corrupt message still gets dead-lettered, not lost
            return {"raw": delivery.data.decode("utf-8", "replace")}


def _attempt(delivery: Msg) -> int:
    """Which attempt this delivery is, not counting the ones a stopping worker handed back."""
    prior = (delivery.headers or {}).get(PRIOR_ATTEMPTS, "0")
    return int(prior) + delivery.metadata.num_delivered
