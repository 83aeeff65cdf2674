"""Domain events: published into the outbox inside the caller's transaction, handled by tasks."""

import copy
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

import msgspec

from hduce.core.config import ConfigError
from hduce.core.db import HduceEngine

logger = logging.getLogger("hduce.events")

# One statement for any number of events: the rows come from parallel arrays.
PUBLISH = """
INSERT INTO outbox (id, name, payload, available_at)
SELECT id, name, payload::jsonb, coalesce(at, now())
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) AS e(id, name, payload, at)
"""
CANCEL = "DELETE FROM outbox WHERE id = ANY($1::uuid[]) AND dispatched_at IS NULL RETURNING id"

_Row = tuple[uuid.UUID, "Event", datetime | None]
# The events of the current `EventBus.batched` block, written as it ends.
_batch: ContextVar[list[_Row] | None] = ContextVar("hduce_event_batch", default=None)


async def _write(engine: HduceEngine, rows: Sequence[_Row]) -> None:
    """Insert outbox rows `(id, event, at)` in one statement (none for no rows)."""
    if rows:
        await engine.execute(
            PUBLISH,
            [event_id for event_id, _, _ in rows],
            [event.name for _, event, _ in rows],
            [msgspec.json.encode(event).decode() for _, event, _ in rows],
            [at for _, _, at in rows],
        )


class NameTaken(ConfigError):
    """A task or event name that already belongs to another subscription or Event class.

    A start-up error: another plugin's task run with this handler, or this event handed to
    another event's subscribers, would fail every delivery.
    """


def qualified_name(code: object) -> str:
    """`module.Qualname` of a class or function, which names the plugin that defines it."""
    return f"{getattr(code, '__module__', '?')}.{getattr(code, '__qualname__', repr(code))}"


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """Base for past-tense facts; subclasses set `name`, e.g. `"user.registered"`."""

    name: ClassVar[str]


EventT = TypeVar("EventT", bound=Event)


class EventMeta(msgspec.Struct, frozen=True):
    """What a handler knows about one delivery besides the event itself."""

    event_id: uuid.UUID
    name: str
    occurred_at: datetime


EventHandler = Callable[[EventT, EventMeta], Awaitable[None]]


@dataclass(frozen=True)
class Subscription(Generic[EventT]):
    """A task that runs for every event of one type."""

    event_type: type[EventT]
    task_name: str
    handler: Callable[[Any, EventMeta], Awaitable[None]]

    async def deliver(self, event_id: str, payload: dict[str, Any], occurred_at: str) -> None:
        """Decode the payload and run the handler."""
        event = msgspec.convert(payload, self.event_type)
        meta = EventMeta(
            uuid.UUID(event_id), self.event_type.name, datetime.fromisoformat(occurred_at)
        )
        await self.handler(event, meta)


class EventBus:
    """Publishes events into the outbox and keeps who subscribes to what.

    Its statements go through `engine` (no Piccolo query objects on the path of every event)
    and join the caller's transaction.
    """

    def __init__(self, engine: HduceEngine) -> None:
        self._engine = engine
        self._subscriptions: dict[str, list[Subscription[Any]]] = {}
        self._event_types: dict[str, type[Event]] = {}
        self._tasks: dict[str, Subscription[Any]] = {}
        self._owner: str | None = None

    def owned_by(self, plugin: str) -> "EventBus":
        """This bus as `plugin` sees it: the same subscriptions, its task names `<plugin>.…`."""
        view = copy.copy(self)
        view._owner = plugin
        return view

    def subscribe(
        self, event_type: type[EventT], handler: EventHandler[EventT], *, task_name: str
    ) -> Subscription[EventT]:
        """Run `handler` as the task `task_name` for every committed `event_type`.

        Raises `NameTaken` when `task_name` is another subscription's or, on a plugin's view
        (`owned_by`), not `<plugin>.…`, or when the event's name is another Event class's.
        """
        claimed = self._event_types.get(event_type.name, event_type)
        if claimed is not event_type:
            raise NameTaken(
                f"event name {event_type.name!r} of {qualified_name(event_type)} (task "
                f"{task_name!r}) is already the name of {qualified_name(claimed)}: give the "
                "event a name of its own"
            )
        taken = self._tasks.get(task_name)
        if taken is not None:
            raise NameTaken(
                f"task {task_name!r} of {qualified_name(handler)} is already "
                f"{qualified_name(taken.handler)} on {taken.event_type.name!r}: a task name "
                "belongs to one subscription (start it with its plugin's name)"
            )
        if self._owner is not None and not task_name.startswith(f"{self._owner}."):
            raise NameTaken(
                f"task {task_name!r} of {qualified_name(handler)}: plugin {self._owner!r} names"
                f" its tasks {self._owner}.<verb>"
            )
        subscription = Subscription(event_type, task_name, handler)
        self._event_types[event_type.name] = event_type
        self._tasks[task_name] = subscription
        self._subscriptions.setdefault(event_type.name, []).append(subscription)
        return subscription

    def subscribers(self, event_name: str) -> list[Subscription[Any]]:
        """The subscriptions for one event name."""
        return list(self._subscriptions.get(event_name, ()))

    @property
    def subscriptions(self) -> list[Subscription[Any]]:
        """Every subscription, in registration order."""
        return list(self._tasks.values())

    async def publish(self, event: Event, *, at: datetime | None = None) -> uuid.UUID:
        """Write `event` to the outbox in the current transaction; `at` delays its delivery."""
        (event_id,) = await self.publish_many([(event, at)])
        return event_id

    async def publish_many(
        self,
        events: Sequence[tuple[Event, datetime | None]],
        *,
        ids: Sequence[uuid.UUID] = (),
    ) -> list[uuid.UUID]:
        """Write `(event, at)` pairs in one statement of the current transaction; their ids.

        `ids` are the ids of the first events, when the caller chose them beforehand (to store
        them with its own rows in the same statement); the rest get new ones.
        """
        if any(at is not None and at.tzinfo is None for _, at in events):
            raise ValueError("`at` must be timezone-aware")
        if len(ids) > len(events):
            raise ValueError("more ids than events")
        if not events:
            return []
        event_ids = [*ids, *(uuid.uuid4() for _ in events[len(ids) :])]
        rows = [(i, event, at) for i, (event, at) in zip(event_ids, events, strict=True)]
        batch = _batch.get()
        if batch is None:
            await _write(self._engine, rows)
        else:
            batch.extend(rows)
        return event_ids

    @asynccontextmanager
    async def batched(self) -> AsyncIterator[None]:
        """Publish the block's events in one statement as it ends; nothing if it raises.

        For a block inside a transaction; nested blocks join the outer one.
        """
        if _batch.get() is not None:
            yield
            return
        batch: list[_Row] = []
        token = _batch.set(batch)
        try:
            yield
        finally:
            _batch.reset(token)
        await _write(self._engine, batch)

    async def cancel(self, event_id: uuid.UUID) -> bool:
        """Withdraw an undispatched event in the current transaction; False if already sent."""
        return await self.cancel_many([event_id]) == 1

    async def cancel_many(self, event_ids: Sequence[uuid.UUID]) -> int:
        """Withdraw undispatched events in one statement of the current transaction; how many."""
        batch = _batch.get() or []
        pending = {row[0] for row in batch if row[0] in event_ids}
        batch[:] = [row for row in batch if row[0] not in pending]
        rest = [event_id for event_id in event_ids if event_id not in pending]
        deleted = await self._engine.fetch(CANCEL, rest) if rest else []
        return len(pending) + len(deleted)
