"""The per-connection reader loop: whole packets, one keepalive timer, telemetry taken in place."""

import asyncio
import collections
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from amqtt.adapters import BufferReader
from amqtt.errors import MQTTError, NoDataError, ProtocolHandlerError
from amqtt.events import MQTTEvents
from amqtt.mqtt import packet_class
from amqtt.mqtt.constants import QOS_2
from amqtt.mqtt.packet import (
    CONNECT,
    DISCONNECT,
    PINGREQ,
    PUBACK,
    PUBCOMP,
    PUBLISH,
    PUBREC,
    PUBREL,
    SUBSCRIBE,
    UNSUBSCRIBE,
    MQTTFixedHeader,
)

from hduce.plugins.devices.services.broker._keepalive import GRACE, Silence
from hduce.plugins.devices.services.broker._pace import Pace
from hduce.plugins.devices.services.broker._packet_limits import SizeCappedReader
from hduce.plugins.devices.services.broker._wire_rules import Malformed, check_packet

logger = logging.getLogger("hduce.devices")
HANDLERS = {
    SUBSCRIBE: "handle_subscribe",
    UNSUBSCRIBE: "handle_unsubscribe",
    PUBACK: "handle_puback",
    PUBREC: "handle_pubrec",
    PUBREL: "handle_pubrel",
    PUBCOMP: "handle_pubcomp",
    PINGREQ: "handle_pingreq",
    PUBLISH: "handle_publish",
    DISCONNECT: "handle_disconnect",
}
"""amqtt's handler method for each packet type a client may send after CONNECT."""
PENDING_PACKETS = 4
"""SUBSCRIBE (and as many UNSUBSCRIBE) packets of one connection read but not yet handled, at
most: at that many the connection is not read until one is."""
PENDING_PUBLISHES = 8
"""QoS 0/1 PUBLISH packets of one connection being handled (acknowledged, queued for the
broker) at most, and as many waiting in its session's queue for the broker: at that many the
connection is not read until one is handled."""


