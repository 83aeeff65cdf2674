"""Incoming PUBLISH: telemetry made durable before it is acknowledged; QoS 2 stored once."""

from typing import Any

from amqtt.mqtt.constants import QOS_1, QOS_2
from amqtt.mqtt.puback import PubackPacket
from amqtt.mqtt.pubcomp import PubcompPacket
from amqtt.mqtt.publish import PublishPacket
from amqtt.mqtt.pubrec import PubrecPacket
from amqtt.mqtt.pubrel import PubrelPacket
from amqtt.session import IncomingApplicationMessage

from hduce.plugins.devices.services.broker._amqtt_plugins import TelemetryHookPlugin


class DurableInbound:
    """Overrides of amqtt 0.12.1's `ProtocolHandler.handle_publish` and `handle_pubrel`.

    amqtt acknowledges a PUBLISH as soon as it is queued in memory, and treats a QoS 2 PUBLISH
    sent again before PUBREL (DUP=1, same packet id) as a new message. Here a device's telemetry
    is first handed to the devices plugin (validated, fsynced to the spool) and only then
    acknowledged: PUBACK straight away (no client may receive telemetry, so amqtt's routing is
    skipped), PUBREC through amqtt's QoS 2 flow. When the spool is full nothing is sent, and the
    client sends the message again later. Other topics go to amqtt unchanged. A QoS 2 packet id
    seen and not yet released in this session (`session.inflight_in`, which survives a reconnect
    with clean session 0) only gets its PUBREC again ([MQTT-4.3.3-2]: method A, store then
    PUBREC), or nothing while its first copy is still being written (that one answers once
    durable).
    """

    session: Any
    plugins_manager: Any
    _keeping: set[int]
    """QoS 2 packet ids of this connection whose first copy is still being made durable."""
    _pubrel_waiters: dict[int, Any]
    _telemetry_hook: TelemetryHookPlugin | None = None
    """The broker's telemetry plugin, found on the first PUBLISH."""
    _send_packet: Any
    _handle_message_flow: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._keeping = set()

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
        intake = self._intake()
        device_id = intake.device_of(session, topic)
        if device_id is None:
            await self._handle_message_flow(_message(publish_packet))
            return
        message = _message(publish_packet) if qos == QOS_2 else None
        if message is not None:
            inflight[packet_id] = message  # claimed before waiting, so a quick resend is seen
            self._keeping.add(packet_id)
        try:
            kept = await intake.keep(device_id, bytes(data))
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

    async def handle_pubrel(self, pubrel: PubrelPacket) -> None:
        """Release a QoS 2 message; always answer PUBCOMP ([MQTT-4.3.3-2]).

        A PUBREL for a flow this connection is not waiting on (the broker restarted, or the flow
        ended) gets its PUBCOMP too, so the client can let the packet id go.
        """
        packet_id = pubrel.packet_id
        waiter = self._pubrel_waiters.get(packet_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(pubrel)
            return
        if self.session is not None:
            self.session.inflight_in.pop(packet_id, None)
        await self._send_packet(PubcompPacket.build(packet_id))

    def _intake(self) -> TelemetryHookPlugin:
        intake = self._telemetry_hook
        if intake is None:
            intake = next(
                (p for p in self.plugins_manager.plugins if isinstance(p, TelemetryHookPlugin)),
                None,
            )
            if intake is None:
                raise LookupError("the broker runs without hduce's TelemetryHookPlugin")
            self._telemetry_hook = intake
        return intake


def _message(packet: PublishPacket) -> IncomingApplicationMessage:
    """The application message amqtt's own flows take (built only for those)."""
    message = IncomingApplicationMessage(
        packet.packet_id, packet.topic_name, packet.qos, packet.data, packet.retain_flag
    )
    message.publish_packet = packet
    return message
