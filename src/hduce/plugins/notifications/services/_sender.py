"""The `notifications.deliver` task body: send one delivery once, or schedule its retry."""

import asyncio
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import asyncpg

from hduce.core.events import EventMeta
from hduce.core.plugin_env import PluginEnv
from hduce.plugins.notifications.config import NotificationsConfig
from hduce.plugins.notifications.services.channels.base import (
    Channel,
    DeliveryError,
    OutgoingMessage,
)
from hduce.plugins.notifications.services.channels.email_log import LoggedEmailChannel
from hduce.plugins.notifications.services.channels.in_app import InAppChannel
from hduce.plugins.notifications.store import DeliveryStore
from hduce.plugins.notifications.tasks import DeliveryDue

logger = logging.getLogger("hduce.notifications")

SENDABLE = ("pending", "deferred")


class DeliverySender:
    """Sends due deliveries; the row stays locked while sending, so a delivery is sent once.

    `last_error` keeps the latest failure even after a later attempt succeeds.
    """

    def __init__(
        self, env: PluginEnv[NotificationsConfig], channels: Mapping[str, Channel]
    ) -> None:
        self._db = env.db
        self._events = env.events
        self._config = env.config
        self._channels = channels
        self._deliveries = DeliveryStore(env.db)
        self._slots = asyncio.Semaphore(env.config.send_concurrency)

    async def handle(self, event: DeliveryDue, meta: EventMeta) -> None:
        """Task entry point for `DeliveryDue`."""
        channel = self._channels.get(event.channel)
        if isinstance(channel, InAppChannel):  # nothing to send outside the database
            await channel.deliver_due(event.delivery_id, SENDABLE)
            return
        await self.deliver(event.delivery_id)

    async def deliver(self, delivery_id: uuid.UUID) -> None:
        """Send the delivery if it is still due; record the outcome in the same transaction."""
        async with self._slots, self._db.transaction():
            row = await self._deliveries.lock(delivery_id)
            if row is None or row["status"] not in SENDABLE:
                return
            if row["send_before"] is not None and row["send_before"] <= datetime.now(UTC):
                late = f"too late: it had to go before {row['send_before']:%Y-%m-%d %H:%M:%S} UTC"
                await self._deliveries.skip(delivery_id, late)
                return
            message = OutgoingMessage(
                delivery_id=row["id"],
                to=row["address"],
                subject=row["subject"],
                text=row["body_text"],
                html=row["body_html"],
            )
            channel = self._channels[row["channel"]]
            try:
                await channel.send(message)
            except DeliveryError as exc:
                await self._record_failure(row, exc)
                return
            # Written to the log reaches nobody: analytics must not count it as sent.
            status = "logged" if isinstance(channel, LoggedEmailChannel) else "sent"
            await self._deliveries.sent(delivery_id, status)

    async def _record_failure(self, row: asyncpg.Record, error: DeliveryError) -> None:
        attempts = row["attempts"] + 1
        if error.permanent or attempts >= self._config.max_attempts:
            logger.warning("delivery %s failed for good: %s", row["id"], error)
            await self._deliveries.failed(row["id"], attempts, str(error), retry_at=None)
            return
        delay = min(self._config.retry_max, self._config.retry_base * 2 ** (attempts - 1))
        retry_at = datetime.now(UTC) + timedelta(seconds=delay)
        logger.info(
            "delivery %s attempt %d failed (%s); retry at %s", row["id"], attempts, error, retry_at
        )
        await self._deliveries.failed(row["id"], attempts, str(error), retry_at)
        due = DeliveryDue(delivery_id=row["id"], channel=row["channel"])
        await self._events.publish(due, at=retry_at)
