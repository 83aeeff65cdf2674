"""Routing of published messages: a bounded queue between the clients and the router."""

import asyncio
from typing import Any

from amqtt.broker import Broker

PENDING_BROADCASTS = 64
"""Messages waiting to be routed to subscribers, at most: at that many the clients' messages
wait in their sessions' bounded queues, and their connections are not read."""


class BoundedRouting(Broker):
    """amqtt 0.12.1's routing queue (`_broadcast_queue`), with a bound.

    Every message a client publishes (and every will and push) waits there to be matched against
    the filters held; amqtt's queue has no bound, so a device flooding its status faster than the
    broker routes grew the broker's memory for as long as it sent. Here a full queue holds the
    publisher's connection back (its session's queue fills, then its reader stops, `_reader`).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._broadcast_queue = asyncio.Queue(PENDING_BROADCASTS)