class WholePacketReader:
    """Replaces amqtt 0.12.1's `ProtocolHandler._reader_loop`.

    amqtt reads a packet in six or more awaited reads (the fixed header a byte at a time, then
    each field), waits for every header under `asyncio.wait_for` (a task per packet on Python
    3.11) and starts a task per packet: at device rates most of the broker's CPU per message.
    This loop reads each packet whole in two or three reads (`SizeCappedReader.read_packet`,
    the size checked from the header first), closes the connection on a packet that breaks
    MQTT 3.1.1 (`check_packet`), reads no faster than `packet_rate` (`Pace`), watches the
    keepalive (`GRACE` x, [MQTT-3.1.2-24], from the last bytes received, read or not) with
    one `Silence` timer, and offers every PUBLISH to `publish_inline` first, which keeps a
    device's telemetry without a task. Every other packet is decoded from the bytes read by
    amqtt's own classes, announced to amqtt's plugins (`PACKET_RECEIVED`) and handled as amqtt
    does: a task per packet, CONNECT awaited. Errors end the loop as in amqtt.

    SUBSCRIBE and UNSUBSCRIBE are the exception: amqtt queues them, without a bound, for the
    broker's message loop, so a client pipelining them was read at `packet_rate` however long
    each took, and the queue grew for as long as it sent. Here they are queued in line, at most
    `PENDING_PACKETS` of each: while the queue is full the connection is not read (TCP pushes
    back). A SUBSCRIBE carrying more filters than a client may hold (`max_filters`) closes the
    connection unanswered. Other PUBLISH packets are bounded the same way: amqtt started a task
    per PUBLISH read, each holding its message until the broker took it from the session's
    unbounded queue, so while the broker fell behind a client sending 64 KiB QoS 1 messages
    grew its memory by gigabytes. Here at most `PENDING_PUBLISHES` QoS 0/1 PUBLISHes are being
    handled at a time (the session's queue for the broker holds as many); at that many the
    connection is not read until one is. QoS 2 ones are bounded by `receive_maximum`.
    """

    session: Any
    reader: Any
    plugins_manager: Any
    _reader_ready: asyncio.Event | None
    _reader_stopped: asyncio.Event
    on_refusal: Callable[[str], None] | None = None
    """Told why each connection it closes was closed: `protocol_violation`, `too_many_filters`
    (the broker counts them)."""
    max_filters: int | None = None
    """The most topic filters one SUBSCRIBE may carry (a client's `max_subscriptions`)."""
    packet_rate: float = 0
    """Packets a second this connection is read at, on average (`Pace`); 0: as they come."""
    publish_inline: Callable[[int, bytes], bool]
    drain_acknowledgements: Callable[[], Awaitable[None]]
    handle_read_timeout: Callable[[], None]
    handle_connect: Callable[[Any], Awaitable[None]]
    handle_connection_closed: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]
    _pending_subscriptions: "asyncio.Queue[Any]"
    _pending_unsubscriptions: "asyncio.Queue[Any]"
    _publishing: set["asyncio.Task[None]"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending_subscriptions = asyncio.Queue(PENDING_PACKETS)
        self._pending_unsubscriptions = asyncio.Queue(PENDING_PACKETS)
        self._publishing = set()

    @property
    def publishes_pending(self) -> int:
        """QoS 0/1 PUBLISHes read and being handled (at `PENDING_PUBLISHES`, reading stops)."""
        return len(self._publishing)

    async def _reader_loop(self) -> None:
        session, reader, ready = self.session, self.reader, self._reader_ready
        if session is None or ready is None or not isinstance(reader, SizeCappedReader):
            raise ProtocolHandlerError("the reader started before its session and reader")
        if session.delivered_message_queue.maxsize == 0:  # before the broker waits on it
            session.delivered_message_queue = asyncio.Queue(PENDING_PUBLISHES)
        running: collections.deque[asyncio.Task[None]] = collections.deque()
        publishing = self._publishing
        keepalive = session.keep_alive
        silence = Silence(keepalive * GRACE, self.handle_read_timeout) if keepalive > 0 else None
        if silence is not None and (stream := reader.arrivals()) is not None:
            silence.hear_arrivals(stream)  # a connection held back is not silent
        pace = Pace(self.packet_rate) if self.packet_rate > 0 else None
        try:
            while True:
                ready.set()
                while running and running[0].done():
                    running.popleft()
                try:
                    if len(publishing) >= PENDING_PUBLISHES:  # the socket is not read meanwhile
                        await asyncio.wait(publishing, return_when=asyncio.FIRST_COMPLETED)
                    if pace is not None and (wait := pace.delay()) > 0:
                        await asyncio.sleep(wait)  # the socket is not read meanwhile
                    packet = await reader.read_packet()
                    if packet is None:
                        break  # end of stream
                    if silence is not None:
                        silence.heard()
                    first, body = packet
                    filters, most = check_packet(first, body), self.max_filters
                    if first >> 4 == SUBSCRIBE and most is not None and filters > most:
                        self._refuse(
                            f"a SUBSCRIBE of {filters} topic filters, more than a client may "
                            f"hold ({self.max_filters})",
                            "too_many_filters",
                        )
                        break
                    if first >> 4 == PUBLISH and self.publish_inline(first & 0x0F, body):
                        await self.drain_acknowledgements()
                        continue
                    task = await self._dispatch(first, body)
                    if task is not None:
                        running.append(task)
                        if first >> 4 == PUBLISH and (first >> 1) & 0x03 < QOS_2:
                            publishing.add(task)
                            task.add_done_callback(publishing.discard)
                except Malformed as exc:
                    self._refuse(str(exc), "protocol_violation")
                    break  # a protocol violation: closed as a drop, the will goes out
                except (MQTTError, NoDataError) as exc:
                    logger.debug("MQTT packet of %s discarded: %r", session.client_id, exc)
                except asyncio.CancelledError:
                    break
                except Exception as exc:
                    logger.warning("MQTT reader of %s ended: %r", session.client_id, exc)
                    break
        finally:
            if silence is not None:
                silence.stop()
        while running:
            running.popleft().cancel()
        await self.handle_connection_closed()
        self._reader_stopped.set()
        await self.stop()

    def _refuse(self, why: str, reason: str) -> None:
        """Log why the connection is being closed, and count it under `reason`."""
        logger.warning("MQTT client %s closed: %s", self.session.client_id, why)
        if self.on_refusal is not None:
            self.on_refusal(reason)

    async def _dispatch(self, first: int, body: bytes) -> "asyncio.Task[None] | None":
        """Decode one packet with amqtt's classes and start its handler.

        CONNECT is awaited; SUBSCRIBE and UNSUBSCRIBE too, which waits while their bounded
        queue is full.
        """
        header = MQTTFixedHeader(first >> 4, first & 0x0F, len(body))
        decoded = await packet_class(header).from_stream(BufferReader(body), fixed_header=header)
        await self.plugins_manager.fire_event(
            MQTTEvents.PACKET_RECEIVED, packet=decoded, session=self.session
        )
        if header.packet_type == CONNECT:
            # As in amqtt: the connection is set up before any other packet is handled.
            await self.handle_connect(decoded)
            return None
        handle = getattr(self, HANDLERS[header.packet_type])
        if header.packet_type in (SUBSCRIBE, UNSUBSCRIBE):
            await handle(decoded)  # queued for the broker: waits for room, the socket unread
            return None
        return asyncio.create_task(handle(decoded))
