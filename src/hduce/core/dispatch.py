"""Bridge events to tasks: register subscribers as TaskIQ tasks and kick them for outbox rows."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from nats.js.api import StorageType, StreamConfig

from hduce.core.events import EventBus, NameTaken, Subscription, qualified_name
from hduce.core.outbox import OutboxRow
from hduce.core.streams import add_or_update_stream
from hduce.core.tasks import TaskBroker

EVENTS_SUBJECT_PREFIX = "hduce.events."


def task_id(event_id: str, task_name: str) -> str:
    """The same id every time one event is handed to one task: its JetStream `Nats-Msg-Id`."""
    return str(uuid.uuid5(uuid.UUID(event_id), task_name))


def register_subscriptions(bus: EventBus, broker: TaskBroker) -> None:
    """Declare every event subscription as a task on the broker.

    Raises `NameTaken` for a subscription whose task name a plugin declared on the broker.
    """
    for subscription in bus.subscriptions:
        if broker.find_task(subscription.task_name) is not None:
            raise NameTaken(
                f"task {subscription.task_name!r} of {qualified_name(subscription.handler)} is "
                "already declared on the task broker: a task name belongs to one task"
            )
        broker.register_task(_task_function(subscription), task_name=subscription.task_name)


def _task_function(
    subscription: Subscription[Any],
) -> Callable[[str, dict[str, Any], str], Awaitable[None]]:
    async def deliver(event_id: str, payload: dict[str, Any], occurred_at: str) -> None:
        await subscription.deliver(event_id, payload, occurred_at)

    # TaskIQ renames and re-exports task functions by name, so give each its own.
    deliver.__name__ = deliver.__qualname__ = "task_" + subscription.task_name.replace(".", "_")
    return deliver


async def ensure_events_stream(broker: TaskBroker) -> None:
    """Create the JetStream stream that keeps `hduce.events.>` for outside consumers."""
    config = StreamConfig(
        name=broker.settings.events_stream,
        subjects=[EVENTS_SUBJECT_PREFIX + ">"],
        storage=StorageType.FILE,
        max_age=float(broker.settings.events_max_age),
    )
    await add_or_update_stream(broker.js, config)


class TaskDispatcher:
    """Kicks each subscribed task, then publishes the event on `hduce.events.<name>`."""

    def __init__(self, bus: EventBus, broker: TaskBroker) -> None:
        self._bus = bus
        self._broker = broker

    async def dispatch(self, row: OutboxRow) -> None:
        """Hand one outbox row to its tasks and to NATS; raises if any step fails."""
        payload = msgspec.json.decode(row.payload)
        event_id = str(row.id)
        for subscription in self._bus.subscribers(row.name):
            task = self._broker.find_task(subscription.task_name)
            if task is None:
                raise LookupError(f"task {subscription.task_name!r} is not registered")
            kicker = task.kicker().with_task_id(task_id(event_id, subscription.task_name))
            await kicker.kiq(event_id, payload, row.created_at.isoformat())
        self._broker.ensure_connected()
        await self._broker.js.publish(
            EVENTS_SUBJECT_PREFIX + row.name,
            row.payload,
            headers={"Nats-Msg-Id": event_id},
        )
