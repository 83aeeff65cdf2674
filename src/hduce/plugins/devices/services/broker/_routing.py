"""Routing of published messages: indexed filters, a bounded queue, the app's pushes first."""

import asyncio
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from amqtt.broker import Broker
from amqtt.contexts import Action
from amqtt.mqtt.constants import QOS_1, QOS_2
from amqtt.session import Session

from hduce.plugins.devices.services.broker._reader import PENDING_PUBLISHES

PENDING_BROADCASTS = 64
"""Messages waiting to be routed to subscribers, at most: at that many the clients' messages
wait in their sessions' bounded queues, and their connections are not read."""
_ANY = "+"
"""`FilterTable` index key of the filters with a wildcard in their first two levels."""


def _head(name: str) -> str:
    """The first two levels of a topic or filter; `_ANY` for a filter with a wildcard there."""
    head = "/".join(name.split("/", 2)[:2])
    return _ANY if "+" in head or "#" in head else head


class FilterTable(dict[str, list[tuple[Session, int]]]):
    """amqtt's table of topic filters and their subscribers, indexed by their first two levels.

    amqtt 0.12.1 matched every routed message against every filter held, building a debug line
    for each that did not match; `candidates` names only the filters a topic can match (every
    filter the ACL lets a client hold starts with two literal levels: `users/<id>`,
    `devices/<id>`). Its repr is its size: amqtt's message loop logs `repr` of the table after
    every SUBSCRIBE, built whatever the log level. amqtt changes the table only by setting,
    deleting and clearing keys, which keep the index.
    """

    def __init__(self) -> None:
        super().__init__()
        self._by_head: dict[str, set[str]] = {}
        self._next_iteration: list[str] | None = None

    def __setitem__(self, topic_filter: str, subscribers: list[tuple[Session, int]]) -> None:
        self._by_head.setdefault(_head(topic_filter), set()).add(topic_filter)
        super().__setitem__(topic_filter, subscribers)

    def __delitem__(self, topic_filter: str) -> None:
        super().__delitem__(topic_filter)
        head = _head(topic_filter)
        self._by_head[head].discard(topic_filter)
        if not self._by_head[head]:
            del self._by_head[head]

    def clear(self) -> None:
        super().clear()
        self._by_head.clear()

    def candidates(self, topic: str) -> list[str]:
        """The filters that may match `topic`: its first two levels, or a wildcard there."""
        return [*self._by_head.get(_head(topic), ()), *self._by_head.get(_ANY, ())]

    def iterate_next_over(self, filters: Iterable[str]) -> None:
        """Make the next iteration over the table yield only `filters` (those still held).

        For amqtt's loop over every filter at CONNECT (`RetainedThroughAcl`): armed right
        before it, with nothing awaited in between, so no other iteration comes first.
        """
        self._next_iteration = [f for f in filters if f in self]

    def __iter__(self) -> Iterator[str]:
        narrowed, self._next_iteration = self._next_iteration, None
        return iter(narrowed) if narrowed is not None else super().__iter__()

    def __repr__(self) -> str:
        return f"<{len(self)} topic filters>"


class BoundedRouting(Broker):
    """amqtt 0.12.1's routing (`_run_broadcast`), indexed, behind a bounded queue.

    Every message a client publishes (and every will) waits in amqtt's routing queue to be
    matched against the filters held. amqtt matched it against every one: with 10,000 filters
    held by patient accounts, a device's status flood made the queue grow (without a bound, in
    memory) and the clinicians' alert pushes behind it arrived 40-50 s late. Here a message is
    matched only against `FilterTable.candidates`, then delivered as amqtt does (the receive
    ACL, queued for an offline persistent session at QoS 1/2, else sent to a connected one);
    a full queue (`PENDING_BROADCASTS`) holds the publishers' connections back (their sessions'
    queues fill, then their readers stop, `_reader`), and the app's own pushes (`push`) are
    routed at once instead of waiting behind it.
    """

    _subscriptions: FilterTable
    _tasks_queue: deque[asyncio.Task[Any]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._subscriptions = FilterTable()
        self._broadcast_queue = asyncio.Queue(PENDING_BROADCASTS)

    def backlog(self) -> dict[str, int]:
        """Messages read from clients and not yet routed: where back-pressure shows.

        The routing queue (of `PENDING_BROADCASTS`), the PUBLISHes connections are handling or
        have queued for the broker, and the connections not read meanwhile (held back).
        """
        pending, held = 0, 0
        for session, handler in list(self._sessions.values()):
            if session.transitions.state != "connected":
                continue  # no client loop takes from its queue until it is back
            handling = getattr(handler, "publishes_pending", 0)
            pending += handling + session.delivered_message_queue.qsize()
            held += handling >= PENDING_PUBLISHES
        return {
            "routing_queue": self._broadcast_queue.qsize(),
            "routing_queue_capacity": PENDING_BROADCASTS,
            "publishes_pending": pending,
            "connections_held_back": held,
        }

    async def push(self, topic: str, data: bytes, qos: int) -> None:
        """Deliver one of the app's messages to the subscribers of `topic` now."""
        await self._route({"session": None, "topic": topic, "data": data, "qos": qos})

    async def _run_broadcast(self, running_tasks: deque[asyncio.Task[Any]]) -> None:
        await self._route(await self._broadcast_queue.get())

    async def _route(self, broadcast: dict[str, Any]) -> None:
        """Deliver `broadcast` to each subscriber of a filter matching its topic, as amqtt does."""
        topic, data = broadcast["topic"], broadcast["data"]
        for topic_filter in self._subscriptions.candidates(topic):
            if not self._matches(topic, topic_filter):
                continue
            for target, subscribed_qos in list(self._subscriptions.get(topic_filter, ())):
                qos = broadcast.get("qos", subscribed_qos)
                if not await self._topic_filtering(target, topic=topic, action=Action.RECEIVE):
                    continue
                if target.transitions.state != "connected":
                    if not target.clean_session and qos in (QOS_1, QOS_2):
                        await self._retain_broadcast_message(broadcast, qos, target)
                    continue
                handler = self._get_handler(target)
                if handler is not None:
                    sending = handler.mqtt_publish(topic, data, qos, retain=False)
                    self._tasks_queue.append(asyncio.ensure_future(sending))
