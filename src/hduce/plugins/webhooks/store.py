"""All SQL of the webhooks plugin."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from hduce.core.schemas import Page
from hduce.core.sql_store import SqlStore
from hduce.plugins.webhooks.schemas import WebhookDeliveryRead

PREVIOUS_SECRET_SIGNS = "previous_secret_until > now()"
"""Whether the secret before the last rotation still signs (a condition on a `webhook` row)."""
WEBHOOK_COLUMNS = (
    "id, url, events, description, active, consecutive_failures, disabled_reason, "
    f"CASE WHEN {PREVIOUS_SECRET_SIGNS} THEN previous_secret_until END AS previous_secret_until, "
    "created_by, created_at, updated_at"
)
DELIVERY_COLUMNS = (
    "id, webhook AS webhook_id, event_id, event_name, status, attempts, response_code, "
    "last_error, next_attempt_at, delivered_at, created_at"
)


class WebhookStore(SqlStore):
    """Webhooks and their deliveries in PostgreSQL (always in the caller's transaction)."""

    async def insert(
        self, *, url: str, events: list[str], description: str, secret: str, by: uuid.UUID
    ) -> asyncpg.Record:
        """Register a webhook; returns its row."""
        row = await self.db.fetchrow(
            f"INSERT INTO webhook (id, url, events, description, secret, created_by) "
            f"VALUES ($1, $2, $3, $4, $5, $6) RETURNING {WEBHOOK_COLUMNS}",
            uuid.uuid4(),
            url,
            events,
            description,
            secret,
            by,
        )
        assert row is not None
        return row

    async def all(self) -> list[asyncpg.Record]:
        """Every webhook, oldest first."""
        return await self.db.fetch(f"SELECT {WEBHOOK_COLUMNS} FROM webhook ORDER BY created_at, id")

    async def get(self, webhook_id: uuid.UUID) -> asyncpg.Record | None:
        """One webhook, or None."""
        return await self.db.fetchrow(
            f"SELECT {WEBHOOK_COLUMNS} FROM webhook WHERE id = $1", webhook_id
        )

    async def update(self, webhook_id: uuid.UUID, changes: dict[str, Any]) -> asyncpg.Record | None:
        """Set the given columns (names come from code, never from the client)."""
        assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(changes, start=2))
        return await self.db.fetchrow(
            f"UPDATE webhook SET {assignments}, updated_at = now() WHERE id = $1 "
            f"RETURNING {WEBHOOK_COLUMNS}",
            webhook_id,
            *changes.values(),
        )

    async def rotate(
        self, webhook_id: uuid.UUID, secret: str, *, grace: float
    ) -> asyncpg.Record | None:
        """Sign with `secret` from now on, and with the one it replaces for `grace` seconds."""
        return await self.db.fetchrow(
            "UPDATE webhook SET previous_secret = secret, secret = $2, "
            "previous_secret_until = now() + make_interval(secs => $3), updated_at = now() "
            f"WHERE id = $1 RETURNING {WEBHOOK_COLUMNS}",
            webhook_id,
            secret,
            grace,
        )

    async def delete(self, webhook_id: uuid.UUID) -> bool:
        """Remove a webhook and its delivery log; False if it did not exist."""
        row = await self.db.fetchrow("DELETE FROM webhook WHERE id = $1 RETURNING id", webhook_id)
        return row is not None

    async def active_subscribed(self) -> list[asyncpg.Record]:
        """Id and patterns of every active webhook."""
        return await self.db.fetch("SELECT id, events FROM webhook WHERE active")

    async def add_deliveries(
        self, webhook_ids: Sequence[uuid.UUID], event_id: uuid.UUID, name: str, body: str
    ) -> list[uuid.UUID]:
        """Queue one delivery per webhook; an event seen before adds nothing (at-least-once)."""
        rows = await self.db.fetch(
            "INSERT INTO webhook_delivery (id, webhook, event_id, event_name, payload) "
            "SELECT gen_random_uuid(), w, $2, $3, $4::jsonb FROM unnest($1::uuid[]) AS w "
            "ON CONFLICT (webhook, event_id) DO NOTHING RETURNING id",
            list(webhook_ids),
            event_id,
            name,
            body,
        )
        return [row["id"] for row in rows]

    async def webhook_of(self, delivery_id: uuid.UUID) -> asyncpg.Record | None:
        """The `id` and `consecutive_failures` of the webhook a delivery goes to; None if gone."""
        return await self.db.fetchrow(
            "SELECT w.id, w.consecutive_failures FROM webhook_delivery d "
            "JOIN webhook w ON w.id = d.webhook WHERE d.id = $1",
            delivery_id,
        )

    async def lock_due(self, delivery_id: uuid.UUID) -> asyncpg.Record | None:
        """A due pending delivery with its webhook's url, state and secrets, locked until commit.

        `secrets`: the current one, then the one before the last rotation while it still signs.
        """
        return await self.db.fetchrow(
            "SELECT d.id, d.webhook, d.event_id, d.event_name, d.payload::text AS body, "
            "d.attempts, w.url, w.active, w.consecutive_failures, array_remove(ARRAY[w.secret, "
            f"CASE WHEN w.{PREVIOUS_SECRET_SIGNS} THEN w.previous_secret END], NULL) AS secrets "
            "FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook "
            "WHERE d.id = $1 AND d.status = 'pending' "
            # A duplicate of an earlier due-event must not send a scheduled retry early.
            "AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= now()) FOR UPDATE OF d",
            delivery_id,
        )

    async def claim(self, delivery_id: uuid.UUID, *, until: datetime) -> None:
        """Count one more attempt, and keep the delivery from being due again before `until`."""
        await self.db.fetchrow(
            "UPDATE webhook_delivery SET attempts = attempts + 1, next_attempt_at = $2, "
            "updated_at = now() WHERE id = $1",
            delivery_id,
            until,
        )

    async def still_claimed(self, delivery_id: uuid.UUID, attempts: int) -> bool:
        """Whether attempt `attempts` is still the delivery's latest, pending one; locks it."""
        row = await self.db.fetchrow(
            "SELECT 1 FROM webhook_delivery WHERE id = $1 AND status = 'pending' "
            "AND attempts = $2 FOR UPDATE",
            delivery_id,
            attempts,
        )
        return row is not None

    async def settle(
        self,
        delivery_id: uuid.UUID,
        *,
        status: str,
        attempts: int,
        response_code: int | None,
        error: str | None,
        retry_at: datetime | None = None,
    ) -> None:
        """Record one attempt's outcome (`last_error` keeps the latest failure)."""
        await self.db.fetchrow(
            "UPDATE webhook_delivery SET status = $2::text, attempts = $3, response_code = $4, "
            "last_error = coalesce($5, last_error), next_attempt_at = $6, "
            # The time of the outcome, not the transaction's start.
            "delivered_at = CASE WHEN $2::text = 'delivered' THEN clock_timestamp() END, "
            "updated_at = now() WHERE id = $1",
            delivery_id,
            status,
            attempts,
            response_code,
            error,
            retry_at,
        )

    async def count_failure(
        self, webhook_id: uuid.UUID, disable_after: int
    ) -> asyncpg.Record | None:
        """Add one consecutive failure; switch the webhook off when it reaches `disable_after`."""
        return await self.db.fetchrow(
            "UPDATE webhook SET consecutive_failures = consecutive_failures + 1, "
            "active = consecutive_failures + 1 < $2, "
            "disabled_reason = CASE WHEN consecutive_failures + 1 >= $2 "
            "THEN format('disabled after %s failed attempts in a row', $2::int) END, "
            "updated_at = now() WHERE id = $1 RETURNING active",
            webhook_id,
            disable_after,
        )

    async def reset_failures(self, webhook_id: uuid.UUID) -> None:
        """A delivery succeeded: the failure streak is over."""
        await self.db.fetchrow(
            "UPDATE webhook SET consecutive_failures = 0 "
            "WHERE id = $1 AND consecutive_failures > 0",
            webhook_id,
        )

    async def deliveries(
        self, webhook_id: uuid.UUID, *, status: str | None, limit: int, offset: int
    ) -> Page[WebhookDeliveryRead]:
        """A webhook's deliveries, newest first, with the total."""
        where = "webhook = $1 AND ($2::text IS NULL OR status = $2)"
        rows = await self.db.fetch(
            f"SELECT {DELIVERY_COLUMNS} FROM webhook_delivery WHERE {where} "
            "ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4",
            webhook_id,
            status,
            limit,
            offset,
        )
        total = await self.db.fetchval(
            f"SELECT count(*) FROM webhook_delivery WHERE {where}", webhook_id, status
        )
        return Page(
            items=WebhookDeliveryRead.from_rows(rows),
            total=total or 0,
            limit=limit,
            offset=offset,
        )
