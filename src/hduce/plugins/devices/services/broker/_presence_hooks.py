"""The amqtt plugin that tells device presence when a device's connection starts and ends."""

import uuid
from dataclasses import dataclass
from typing import Any

from amqtt.plugins.base import BasePlugin
from amqtt.session import Session

from hduce.plugins.devices.services._credentials import ClientKind
from hduce.plugins.devices.services._presence import CONNECTION_LOST
from hduce.plugins.devices.services.broker._amqtt_plugins import KIND
from hduce.plugins.devices.services.broker._keepalive import ENDED_BY


def device_of(session: Session) -> uuid.UUID | None:
    """The device signed in on `session` (None for users' apps)."""
    if getattr(session, KIND, None) is not ClientKind.DEVICE or not session.username:
        return None
    return uuid.UUID(session.username)  # sign-in accepted it as a device id


class PresenceHookPlugin(BasePlugin[Any]):
    """Counts device connections in `DevicePresence` (no I/O here: its writer stores them)."""

    @dataclass
    class Config:
        """`presence`: the `DevicePresence` of this broker."""

        presence: Any = None

    async def on_broker_client_connected(self, *, client_id: str, client_session: Session) -> None:
        """A device signed in."""
        if (device := device_of(client_session)) is not None:
            self.config.presence.connected(device)

    async def on_broker_client_disconnected(
        self, *, client_id: str, client_session: Session
    ) -> None:
        """A device's connection ended: it said DISCONNECT, went silent, or dropped."""
        if (device := device_of(client_session)) is not None:
            reason = client_session.attributes.get(ENDED_BY, CONNECTION_LOST)
            self.config.presence.disconnected(device, reason)
