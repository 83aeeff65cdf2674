"""The `notifications.deliver` task body: claim a due delivery, send it, record the outcome.

Nothing waits in a task slot for a busy channel: the channel's place (an SMTP connection), a
place of its share (`channel_share`: no channel holds more than half of the process's places,
so a stalled one leaves the rest to the others) and then one of the process's `send_concurrency`
places are taken first, each within `ROOM_WAIT`;
when either stays busy the delivery is due again a little later (`DeliveryDue.busy` counts how
often in a row; the delay doubles). No transaction is open during the send: the delivery is
claimed (its attempt counted, `next_attempt_at` moved to when the claim expires, a
`DeliveryDue` published for then) and committed, sent within the channel's time limit, and the
outcome recorded only if the claim is still this sender's. A sender stopped mid-send leaves a
claim that expires: the delivery is tried again, and failed once its attempts are spent.
"""

import asyncio
import logging
import uuid
from collections.abc import Mapping
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import asyncpg

from hduce.contracts.users import UserDirectory
from hduce.core.backoff import retry_delay
from hduce.core.capacity import ROOM_WAIT, Busy, Capacity, put_off_until
from hduce.core.events import EventMeta
from hduce.core.plugin_env import PluginEnv
from hduce.plugins.notifications.config import NotificationsConfig
from hduce.plugins.notifications.services._quiet_hours import held_until
from hduce.plugins.notifications.services.channels.base import (
    Channel,
    DeliveryError,
    OutgoingMessage,
)
from hduce.plugins.notifications.services.channels.capacity import Limited, channel_share
from hduce.plugins.notifications.services.channels.email_log import LoggedEmailChannel
from hduce.plugins.notifications.services.channels.in_app import InAppChannel
from hduce.plugins.notifications.store import DeliveryStore, Preferences, PreferenceStore
from hduce.plugins.notifications.tasks import DeliveryDue

logger = logging.getLogger("hduce.notifications")

SENDABLE = ("pending", "deferred")
OFF = "turned off in the user's preferences"
"""Why a non-critical delivery on a channel its recipient switched off is skipped."""
ATTEMPT_GRACE = 5.0
"""Seconds an attempt may run past its channel's `timeout` (which bounds each wait, not the sum)."""
ATTEMPT_LIMIT = 30.0
"""The time limit of an attempt on a channel without a `timeout` of its own (push, the log)."""
CLAIM_MARGIN = 10.0
"""Seconds a claim outlives its attempt's limit, for the outcome to be recorded in time."""
MOST_ASKED_WAIT = 86400.0
"""The longest wait a channel's `retry_after` (an SMS provider's `Retry-After`) is obeyed for,
and how long after its creation a delivery's attempts answered with one are given back."""


class Claim(NamedTuple):
    """A delivery taken for one attempt: what to send, which attempt, the expiry's event."""

    message: OutgoingMessage
    attempts: int
    expiry: uuid.UUID
    created_at: datetime


