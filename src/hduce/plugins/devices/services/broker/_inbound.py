"""Incoming PUBLISH: telemetry made durable before it is acknowledged; QoS 2 stored once."""

import functools
from typing import Any

from amqtt.adapters import StreamWriterAdapter
from amqtt.mqtt.constants import QOS_1, QOS_2
from amqtt.mqtt.puback import PubackPacket
from amqtt.mqtt.publish import PublishPacket
from amqtt.mqtt.pubrec import PubrecPacket
from amqtt.session import IncomingApplicationMessage

from hduce.plugins.devices.services.broker._amqtt_plugins import (
    TelemetryHookPlugin,
    telemetry_hook,
)

_PUBACK = bytes([0x40, 2])
"""A PUBACK's fixed header; its body is the packet id."""


class DurableInbound:
    """An override of amqtt 0.12.1's `ProtocolHandler.handle_publish`, and the inline path.

    amqtt acknowledges a PUBLISH as soon as it is queued in memory, and treats a QoS 2 PUBLISH
    sent again before PUBREL (DUP=1, same packet id) as a new message. Here a device's telemetry
    is first handed to the devices plugin (validated, fsynced to the spool) and only then
    acknowledged: PUBACK straight away (no client may receive telemetry, so amqtt's routing is
    skipped), PUBREC through amqtt's QoS 2 flow. A device's PUBLISH the ACL refuses is counted
    on its row before amqtt acknowledges and drops it. When the spool is full nothing is sent,
    and the client sends the message again later. Other topics go to amqtt unchanged. A QoS 2
    packet id seen and not yet released in this session (`session.inflight_in`, which survives
    a reconnect with clean session 0) only gets its PUBREC again ([MQTT-4.3.3-2]: method A,
    store then PUBREC), or nothing while its first copy is still being written (that one
    answers once durable). A new QoS 2 packet id beyond `receive_maximum` messages unreleased in
    the session (each kept whole until its PUBREL: a client never sending PUBREL would grow the
    broker's memory without end, with a persistent session for days) closes the connection as
    a protocol violation, as MQTT 5 treats a client exceeding the server's Receive Maximum.

    On a TCP or TLS socket, a device's QoS 0/1 telemetry does not even reach `handle_publish`:
    the reader hands its bytes to `publish_inline`, and the PUBACK is written to the socket by
    the spool's callback once the message is fsynced (no task, future or lock per message).
    """

    session: Any
    plugins_manager: Any
    _keeping: set[int]
    """QoS 2 packet ids of this connection whose first copy is still being made durable."""
    receive_maximum: int | None = None
    """The most QoS 2 messages a client may leave unreleased (PUBREC sent, no PUBREL yet)."""
    _over_maximum = False
    _telemetry_hook: TelemetryHookPlugin | None = None
    """The broker's telemetry plugin, found on the first PUBLISH."""
    _send_packet: Any
    _handle_message_flow: Any
    _refuse: Any

    writer: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._keeping = set()

    def publish_inline(self, flags: int, body: bytes) -> bool:
        """Take a device's QoS 0/1 telemetry from the raw PUBLISH; False: not one, or not here.

        The topic is decoded from `body` only as far as telling a telemetry topic this session
        may publish on; anything else (QoS 2, other topics, a malformed body, a WebSocket) is
        left to amqtt's decoding and `handle_publish`. A message the spool cannot take gets no
        PUBACK, as in `handle_publish`.
        """
        qos, session, writer = (flags >> 1) & 0x03, self.session, self.writer
        end = 2 + int.from_bytes(body[:2])
        if qos == QOS_2 or session is None or not isinstance(writer, StreamWriterAdapter):
            return False
        if len(body) < end + (2 if qos else 0):
            return False
        try:
            topic = body[2:end].decode()
        except UnicodeDecodeError:
            return False
        intake = self._intake()
        device_id = intake.device_of(session, topic)
        if device_id is None:
            return False
        if not qos:
            intake.keep(device_id, body[end:], None)
            return True
        acknowledge = functools.partial(_puback, writer, body[end : end + 2])
        intake.keep(device_id, body[end + 2 :], acknowledge)
        return True

    async def handle_publish(self, publish_packet: PublishPacket) -> None:
        """Keep telemetry durably, then acknowledge it; anything else goes to amqtt as is."""
        packet_id, qos = publish_packet.packet_id, publish_packet.qos
        topic, data, session = publish_packet.topic_name, publish_packet.data, self.session
        if topic is None or data is None or session is None:
            return
        inflight = session.inflight_in
        if qos == QOS_2 and packet_id in inflight:
            if packet_id not in self._keeping:  # else its first copy sends PUBREC when durable
                await self._send_packet(PubrecPacket.build(packet_id))
            return
        most = self.receive_maximum
        if qos == QOS_2 and most is not None and len(inflight) >= most:
            await self._close_unreleased(most)
            return
        intake = self._intake()
        device_id = intake.device_of(session, topic)
        if device_id is None:
            intake.refused(session, topic)
            await self._handle_message_flow(_message(publish_packet))
            return
        message = _message(publish_packet) if qos == QOS_2 else None
        if message is not None:
            inflight[packet_id] = message  # claimed before waiting, so a quick resend is seen
            self._keeping.add(packet_id)
        try:
            kept = await intake.kept(device_id, bytes(data))
        finally:
            self._keeping.discard(packet_id)
        if not kept:
            inflight.pop(packet_id, None)
        elif qos == QOS_1:
            # Stored: nothing left to route (no client may receive telemetry), so amqtt's
            # delivery path, and its retain handling, are skipped.
            await self._send_packet(PubackPacket.build(packet_id))
        elif message is not None:
            await self._handle_message_flow(message)

    async def _handle_qos0_message_flow(self, app_message: Any) -> None:
        """Incoming QoS 0: queued for the broker, waiting for room (amqtt drops it when full).

        The session's queue is bounded (see `_reader`); waiting keeps this PUBLISH counted as
        being handled, so the connection is not read meanwhile. (DUP at QoS 0 closed the
        connection before this, `_wire_rules`.)
        """
        if isinstance(app_message, IncomingApplicationMessage) and self.session is not None:
            await self.session.delivered_message_queue.put(app_message)
            return
        await super()._handle_qos0_message_flow(app_message)  # type: ignore[misc]

    async def _close_unreleased(self, most: int) -> None:
        """Close the connection of a client with one QoS 2 message too many unreleased."""
        if not self._over_maximum:  # pipelined PUBLISHes: the first one closes it
            self._over_maximum = True
            self._refuse(
                f"a QoS 2 PUBLISH with {most} unreleased already (receive_maximum)",
                "too_many_unreleased",
            )
            await self.writer.close()

    async def drain_acknowledgements(self) -> None:
        """Wait while the client leaves its PUBACKs unread (called after `publish_inline`).

        The client is not read from meanwhile, so its socket's send buffer stays bounded.
        """
        transport = self.writer._writer.transport
        if transport.get_write_buffer_size() and not transport.is_closing():
            await self.writer.drain()

    def _intake(self) -> TelemetryHookPlugin:
        intake = self._telemetry_hook
        if intake is None:
            intake = self._telemetry_hook = telemetry_hook(self.plugins_manager)
        return intake


def _puback(writer: StreamWriterAdapter, packet_id: bytes, durable: bool) -> None:
    """Acknowledge a kept message on its socket, unless it was not kept or the socket closed.

    One whole packet per `write`, so it cannot land inside another packet amqtt is writing.
    """
    if durable and not writer.is_closed and not writer._writer.transport.is_closing():
        writer.write(_PUBACK + packet_id)


def _message(packet: PublishPacket) -> IncomingApplicationMessage:
    """The application message amqtt's own flows take (built only for those)."""
    message = IncomingApplicationMessage(
        packet.packet_id, packet.topic_name, packet.qos, packet.data, packet.retain_flag
    )
    message.publish_packet = packet
    return message
