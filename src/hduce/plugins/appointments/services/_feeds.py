"""Per-practitioner iCalendar subscription feeds, read with a revocable secret in the URL."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hduce.core.errors import NotFound
from hduce.core.security import Principal
from hduce.plugins.appointments.config import AppointmentsConfig
from hduce.plugins.appointments.schemas import FeedRead
from hduce.plugins.appointments.services._ical import calendar
from hduce.plugins.appointments.store import FeedStore

FEED_SUFFIX = ".ics"
PAST_DAYS = 30


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, eq=False)
class CalendarFeeds:
    """Creates, lists, revokes and renders practitioners' calendar feeds."""

    config: AppointmentsConfig
    public_url: str
    """`server.public_url` without a trailing slash."""
    store: FeedStore

    async def create(self, principal: Principal, label: str) -> FeedRead:
        """A new feed of the caller's schedule; its URL (the secret) is shown only now."""
        token = secrets.token_urlsafe(32)
        record = await self.store.insert(principal.id, _digest(token), label)
        url = f"{self.public_url}/api/v1/appointments/ical/{token}{FEED_SUFFIX}"
        return FeedRead.from_row(record, url=url)

    async def list_feeds(self, principal: Principal) -> list[FeedRead]:
        """The caller's feeds that are not revoked."""
        return FeedRead.from_rows(await self.store.live(principal.id))

    async def revoke(self, principal: Principal, feed_id: uuid.UUID) -> None:
        """Stop a feed; its URL answers 404 from now on."""
        if not await self.store.revoke(principal.id, feed_id):
            raise NotFound("no such feed")

    async def render(self, feed_file: str) -> bytes:
        """The schedule behind `<token>.ics`: the last 30 days and the booking horizon."""
        token = feed_file.removesuffix(FEED_SUFFIX)
        practitioner = await self.store.practitioner(_digest(token))
        if practitioner is None or not feed_file.endswith(FEED_SUFFIX):
            raise NotFound("no such feed")
        now = datetime.now(UTC)
        until = now + timedelta(seconds=self.config.horizon)
        rows = await self.store.appointments(practitioner, now - timedelta(days=PAST_DAYS), until)
        return calendar(rows, name="HDuce appointments")
