"""The `notification` and `delivery` rows: written by the notifier, sent once, paged for admins."""

import uuid
from collections.abc import Sequence
from datetime import datetime

import asyncpg
import msgspec

from hduce.core.schemas import Page
from hduce.core.sql_store import SqlStore
from hduce.plugins.notifications.schemas import DeliveryRead

COLUMNS = (
    "d.id, d.notification AS notification_id, d.recipient AS recipient_id, n.template, "
    "n.category, d.channel, d.address, d.status, d.attempts, d.last_error, "
    "d.next_attempt_at, d.sent_at, d.created_at"
)
# A notification and every delivery of it in one statement: the deliveries come from parallel
# arrays (none is fine: the notification is still written).
INSERT_NOTIFICATION = """
WITH n AS (
    INSERT INTO notification (id, recipient, address, template, category, critical, key,
                              about, send_before, created_at)
    VALUES ($1, $2, $12, $13, $14, $15, $16, $17, $18, now())
)
INSERT INTO delivery (id, notification, recipient, channel, address, subject, body_text,
                      body_html, status, attempts, last_error, next_attempt_at, created_at,
                      updated_at)
SELECT d.id, $1, $2, d.channel, d.address, d.subject, d.body_text, d.body_html, d.status, 0,
       d.last_error, d.next_attempt_at, now(), now()
FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
            $10::text[], $11::timestamptz[])
     AS d(id, channel, address, subject, body_text, body_html, status, last_error, next_attempt_at)
"""
PlannedDelivery = tuple[uuid.UUID, str, str, str, str, str | None, str, str | None, datetime | None]
"""(id, channel, address, subject, text, html, status, reason, due) of one delivery to write."""


class NewNotification(msgspec.Struct, frozen=True, kw_only=True):
    """A notification row to write; `address` only for a recipient who is no user."""

    id: uuid.UUID
    recipient: uuid.UUID | None
    address: str | None
    template: str
    category: str
    critical: bool
    key: str | None
    about: str | None = None
    send_before: datetime | None = None


