"""Prometheus metrics for the pool, the outbox, tasks and the event loop."""

import time
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from taskiq import TaskiqMessage, TaskiqMiddleware, TaskiqResult

from hduce.core.db import PoolStatus
from hduce.core.outbox import OutboxBacklog

POOL_CONNECTIONS = Gauge("hduce_db_pool_connections", "Database pool connections", ["state"])
OUTBOX_BACKLOG = Gauge("hduce_outbox_backlog", "Outbox events due but not dispatched")
OUTBOX_OLDEST_AGE = Gauge(
    "hduce_outbox_oldest_age_seconds", "Age of the oldest undispatched due event"
)
TASK_LAG = Gauge("hduce_task_consumer_lag", "Task messages waiting or unacknowledged")
ASYNCIO_TASKS = Gauge("hduce_asyncio_tasks", "Asyncio tasks of this process (a leak only grows)")
TASKS = Counter("hduce_tasks", "Tasks executed in this process", ["task", "outcome"])
TASK_SECONDS = Histogram("hduce_task_duration_seconds", "Task execution time", ["task"])


def record_pool(pool: PoolStatus) -> None:
    """Set the pool gauges."""
    POOL_CONNECTIONS.labels("in_use").set(pool.size - pool.idle)
    POOL_CONNECTIONS.labels("idle").set(pool.idle)
    POOL_CONNECTIONS.labels("max").set(pool.max)


def record_backlog(backlog: OutboxBacklog) -> None:
    """Set the outbox gauges."""
    OUTBOX_BACKLOG.set(backlog.backlog)
    OUTBOX_OLDEST_AGE.set(backlog.oldest_age_seconds)


def record_task_lag(lag: int) -> None:
    """Set the task lag gauge."""
    TASK_LAG.set(lag)


def record_asyncio_tasks(count: int) -> None:
    """Set the asyncio task gauge."""
    ASYNCIO_TASKS.set(count)


class TaskMetricsMiddleware(TaskiqMiddleware):
    """Counts tasks by outcome and times them."""

    def __init__(self) -> None:
        super().__init__()
        self._started: dict[str, float] = {}

    def pre_execute(self, message: TaskiqMessage) -> TaskiqMessage:
        """Note when the task started."""
        self._started[message.task_id] = time.perf_counter()
        return message

    def post_execute(self, message: TaskiqMessage, result: TaskiqResult[Any]) -> None:
        """Count the outcome and record the duration."""
        started = self._started.pop(message.task_id, None)
        if started is not None:
            TASK_SECONDS.labels(message.task_name).observe(time.perf_counter() - started)
        TASKS.labels(message.task_name, "error" if result.is_err else "ok").inc()
