"""The `notifications.deliver` task body: send one delivery once, or schedule its retry."""

import asyncio
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import asyncpg

from hduce.core.context import AppContext
from hduce.core.events import EventMeta
from hduce.plugins.notifications.channels.base import Channel, DeliveryError, OutgoingMessage
from hduce.plugins.notifications.channels.email_log import LoggedEmailChannel
from hduce.plugins.notifications.config import NotificationsConfig
from hduce.plugins.notifications.events import DeliveryDue

logger = logging.getLogger("hduce.notifications")

SENDABLE = ("pending", "deferred")


class DeliverySender:
    """Sends due deliveries; the row stays locked while sending, so a delivery is sent once.

    `last_error` keeps the latest failure even after a later attempt succeeds.
    """

    def __init__(
        self, context: AppContext, config: NotificationsConfig, channels: Mapping[str, Channel]
    ) -> None:
        self._context = context
        self._config = config
        self._channels = channels
        self._slots = asyncio.Semaphore(config.send_concurrency)

    async def handle(self, event: DeliveryDue, meta: EventMeta) -> None:
        """Task entry point for `DeliveryDue`."""
        await self.deliver(event.delivery_id)

    async def deliver(self, delivery_id: uuid.UUID) -> None:
        """Send the delivery if it is still due; record the outcome in the same transaction."""
        db = self._context.db
        async with self._slots, db.transaction():
            row = await db.fetchrow(
                "SELECT id, recipient, channel, address, subject, body_text, body_html, status, "
                "attempts FROM delivery WHERE id = $1 FOR UPDATE",
                delivery_id,
            )
            if row is None or row["status"] not in SENDABLE:
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
            await db.fetchrow(
                "UPDATE delivery SET status = $2, sent_at = now(), attempts = attempts + 1, "
                "next_attempt_at = NULL, updated_at = now() WHERE id = $1",
                delivery_id,
                status,
            )

    async def _record_failure(self, row: asyncpg.Record, error: DeliveryError) -> None:
        attempts = row["attempts"] + 1
        if error.permanent or attempts >= self._config.max_attempts:
            logger.warning("delivery %s failed for good: %s", row["id"], error)
            await self._context.db.fetchrow(
                "UPDATE delivery SET status = 'failed', attempts = $2, last_error = $3, "
                "next_attempt_at = NULL, updated_at = now() WHERE id = $1",
                row["id"],
                attempts,
                str(error),
            )
            return
        delay = min(self._config.retry_max, self._config.retry_base * 2 ** (attempts - 1))
        retry_at = datetime.now(UTC) + timedelta(seconds=delay)
        logger.info(
            "delivery %s attempt %d failed (%s); retry at %s", row["id"], attempts, error, retry_at
        )
        await self._context.db.fetchrow(
            "UPDATE delivery SET status = 'pending', attempts = $2, last_error = $3, "
            "next_attempt_at = $4, updated_at = now() WHERE id = $1",
            row["id"],
            attempts,
            str(error),
            retry_at,
        )
        await self._context.events.publish(DeliveryDue(delivery_id=row["id"]), at=retry_at)
