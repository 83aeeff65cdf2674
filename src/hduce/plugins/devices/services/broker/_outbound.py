"""Outgoing delivery for amqtt 0.12.1: granted QoS, RETAIN, QoS 1 kept until acknowledged."""

import asyncio
import logging
from typing import Any

from amqtt.mqtt.puback import PubackPacket
from amqtt.session import OutgoingApplicationMessage, Session

from hduce.plugins.devices.services.broker._routing import FilterTable

logger = logging.getLogger("hduce.devices")
ACK_WAIT_SECONDS = 10.0
"""How long a delivery waits for its PUBACK; unacknowledged, it stays in flight for reconnect."""


def matches(topic_filter: str, topic: str) -> bool:
    """Whether `topic` matches `topic_filter` (MQTT 3.1.1 §4.7, `$` topics skip wildcards)."""
    if topic.startswith("$") and topic_filter[:1] in ("+", "#"):
        return False
    levels, filter_levels = topic.split("/"), topic_filter.split("/")
    for index, level in enumerate(filter_levels):
        if level == "#":
            return True
        if index >= len(levels) or level not in ("+", levels[index]):
            return False
    return len(filter_levels) == len(levels)


class OutboundDeliveryMixin:
    """Delivery to a client as MQTT 3.1.1 says, where amqtt 0.12.1 does not.

    - amqtt sends at the broadcast's QoS when one is forced (internal pushes, Wills), above
      what the client was granted: delivered QoS is min(published, granted) [MQTT-3.8.4-6].
    - Messages queued while a persistent session was offline were sent with RETAIN=1; they go
      out here, after the in-flight ones, with RETAIN=0 [MQTT-3.3.1-9].
    - A QoS 1 message was dropped from the session when its PUBACK did not come (connection
      lost, or 5 s): it now stays in flight until acknowledged, so a persistent session
      redelivers it with DUP=1 on reconnect [MQTT-4.4.0-1].
    """

    session: Session | None
    plugins_manager: Any
    _puback_waiters: dict[int, "asyncio.Future[PubackPacket]"]

    async def mqtt_publish(
        self,
        topic: str,
        data: bytes | bytearray,
        qos: int | None,
        retain: bool,
        ack_timeout: int | None = None,
    ) -> OutgoingApplicationMessage:
        """Send `data` at no more than the QoS this client was granted for `topic`."""
        granted = self._granted_qos(topic)
        if qos is not None and granted is not None:
            qos = min(qos, granted)
        return await super().mqtt_publish(topic, data, qos, retain, ack_timeout)  # type: ignore[misc]

    def _granted_qos(self, topic: str) -> int | None:
        """The highest QoS granted to this client's subscriptions matching `topic` (§3.3.5)."""
        if self.session is None:
            return None
        client_id = self.session.client_id
        broker = self.plugins_manager.context  # amqtt's broker context, not HDuce's
        subscriptions: FilterTable = broker.subscriptions
        granted = [
            qos
            for topic_filter in subscriptions.candidates(topic)
            if matches(topic_filter, topic)
            for subscriber, qos in subscriptions.get(topic_filter, ())
            if subscriber.client_id == client_id
        ]
        return max(granted, default=None)

    async def _retry_deliveries(self) -> None:
        """Resend what is in flight, then what was queued while offline (without RETAIN)."""
        await super()._retry_deliveries()  # type: ignore[misc]
        session = self.session
        if session is None:
            return
        queued = []
        while not session.retained_messages.empty():
            message = session.retained_messages.get_nowait()
            queued.append(self.mqtt_publish(message.topic, message.data, message.qos, False))
        for outcome in await asyncio.gather(*queued, return_exceptions=True):
            if isinstance(outcome, BaseException):
                logger.info(
                    "queued MQTT message to %s not delivered: %r", session.client_id, outcome
                )

    async def _handle_qos1_message_flow(self, app_message: Any) -> None:
        """Outgoing QoS 1: PUBLISH (DUP once sent before), wait for PUBACK, forget only then."""
        if not isinstance(app_message, OutgoingApplicationMessage) or self.session is None:
            await super()._handle_qos1_message_flow(app_message)  # type: ignore[misc]
            return
        session, packet_id = self.session, app_message.packet_id
        assert packet_id is not None
        session.inflight_out[packet_id] = app_message
        packet = app_message.build_publish_packet(dup=app_message.publish_packet is not None)
        app_message.publish_packet = packet  # from now on any resend carries DUP=1
        waiter: asyncio.Future[PubackPacket] = asyncio.get_running_loop().create_future()
        self._puback_waiters[packet_id] = waiter  # before sending: the PUBACK may be quick
        try:
            await self._send_packet(packet)  # type: ignore[attr-defined]
            app_message.puback_packet = await asyncio.wait_for(waiter, ACK_WAIT_SECONDS)
        finally:
            if self._puback_waiters.get(packet_id) is waiter:
                del self._puback_waiters[packet_id]
            if app_message.puback_packet is not None or session.clean_session:
                session.inflight_out.pop(packet_id, None)

    async def handle_puback(self, puback: PubackPacket) -> None:
        """A PUBACK that came after its delivery stopped waiting still completes the message."""
        await super().handle_puback(puback)  # type: ignore[misc]
        packet_id = puback.variable_header.packet_id if puback.variable_header else None
        if self.session is not None and packet_id not in self._puback_waiters:
            self.session.inflight_out.pop(packet_id, None)  # type: ignore[arg-type]
