"""The in-app inbox: the delivery row is the message; sending announces it to live streams."""

from typing import ClassVar

from hduce.core.db import HduceEngine
from hduce.plugins.notifications.channels.base import OutgoingMessage

INBOX_CHANNEL = "hduce_inbox"
"""The PostgreSQL NOTIFY channel; payload `<user id>:<delivery id>`, sent on commit."""


class InAppChannel:
    """Marks an inbox item as arrived; every web process's live stream hears it on commit."""

    name: ClassVar[str] = "in_app"

    def __init__(self, db: HduceEngine) -> None:
        self._db = db

    @property
    def configured(self) -> bool:
        """Always available: the inbox lives in the database."""
        return True

    async def send(self, message: OutgoingMessage) -> None:
        """Announce the item; NOTIFY is transactional, so listeners hear it only on commit."""
        await self._db.fetchrow(
            "SELECT pg_notify($1, $2)", INBOX_CHANNEL, f"{message.to}:{message.delivery_id}"
        )
