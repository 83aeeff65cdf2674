"""Reads for other plugins: appointment summaries (search) and the analytics figures."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from hduce.core.sql_store import SqlStore

SUMMARY = (
    "SELECT a.id, a.patient, a.practitioner, a.appointment_type, t.name AS type_name, a.status, "
    "a.starts_at, a.ends_at, a.reason, coalesce(s.timezone, 'UTC') AS timezone, a.updated_at "
    "FROM appointment a JOIN appointment_type t ON t.id = a.appointment_type "
    "LEFT JOIN practitioner_schedule s ON s.practitioner = a.practitioner"
)
SUMMARIES_BY_IDS = f"{SUMMARY} WHERE a.id = ANY($1::uuid[])"
SUMMARIES_PAGE = f"{SUMMARY} WHERE $1::uuid IS NULL OR a.id > $1 ORDER BY a.id LIMIT $2"
COUNT = "SELECT count(*) FROM appointment"
# Appointments starting in the period; `held` ones are waitlist offers, not bookings yet.
BY_STATUS = """
SELECT status, count(*) AS n FROM appointment
WHERE starts_at >= $1 AND starts_at < $2 AND status <> 'held' GROUP BY status
"""
LEAD_TIME = """
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM starts_at - created_at))
FROM appointment WHERE starts_at >= $1 AND starts_at < $2 AND status <> 'held'
"""
# Visits overlapping the period, each counted for its part inside it.
BOOKED_BY_PRACTITIONER = """
SELECT practitioner, count(*) AS n,
       sum(extract(epoch FROM least(ends_at, $2) - greatest(starts_at, $1))) / 60 AS minutes
FROM appointment
WHERE starts_at < $2 AND ends_at > $1 AND status NOT IN ('held', 'cancelled')
  AND starts_at > $1 - interval '1 day'  -- a visit lasts 8 hours at most: the index's range
GROUP BY practitioner
"""
WITH_HOURS = "SELECT DISTINCT practitioner FROM weekly_hours"


class ReportStore(SqlStore):
    """Bulk reads of appointments, without clinical notes."""

    async def summaries(self, ids: Sequence[uuid.UUID]) -> list[asyncpg.Record]:
        """The summary rows of the appointments among `ids` that exist."""
        return await self.db.fetch(SUMMARIES_BY_IDS, list(ids))

    async def summaries_page(self, after: uuid.UUID | None, limit: int) -> list[asyncpg.Record]:
        """Up to `limit` summary rows with an id above `after`, by id."""
        return await self.db.fetch(SUMMARIES_PAGE, after, limit)

    async def count(self) -> int:
        """How many appointments there are."""
        return int(await self.db.fetchval(COUNT))

    async def by_status(self, start: datetime, end: datetime) -> dict[str, int]:
        """How many appointments starting in `[start, end)` are in each status (holds aside)."""
        return {r["status"]: r["n"] for r in await self.db.fetch(BY_STATUS, start, end)}

    async def median_lead_seconds(self, start: datetime, end: datetime) -> Any:
        """The median time between booking and start, in seconds (None without bookings)."""
        return await self.db.fetchval(LEAD_TIME, start, end)

    async def booked_minutes(
        self, start: datetime, end: datetime
    ) -> dict[uuid.UUID, tuple[int, int]]:
        """Per practitioner: the kept appointments overlapping the period, their minutes in it."""
        records = await self.db.fetch(BOOKED_BY_PRACTITIONER, start, end)
        return {r["practitioner"]: (r["n"], round(r["minutes"])) for r in records}

    async def practitioners_with_hours(self) -> set[uuid.UUID]:
        """Every practitioner with weekly hours."""
        return {r["practitioner"] for r in await self.db.fetch(WITH_HOURS)}
