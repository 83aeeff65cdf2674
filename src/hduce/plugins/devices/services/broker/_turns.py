"""Connections with one client id take it over in turn, each until amqtt serves it."""

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any


class ClientIdTurns:
    """One connection at a time from a client id's take-over until amqtt serves the connection.

    A take-over ends the connection registered for the client id ([MQTT-3.1.4-2]); amqtt 0.12.1
    registers a new one only after more awaits (the session's second sign-in check). Two CONNECTs
    signing in at the same instant both found nobody to take over, and both stayed connected: the
    one amqtt forgot kept serving with a session another connection had replaced. A turn is
    taken after sign-in (the slow part stays parallel) and ends once the connection is served
    (`TurnEndsWhenServing`), or when it is refused or fails before.
    """

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: Counter[str] = Counter()
        self._held: dict[Any, str] = {}

    async def wait_turn(self, client_id: str, holder: Any) -> None:
        """Wait until no other connection with `client_id` is between its take-over and serving."""
        lock = self._locks.setdefault(client_id, asyncio.Lock())
        self._users[client_id] += 1
        try:
            await lock.acquire()
        except BaseException:
            self._forget(client_id)
            raise
        self._held[holder] = client_id

    def end_turn(self, holder: Any) -> None:
        """End `holder`'s turn, if it has one (safe to call more than once)."""
        client_id = self._held.pop(holder, None)
        if client_id is not None:
            self._locks[client_id].release()
            self._forget(client_id)

    def _forget(self, client_id: str) -> None:
        self._users[client_id] -= 1
        if not self._users[client_id]:
            del self._users[client_id], self._locks[client_id]


class TurnEndsWhenServing:
    """Ends the connection's take-over turn once it can be taken over in turn.

    Wraps amqtt 0.12.1's `BrokerProtocolHandler.start`, which `Broker._handle_client_session`
    calls after it has stored the session and sent the CONNACK: before `start` has made the
    handler's disconnect waiter, closing the connection (`handle_connection_closed`) does nothing.
    """

    end_turn: Callable[[], None] | None = None
    """Set by the broker while the connection holds a turn (`ClientIdTurns`)."""

    async def start(self) -> None:
        """Start as amqtt does, then end this connection's turn."""
        await super().start()  # type: ignore[misc]
        if self.end_turn is not None:
            self.end_turn()
