"""A device's Last Will on its own telemetry topic is kept as its last reading."""

import asyncio
from typing import Any

from amqtt.broker import Broker
from amqtt.mqtt.disconnect import DisconnectPacket
from amqtt.session import Session

from hduce.plugins.devices.services.broker._amqtt_plugins import telemetry_hook


class TelemetryWills(Broker):
    """Keeps a telemetry will as a reading, before amqtt handles the drop.

    amqtt 0.12.1 routes a will to subscribers in `_handle_disconnect`; telemetry is kept only
    from PUBLISH packets and no client may receive it, so a will the ACL lets a device set on
    its telemetry topic (README) was lost without a trace. It is now kept (and counted if
    invalid) like a published message; amqtt then routes nothing, retains nothing.
    """

    async def _handle_disconnect(
        self, client_session: Session, handler: Any, disconnect_waiter: asyncio.Future[Any]
    ) -> None:
        """Keep a telemetry will of a connection that dropped (no DISCONNECT), then as amqtt."""
        said_goodbye = isinstance(disconnect_waiter.result(), DisconnectPacket)
        if client_session.will_flag and not said_goodbye:
            await self._keep_telemetry_will(client_session)
        await super()._handle_disconnect(client_session, handler, disconnect_waiter)

    async def _keep_telemetry_will(self, session: Session) -> None:
        intake = telemetry_hook(self.plugins_manager)
        device_id = intake.device_of(session, session.will_topic or "")
        if device_id is None:
            return
        await intake.kept(device_id, bytes(session.will_message or b""))
        session.will_flag = False  # kept: nothing for amqtt to route or retain
