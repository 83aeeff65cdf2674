"""The in-app inbox: the delivery row is the message; sending announces it to live streams."""

import uuid
from collections.abc import Sequence
from typing import ClassVar

from hduce.plugins.notifications.services.channels.base import OutgoingMessage
from hduce.plugins.notifications.store import Inbox


class InAppChannel:
    """Marks an inbox item as arrived; every web process's live stream hears it on commit."""

    name: ClassVar[str] = "in_app"

    def __init__(self, inbox: Inbox) -> None:
        self._inbox = inbox

    @property
    def configured(self) -> bool:
        """Always available: the inbox lives in the database."""
        return True

    async def deliver_due(self, delivery_id: uuid.UUID, sendable: Sequence[str]) -> None:
        """Send a due delivery of this channel: mark it sent and announce it, one statement."""
        await self._inbox.deliver_due(delivery_id, sendable)

    async def send(self, message: OutgoingMessage) -> None:
        """Announce the item; listeners hear it only once the delivery's transaction commits."""
        await self._inbox.announce(message.to, message.delivery_id)
