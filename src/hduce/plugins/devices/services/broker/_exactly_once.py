"""Incoming QoS 2 without a stale PUBREC: the PUBREL waiter is set before PUBREC goes out."""

import asyncio
from typing import Any

from amqtt.mqtt.pubcomp import PubcompPacket
from amqtt.mqtt.pubrec import PubrecPacket
from amqtt.mqtt.pubrel import PubrelPacket
from amqtt.session import IncomingApplicationMessage


class ExactlyOnceInbound:
    """Overrides of amqtt 0.12.1's incoming QoS 2 flow and `handle_pubrel`.

    amqtt registers its PUBREL waiter only once its PUBREC is sent, and resends the flows of a
    persistent session on reconnect after the reader has started. A PUBREL read in between
    found no waiter and completed the message (PUBCOMP), and the late flow then sent a PUBREC
    for a packet id the client had finished with, and waited for a PUBREL that never came.
    Here the waiter is set before PUBREC is sent, and a resent flow whose message was released
    meanwhile does nothing.
    """

    session: Any
    _pubrel_waiters: dict[int, "asyncio.Future[PubrelPacket]"]
    _send_packet: Any

    async def _handle_qos2_message_flow(self, app_message: Any) -> None:
        """Incoming: PUBREC, wait for PUBREL, deliver, PUBCOMP; outgoing: amqtt's flow."""
        session = self.session
        if not isinstance(app_message, IncomingApplicationMessage) or session is None:
            await super()._handle_qos2_message_flow(app_message)  # type: ignore[misc]
            return
        packet_id = app_message.packet_id
        if app_message.pubrec_packet is None:
            session.inflight_in[packet_id] = app_message  # a new message
        elif session.inflight_in.get(packet_id) is not app_message:
            return  # resent on reconnect, but its PUBREL came first and released it
        earlier = self._pubrel_waiters.get(packet_id)
        if earlier is not None and not earlier.done():
            earlier.cancel()
        waiter: asyncio.Future[PubrelPacket] = asyncio.get_running_loop().create_future()
        self._pubrel_waiters[packet_id] = waiter  # before PUBREC: the PUBREL may be quick
        try:
            app_message.pubrec_packet = PubrecPacket.build(packet_id)
            await self._send_packet(app_message.pubrec_packet)
            app_message.pubrel_packet = await waiter
        finally:
            if self._pubrel_waiters.get(packet_id) is waiter:
                del self._pubrel_waiters[packet_id]
        await session.delivered_message_queue.put(app_message)
        session.inflight_in.pop(packet_id, None)
        app_message.pubcomp_packet = PubcompPacket.build(packet_id)
        await self._send_packet(app_message.pubcomp_packet)

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
