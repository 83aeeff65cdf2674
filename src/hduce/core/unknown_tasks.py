"""Deliveries a process cannot run: a task it does not know, a message that is no task.

A task is unknown to a process whose config does not enable its plugin, which does not have
the plugin installed, or which is older than the process that queued it (a rolling upgrade).
Another worker may know it, or this one once restarted with the plugin, so it is never
acknowledged unrun: it is offered again later (a delayed nak), first after
`nats.unknown_task_wait`, then twice as long each time, and dead-lettered when its attempts are
spent. Each offer counts as an attempt: JetStream's `max_deliver` bounds every delivery of a
message, and it is what dead-letters a task lost with its worker. A message no formatter reads
can never run anywhere: it is dead-lettered at once.
"""

import math

from hduce.core.backoff import retry_delay
from hduce.core.config import NatsSettings

NOT_A_TASK = "not a task message"


def unknown_task_error(task_name: str) -> str:
    """The dead letter's error for a task no process it was offered to knows."""
    return (
        f"no process knows task {task_name!r} (its plugin is disabled or not installed in "
        "every process it was offered to)"
    )


def unknown_task_delay(attempt: int, settings: NatsSettings) -> float | None:
    """Seconds before an unknown task is offered again after `attempt`; None: dead-letter it."""
    if attempt >= settings.max_attempts:
        return None
    return retry_delay(attempt, float(settings.unknown_task_wait), math.inf)
