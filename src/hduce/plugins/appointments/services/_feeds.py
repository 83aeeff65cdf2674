"""Per-practitioner iCalendar subscription feeds, read with a revocable secret in the URL."""

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from hduce.contracts.auth import ACCOUNT_DIRECTORY, AccountStatus
from hduce.core.errors import NotFound
from hduce.core.security import Principal
from hduce.plugins.appointments.env import Env
from hduce.plugins.appointments.schemas import FeedRead
from hduce.plugins.appointments.services._ical import calendar
from hduce.plugins.appointments.store._appointments import COLUMNS, FROM, to_row

FEED_SUFFIX = ".ics"
PAST_DAYS = 30
FEED_ROWS = f"""
SELECT {COLUMNS} FROM {FROM}
WHERE a.practitioner = $1 AND a.status NOT IN ('held', 'cancelled') AND a.ends_at > $2
  AND a.starts_at < $3
ORDER BY a.starts_at
"""
# A feed stops with its practitioner's account (deactivated: the URL may be in a lost phone).
LIVE_FEED = f"""
SELECT f.practitioner FROM calendar_feed f JOIN {ACCOUNT_DIRECTORY} d ON d.id = f.practitioner
WHERE f.token_hash = $1 AND f.revoked_at IS NULL AND d.status = $2
"""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _read(record: asyncpg.Record, url: str | None = None) -> FeedRead:
    return FeedRead(
        id=record["id"],
        practitioner_id=record["practitioner"],
        label=record["label"],
        created_at=record["created_at"],
        url=url,
    )


class CalendarFeeds:
    """Creates, lists, revokes and renders practitioners' calendar feeds."""

    def __init__(self, env: Env) -> None:
        self._env = env

    async def create(self, principal: Principal, label: str) -> FeedRead:
        """A new feed of the caller's schedule; its URL (the secret) is shown only now."""
        token = secrets.token_urlsafe(32)
        record = await self._env.context.db.shared_pool.fetchrow(
            "INSERT INTO calendar_feed (id, practitioner, token_hash, label) "
            "VALUES ($1, $2, $3, $4) RETURNING *",
            uuid.uuid4(),
            principal.id,
            _digest(token),
            label,
        )
        base = self._env.context.settings.server.public_url.rstrip("/")
        return _read(record, f"{base}/api/v1/appointments/ical/{token}{FEED_SUFFIX}")

    async def list_feeds(self, principal: Principal) -> list[FeedRead]:
        """The caller's feeds that are not revoked."""
        records = await self._env.context.db.shared_pool.fetch(
            "SELECT * FROM calendar_feed WHERE practitioner = $1 AND revoked_at IS NULL "
            "ORDER BY created_at",
            principal.id,
        )
        return [_read(record) for record in records]

    async def revoke(self, principal: Principal, feed_id: uuid.UUID) -> None:
        """Stop a feed; its URL answers 404 from now on."""
        status = await self._env.context.db.shared_pool.execute(
            "UPDATE calendar_feed SET revoked_at = now() "
            "WHERE id = $1 AND practitioner = $2 AND revoked_at IS NULL",
            feed_id,
            principal.id,
        )
        if status == "UPDATE 0":
            raise NotFound("no such feed")

    async def render(self, feed_file: str) -> bytes:
        """The schedule behind `<token>.ics`: the last 30 days and the booking horizon."""
        token = feed_file.removesuffix(FEED_SUFFIX)
        pool = self._env.context.db.shared_pool
        practitioner = await pool.fetchval(LIVE_FEED, _digest(token), AccountStatus.ACTIVE)
        if practitioner is None or not feed_file.endswith(FEED_SUFFIX):
            raise NotFound("no such feed")
        now = datetime.now(UTC)
        until = now + timedelta(seconds=self._env.config.horizon)
        records = await pool.fetch(FEED_ROWS, practitioner, now - timedelta(days=PAST_DAYS), until)
        return calendar((to_row(record) for record in records), name="HDuce appointments")