class DeliverySender:
    """Sends due deliveries; a claimed delivery is sent by no one else until its claim expires."""

    def __init__(
        self,
        env: PluginEnv[NotificationsConfig],
        channels: Mapping[str, Channel],
        directory: UserDirectory,
    ) -> None:
        self._db = env.db
        self._directory = directory
        self._events = env.events
        self._config = config = env.config
        self._channels = channels
        self._deliveries = DeliveryStore(env.db)
        self._preferences = PreferenceStore(env.db)
        self._places = Capacity(config.send_concurrency, "deliveries in flight")
        share = channel_share(config.send_concurrency)
        self._shares = {name: Capacity(share, f"{name} deliveries in flight") for name in channels}
        self._limits = {
            "email": config.email.timeout + ATTEMPT_GRACE,
            "sms": config.sms.timeout + ATTEMPT_GRACE,
        }

    async def handle(self, event: DeliveryDue, meta: EventMeta) -> None:
        """Task entry point for `DeliveryDue`."""
        await self.deliver(event.delivery_id, event.channel, busy=event.busy)

    async def deliver(self, delivery_id: uuid.UUID, channel: str = "", *, busy: int = 0) -> None:
        """Send the delivery if it is still due, or put it off while its channel is busy."""
        name = channel or await self._deliveries.channel_of(delivery_id) or ""
        sender = self._channels.get(name)
        if isinstance(sender, InAppChannel):  # nothing to send outside the database
            await sender.deliver_due(delivery_id, SENDABLE)
            return
        if sender is None:
            return
        async with AsyncExitStack() as places:
            try:
                for capacity in self._capacities(name, sender):
                    await places.enter_async_context(capacity.hold(ROOM_WAIT))
            except Busy:
                await self._put_off(delivery_id, name, busy)
                return
            claim = await self._claim(delivery_id, name)
            if claim is not None:
                error = await self._attempt(name, sender, claim.message)
                await self._settle(
                    claim, name, error, logged=isinstance(sender, LoggedEmailChannel)
                )

    def _capacities(self, name: str, sender: Channel) -> list[Capacity]:
        """The places a send on `name` takes, in order.

        The channel's own first (it may be the busy one), then its share of the process's
        places, then one of those.
        """
        own = [sender.capacity] if isinstance(sender, Limited) else []
        return [*own, self._shares[name], self._places]

    async def _put_off(self, delivery_id: uuid.UUID, channel: str, busy: int) -> None:
        """Make the delivery due again a little later, its task slot left for other work."""
        due = DeliveryDue(delivery_id=delivery_id, channel=channel, busy=busy + 1)
        await self._events.publish(due, at=put_off_until(busy))

    async def _claim(self, delivery_id: uuid.UUID, channel: str) -> Claim | None:
        """The due delivery, claimed for one attempt; None if there is nothing to send."""
        async with self._db.transaction():
            row = await self._deliveries.lock_due(delivery_id)
            if row is None:
                return None
            now = datetime.now(UTC)
            if row["send_before"] is not None and row["send_before"] <= now:
                late = f"too late: it had to go before {row['send_before']:%Y-%m-%d %H:%M:%S} UTC"
                await self._deliveries.skip(delivery_id, late)
                return None
            preferences = await self._preferences_of(row)
            if preferences and not preferences.allows(row["category"], row["channel"]):
                await self._deliveries.skip(delivery_id, OFF)
                return None
            if row["status"] == "pending" and await self._held(row, preferences):
                return None
            if row["attempts"] >= self._config.max_attempts:
                # The senders of its last attempts stopped before recording them.
                error = "no outcome of the last attempt: its sender stopped"
                await self._deliveries.settle(
                    delivery_id, row["attempts"], status="failed", error=error
                )
                return None
            until = now + timedelta(seconds=self._limit(channel) + CLAIM_MARGIN)
            await self._deliveries.claim(delivery_id, until)
            due = DeliveryDue(delivery_id=delivery_id, channel=channel)
            expiry = await self._events.publish(due, at=until)
        message = OutgoingMessage(
            delivery_id=row["id"],
            to=row["address"],
            subject=row["subject"],
            text=row["body_text"],
            html=row["body_html"],
        )
        return Claim(message, row["attempts"] + 1, expiry, row["created_at"])

    async def _preferences_of(self, row: asyncpg.Record) -> Preferences | None:
        """The recipient's preferences as they are now, for a non-critical message to a user.

        A held (quiet hours) or retried delivery follows the switches as they are when it goes.
        """
        if row["critical"] or row["recipient"] is None:
            return None
        return await self._preferences.get(row["recipient"])

    async def _held(self, row: asyncpg.Record, preferences: Preferences | None) -> bool:
        """Whether the pending delivery falls in quiet hours: then it is deferred to their end.

        So waits a retry (or a late first attempt) falling in them. A held delivery waking at
        the end of its window is not held again: it was held under it.
        """
        if preferences is None or preferences.quiet_hours is None:
            return False
        contact = await self._directory.contact(row["recipient"])
        until = held_until(
            preferences.quiet_hours,
            contact.timezone if contact else "UTC",
            category=row["category"],
            channel=row["channel"],
            critical=row["critical"],
        )
        if until is None:
            return False
        await self._deliveries.settle(row["id"], row["attempts"], status="deferred", retry_at=until)
        await self._events.publish(
            DeliveryDue(delivery_id=row["id"], channel=row["channel"]), at=until
        )
        return True

    def _limit(self, channel: str) -> float:
        """Seconds one attempt on `channel` may take."""
        return self._limits.get(channel, ATTEMPT_LIMIT)

    async def _attempt(
        self, name: str, channel: Channel, message: OutgoingMessage
    ) -> DeliveryError | None:
        """Send once within the channel's time limit; why it failed, or None once sent.

        An exception the channel did not expect is a permanent failure: trying again would
        meet it again.
        """
        limit = self._limit(name)
        try:
            async with asyncio.timeout(limit):
                await channel.send(message)
        except DeliveryError as exc:
            return exc
        except TimeoutError:
            return DeliveryError(f"{name}: no answer within {limit:g}s")
        except Exception as exc:
            logger.exception("delivery %s: the %s channel failed", message.delivery_id, name)
            return DeliveryError(f"{name}: {type(exc).__name__}: {exc}", permanent=True)
        return None

    async def _settle(
        self, claim: Claim, channel: str, error: DeliveryError | None, *, logged: bool
    ) -> None:
        """Record the attempt's outcome, unless its claim expired and was taken over."""
        delivery_id, attempts = claim.message.delivery_id, claim.attempts
        async with self._db.transaction():
            if error is None:
                # Written to the log reaches nobody: analytics must not count it as sent.
                status = "logged" if logged else "sent"
                settled = await self._deliveries.settle(delivery_id, attempts, status=status)
            else:
                retry_at, given_back = self._retry_at(claim, error)
                status = "failed" if retry_at is None else "pending"
                settled = await self._deliveries.settle(
                    delivery_id,
                    attempts,
                    status=status,
                    error=str(error),
                    retry_at=retry_at,
                    given_back=given_back,
                )
                if settled and retry_at is not None:
                    due = DeliveryDue(delivery_id=delivery_id, channel=channel)
                    await self._events.publish(due, at=retry_at)
            if settled:
                await self._events.cancel(claim.expiry)

    def _retry_at(self, claim: Claim, error: DeliveryError) -> tuple[datetime | None, bool]:
        """When to try again after the claim's failed attempt (None: give up); if it is given back.

        The wait is the back-off, or what the channel was asked to wait (`retry_after`, at most
        `MOST_ASKED_WAIT`) when longer. An attempt answered with such a request is given back
        (not counted toward `max_attempts`) while its retry falls within `MOST_ASKED_WAIT` of the
        delivery's creation: a throttling provider does not spend the attempts in a few minutes.
        """
        delivery_id, attempts = claim.message.delivery_id, claim.attempts
        if error.permanent:
            logger.warning("delivery %s failed for good: %s", delivery_id, error)
            return None, False
        delay = retry_delay(attempts, self._config.retry_base, self._config.retry_max)
        if error.retry_after is not None:
            delay = max(delay, min(error.retry_after, MOST_ASKED_WAIT))
        retry_at = datetime.now(UTC) + timedelta(seconds=delay)
        given_back = error.retry_after is not None and retry_at <= claim.created_at + timedelta(
            seconds=MOST_ASKED_WAIT
        )
        if not given_back and attempts >= self._config.max_attempts:
            logger.warning("delivery %s failed for good: %s", delivery_id, error)
            return None, False
        logger.info(
            "delivery %s attempt %d failed (%s); retry at %s",
            delivery_id,
            attempts,
            error,
            retry_at,
        )
        return retry_at, given_back
