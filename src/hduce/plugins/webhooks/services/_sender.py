"""The `webhooks.deliver` task body: claim a due delivery, POST it, record the outcome.

No transaction is open during the POST: the delivery is claimed (its attempt counted, its
`next_attempt_at` moved to when the claim expires) and committed first, and the outcome is
recorded in a second short transaction, only if the claim is still this sender's. A sender that
stops mid-POST leaves a claim that expires; the `webhook.delivery_due` published with the claim
then tries the delivery again.

Nothing waits in a task slot for a slow receiver: a delivery first takes its webhook's one place
and then one of the process's `send_concurrency` places, each within `ROOM_WAIT`; when one stays
busy it is due again a little later (`WebhookDeliveryDue.busy` counts how often in a row). A
webhook whose last attempt failed (a hanging receiver's, each holding its place until `timeout`)
also takes one of the `send_concurrency - 1` places failing webhooks share, so webhooks whose
receivers answer always find one left.
"""

import logging
import uuid
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import asyncpg

from hduce.contracts.audit import AuditLog
from hduce.core.backoff import retry_delay
from hduce.core.capacity import ROOM_WAIT, Busy, Capacity, put_off_until
from hduce.core.events import EventMeta
from hduce.core.plugin_env import PluginEnv
from hduce.plugins.webhooks.config import WebhooksConfig
from hduce.plugins.webhooks.services._posting import AttemptFailed, Poster
from hduce.plugins.webhooks.store import WebhookStore
from hduce.plugins.webhooks.tasks import WebhookDeliveryDue

logger = logging.getLogger("hduce.webhooks")

CLAIM_MARGIN = 10.0
"""Seconds a claim outlives `timeout`, for the outcome to be recorded before it expires."""


class WebhookSender:
    """Sends due deliveries; a claimed delivery is sent by no one else until its claim expires."""

    def __init__(
        self,
        env: PluginEnv[WebhooksConfig],
        store: WebhookStore,
        audit: AuditLog,
        *,
        public_only: bool,
    ) -> None:
        """`public_only` (production): connect only to globally routable addresses."""
        self._db = env.db
        self._events = env.events
        self._store = store
        self._audit = audit
        self._config = env.config
        self._poster = Poster(env.config, public_only=public_only)
        places = env.config.send_concurrency
        self._places = Capacity(places, "webhook deliveries in flight")
        self._failing_places = Capacity(places - 1, "failing webhooks' deliveries in flight")
        self._per_webhook: dict[uuid.UUID, Capacity] = {}

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._poster.aclose()

    async def handle(self, event: WebhookDeliveryDue, meta: EventMeta) -> None:
        """Task entry point for `webhook.delivery_due`."""
        await self.deliver(event.delivery_id, busy=event.busy)

    async def deliver(self, delivery_id: uuid.UUID, *, busy: int = 0) -> None:
        """Send the delivery if it is due, or put it off while no place is free."""
        webhook = await self._store.webhook_of(delivery_id)
        if webhook is None:
            return
        lanes = [self._webhook_place(webhook["id"])]
        if webhook["consecutive_failures"]:
            lanes.append(self._failing_places)
        async with AsyncExitStack() as places:
            try:
                for lane in (*lanes, self._places):
                    await places.enter_async_context(lane.hold(ROOM_WAIT))
            except Busy:  # due again a little later, its task slot left for other work
                due = WebhookDeliveryDue(delivery_id=delivery_id, busy=busy + 1)
                await self._events.publish(due, at=put_off_until(busy))
                return
            await self._send(delivery_id)

    def _webhook_place(self, webhook: uuid.UUID) -> Capacity:
        """The webhook's one place: its deliveries go one at a time from this process."""
        place = self._per_webhook.get(webhook)
        if place is None:
            place = self._per_webhook[webhook] = Capacity(1, f"webhook {webhook}")
        return place

    async def _send(self, delivery_id: uuid.UUID) -> None:
        """Claim the delivery if it is due, POST it, and record the outcome."""
        row = await self._claim(delivery_id)
        if row is None:
            return
        attempts = row["attempts"] + 1
        try:
            code = await self._poster.attempt(row)
        except AttemptFailed as exc:
            await self._record_failure(row, attempts, exc)
            return
        async with self._db.transaction():
            if await self._store.still_claimed(delivery_id, attempts):
                await self._store.settle(
                    delivery_id,
                    status="delivered",
                    attempts=attempts,
                    response_code=code,
                    error=None,
                )
                await self._store.reset_failures(row["webhook"])

    async def _claim(self, delivery_id: uuid.UUID) -> asyncpg.Record | None:
        """The due delivery, claimed for one attempt; None if there is nothing to send."""
        async with self._db.transaction():
            row = await self._store.lock_due(delivery_id)
            if row is None:
                return None
            given_up = row["attempts"] >= self._config.max_attempts
            if given_up or not row["active"]:
                # The last attempts' senders stopped before reporting (their claims expired).
                error = "no outcome of the last attempt" if given_up else "the webhook is disabled"
                await self._store.settle(
                    delivery_id,
                    status="failed" if given_up else "skipped",
                    attempts=row["attempts"],
                    response_code=None,
                    error=error,
                )
                return None
            expires = datetime.now(UTC) + timedelta(
                seconds=float(self._config.timeout) + CLAIM_MARGIN
            )
            await self._store.claim(delivery_id, until=expires)
            await self._events.publish(WebhookDeliveryDue(delivery_id=delivery_id), at=expires)
        return row

    async def _record_failure(
        self, row: asyncpg.Record, attempts: int, error: AttemptFailed
    ) -> None:
        async with self._db.transaction():
            if not await self._store.still_claimed(row["id"], attempts):
                return  # the webhook was removed, or the claim expired and was taken over
            webhook = await self._store.count_failure(
                row["webhook"], self._config.disable_after_failures
            )
            still_active = webhook is not None and webhook["active"]
            if not still_active:
                await self._audit.record(
                    "webhook.disabled",
                    actor_id=None,
                    detail={"webhook_id": str(row["webhook"]), "last_error": str(error)},
                )
            retry_at = None
            if not still_active or attempts >= self._config.max_attempts:
                logger.warning("webhook delivery %s failed for good: %s", row["id"], error)
            else:
                delay = retry_delay(attempts, self._config.retry_base, self._config.retry_max)
                retry_at = datetime.now(UTC) + timedelta(seconds=delay)
            await self._store.settle(
                row["id"],
                status="failed" if retry_at is None else "pending",
                attempts=attempts,
                response_code=error.response_code,
                error=str(error),
                retry_at=retry_at,
            )
            if retry_at is not None:
                await self._events.publish(WebhookDeliveryDue(delivery_id=row["id"]), at=retry_at)
