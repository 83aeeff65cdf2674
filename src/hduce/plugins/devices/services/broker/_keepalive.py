"""Keepalive enforcement for amqtt 0.12.1: a client silent for 1.5x its keepalive is dropped."""

import asyncio
import logging

from amqtt.mqtt.disconnect import DisconnectPacket
from amqtt.session import Session

logger = logging.getLogger("hduce.devices")
GRACE = 1.5
"""MQTT 3.1.1 §3.1.2.10: the server disconnects after one and a half keepalive periods."""
ENDED_BY = "hduce.devices.ended_by"
"""Session attribute: how the last connection ended, if not by dropping (read by presence)."""
DISCONNECTED, KEEPALIVE_EXPIRED, CLOSED_BY_SERVER = "disconnected", "keepalive_expired", "closed"


class KeepaliveMixin:
    """Drops a silent client as a lost connection, so its Will is published the normal way.

    amqtt 0.12.1 waits for each packet with the session's keepalive as timeout (1x, not 1.5x)
    and then calls `handle_read_timeout`, which the broker handler leaves empty: a device that
    lost power without a FIN stayed connected forever. The reader reads the deadline from
    `session.keep_alive` once, when it starts, so `start` stretches it for that moment only.
    It also records how each connection ended (DISCONNECT, silence) for device presence, and
    reports a connection that ended while `start` was still resending messages.
    """

    session: Session | None
    _reader_stopped: asyncio.Event

    async def start(self) -> None:
        """Start amqtt's reader with a 1.5x keepalive deadline."""
        session = self.session
        declared = session.keep_alive if session is not None else 0
        if session is not None:
            session.attributes.pop(ENDED_BY, None)
            if declared > 0:
                session.keep_alive = declared * GRACE  # type: ignore[assignment]
        try:
            await super().start()  # type: ignore[misc]
        finally:
            if session is not None:
                session.keep_alive = declared
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
