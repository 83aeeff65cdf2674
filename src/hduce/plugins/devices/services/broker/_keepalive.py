"""Keepalive enforcement for amqtt 0.12.1: a client silent for 1.5x its keepalive is dropped."""

import asyncio
import logging
from collections.abc import Callable

from amqtt.mqtt.disconnect import DisconnectPacket
from amqtt.session import Session

logger = logging.getLogger("hduce.devices")
GRACE = 1.5
"""MQTT 3.1.1 §3.1.2.10: the server disconnects after one and a half keepalive periods."""
ENDED_BY = "hduce.devices.ended_by"
"""Session attribute: how the last connection ended, if not by dropping (read by presence)."""
DISCONNECTED, KEEPALIVE_EXPIRED, CLOSED_BY_SERVER = "disconnected", "keepalive_expired", "closed"


class Silence:
    """Calls `expired` whenever nothing was heard for `seconds`; `heard()` is one clock read.

    One timer per connection, moved on only when it fires, instead of a timeout per read.
    """

    def __init__(self, seconds: float, expired: Callable[[], None]) -> None:
        self._loop = asyncio.get_running_loop()
        self._seconds = seconds
        self._expired = expired
        self._last = self._loop.time()
        self._stream: asyncio.StreamReader | None = None
        self._timer = self._loop.call_at(self._last + seconds, self._check)

    def heard(self) -> None:
        """A packet came in."""
        self._last = self._loop.time()

    def hear_arrivals(self, stream: asyncio.StreamReader) -> None:
        """Count the client heard when its bytes arrive on `stream`, read yet or not.

        The reader does not read while it holds the connection back (its PUBLISHes being
        handled, paced, its SUBSCRIBEs queued): the client's packets arrive meanwhile, and
        counting only the packets read dropped a live client for the broker's own pause. While
        the stream's buffer is full (its transport paused) bytes wait unread in the kernel: the
        deadline is suspended then. A client that really went silent sends nothing, and is
        dropped as before.
        """
        feed = stream.feed_data

        def fed(data: bytes) -> None:
            self._last = self._loop.time()
            feed(data)

        stream.feed_data = fed  # type: ignore[method-assign]
        self._stream = stream

    def stop(self) -> None:
        """Stop watching (the connection ended)."""
        self._timer.cancel()

    def _check(self) -> None:
        if self._stream is not None and self._stream._paused:  # the broker is behind, not it
            self._last = self._loop.time()
        due = self._last + self._seconds
        if self._loop.time() >= due:
            self._expired()
            self._last = self._loop.time()  # told again after another silent period
            due = self._last + self._seconds
        self._timer = self._loop.call_at(due, self._check)


class KeepaliveMixin:
    """Drops a silent client as a lost connection, so its Will is published the normal way.

    amqtt 0.12.1 waited for each packet with the session's keepalive as timeout (1x, not 1.5x)
    and then called `handle_read_timeout`, which the broker handler leaves empty: a device that
    lost power without a FIN stayed connected forever. The reader (`_reader.WholePacketReader`)
    watches for `GRACE` x the keepalive with a `Silence` and calls `handle_read_timeout`, which
    closes the connection here. This also records how each connection ended (DISCONNECT,
    silence) for device presence, and reports a connection that ended while `start` was still
    resending messages.
    """

    session: Session | None
    _reader_stopped: asyncio.Event

    async def start(self) -> None:
        """Start amqtt's handler; tell the broker if the connection already ended meanwhile."""
        if self.session is not None:
            self.session.attributes.pop(ENDED_BY, None)
        await super().start()  # type: ignore[misc]
        if self._reader_stopped.is_set():
            # The connection ended while `start` resent messages, before amqtt made the waiter
            # that tells the broker: without this the session would stay "connected" forever.
            await self.handle_connection_closed()  # type: ignore[attr-defined]

    def handle_read_timeout(self) -> None:
        """Nothing came for 1.5x the keepalive: close the connection as if it dropped."""
        session = self.session
        if session is None:
            return
        logger.info("MQTT client %s silent past its keepalive, disconnecting", session.client_id)
        session.attributes[ENDED_BY] = KEEPALIVE_EXPIRED
        closing = asyncio.ensure_future(self.handle_connection_closed())  # type: ignore[attr-defined]
        # The reader keeps a reference only to itself: hold this task until it is done.
        self._closing = closing

    async def handle_disconnect(self, disconnect: DisconnectPacket | None) -> None:
        """Remember a client that said DISCONNECT (no Will), then let amqtt end the session."""
        if isinstance(disconnect, DisconnectPacket) and self.session is not None:
            self.session.attributes[ENDED_BY] = DISCONNECTED
        await super().handle_disconnect(disconnect)  # type: ignore[misc]