class DeliveryStore(SqlStore):
    """Notifications and their deliveries; every statement joins the caller's transaction."""

    async def notification_with_key(self, key: str) -> uuid.UUID | None:
        """The notification already queued under the idempotency `key`, if any."""
        return await self.db.fetchval("SELECT id FROM notification WHERE key = $1", key)

    async def add(
        self, notification: NewNotification, deliveries: Sequence[PlannedDelivery]
    ) -> None:
        """Write one notification and its deliveries, in one statement."""
        notification_id, recipient, *rest = msgspec.structs.astuple(notification)
        columns = [list(column) for column in zip(*deliveries, strict=True)]
        columns = columns or [[] for _ in PlannedDelivery.__args__]  # no delivery: empty arrays
        await self.db.execute(INSERT_NOTIFICATION, notification_id, recipient, *columns, *rest)

    async def channel_of(self, delivery_id: uuid.UUID) -> str | None:
        """The delivery's channel (None for no such delivery); no lock."""
        return await self.db.fetchval("SELECT channel FROM delivery WHERE id = $1", delivery_id)

    async def lock_due(self, delivery_id: uuid.UUID) -> asyncpg.Record | None:
        """The delivery if it is due, with its notification's `send_before`, locked until commit.

        Due: deferred (its wake-up came), or pending with no attempt scheduled for later (a
        retry's time, or an attempt in flight whose claim has not expired).
        """
        return await self.db.fetchrow(
            "SELECT d.id, d.recipient, d.channel, d.address, d.subject, d.body_text, d.body_html, "
            "d.status, d.attempts, d.created_at, n.send_before, n.category, n.critical "
            "FROM delivery d "
            "JOIN notification n ON n.id = d.notification WHERE d.id = $1 "
            "AND (d.status = 'deferred' OR d.status = 'pending' "
            "AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= now())) FOR UPDATE OF d",
            delivery_id,
        )

    async def bring_forward(self, user_id: uuid.UUID, due: datetime) -> list[tuple[uuid.UUID, str]]:
        """Make the user's deliveries held past `due` due then; their (id, channel)."""
        rows = await self.db.fetch(
            "UPDATE delivery SET next_attempt_at = $2, updated_at = now() "
            "WHERE recipient = $1 AND status = 'deferred' AND next_attempt_at > $2 "
            "RETURNING id, channel",
            user_id,
            due,
        )
        return [(row["id"], row["channel"]) for row in rows]

    async def claim(self, delivery_id: uuid.UUID, until: datetime) -> None:
        """Count one more attempt, and keep the delivery from being due again before `until`."""
        await self.db.execute(
            "UPDATE delivery SET status = 'pending', attempts = attempts + 1, "
            "next_attempt_at = $2, updated_at = now() WHERE id = $1",
            delivery_id,
            until,
        )

    async def skip(self, delivery_id: uuid.UUID, reason: str) -> None:
        """Give up an unsent delivery for `reason` (kept as its `last_error`)."""
        await self.db.execute(
            "UPDATE delivery SET status = 'skipped', last_error = $2, next_attempt_at = NULL, "
            "updated_at = now() WHERE id = $1",
            delivery_id,
            reason,
        )

    async def withdraw(self, about: str, unsent: Sequence[str], reason: str) -> int:
        """Skip the `unsent` deliveries of every notification `about` this; how many.

        An attempt already under way is not stopped: if it goes out, `settle` records it sent.
        """
        status = await self.db.execute(
            "UPDATE delivery d SET status = 'skipped', last_error = $3, next_attempt_at = NULL, "
            "updated_at = now() FROM notification n "
            "WHERE n.about = $1 AND d.notification = n.id AND d.status = ANY($2::text[])",
            about,
            list(unsent),
            reason,
        )
        return int(status.split()[-1])

    async def settle(
        self,
        delivery_id: uuid.UUID,
        attempts: int,
        *,
        status: str,
        error: str | None = None,
        retry_at: datetime | None = None,
        given_back: bool = False,
    ) -> bool:
        """Record attempt `attempts`'s outcome if it is still the delivery's claim; whether it was.

        `status` is `sent` (or `logged`), `pending` until `retry_at`, `deferred` until `retry_at`
        (held by quiet hours before attempt `attempts + 1`), or `failed`; `last_error`
        keeps the latest failure even after a later attempt succeeds. A `given_back` attempt is
        uncounted (the other side asked to wait: it does not spend the delivery's attempts).
        An attempt that went out after its delivery was skipped mid-send (withdrawn) is recorded
        `sent` all the same, the skip's reason cleared; one that failed leaves it skipped.
        """
        outcome = await self.db.execute(
            "UPDATE delivery SET status = $3::text, attempts = attempts - $6::int, "
            "last_error = CASE WHEN status = 'skipped' THEN $4 ELSE coalesce($4, last_error) END, "
            "next_attempt_at = $5, updated_at = now(), sent_at = CASE WHEN $3::text IN "
            "('sent', 'logged') THEN clock_timestamp() END "
            "WHERE id = $1 AND attempts = $2 AND (status = 'pending' "
            "OR status = 'skipped' AND $3::text IN ('sent', 'logged'))",
            delivery_id,
            attempts,
            status,
            error,
            retry_at,
            int(given_back),
        )
        return outcome == "UPDATE 1"

    async def page(
        self,
        *,
        status: str | None,
        channel: str | None,
        recipient_id: uuid.UUID | None,
        limit: int,
        offset: int,
    ) -> Page[DeliveryRead]:
        """Deliveries matching every given filter, newest first, with the total."""
        where = (
            "($1::text IS NULL OR d.status = $1) AND ($2::text IS NULL OR d.channel = $2) "
            "AND ($3::uuid IS NULL OR d.recipient = $3)"
        )
        rows = await self.db.fetch(
            f"SELECT {COLUMNS} FROM delivery d JOIN notification n ON n.id = d.notification "
            f"WHERE {where} ORDER BY d.created_at DESC, d.id DESC LIMIT $4 OFFSET $5",
            status,
            channel,
            recipient_id,
            limit,
            offset,
        )
        total = await self.db.fetchval(
            f"SELECT count(*) FROM delivery d WHERE {where}", status, channel, recipient_id
        )
        return Page(
            items=DeliveryRead.from_rows(rows),
            total=total or 0,
            limit=limit,
            offset=offset,
        )
