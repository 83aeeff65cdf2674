"""The appointments section of the clinic analytics: volumes, cancellations, no-shows, load."""

import uuid
from datetime import datetime

import msgspec

from hduce.core.analytics import ratio
from hduce.plugins.appointments.env import Env
from hduce.plugins.appointments.services._schedules import Schedules

# Appointments starting in the period; `held` ones are waitlist offers, not bookings yet.
BY_STATUS = """
SELECT status, count(*) AS n FROM appointment
WHERE starts_at >= $1 AND starts_at < $2 AND status <> 'held' GROUP BY status
"""
LEAD_TIME = """
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM starts_at - created_at))
FROM appointment WHERE starts_at >= $1 AND starts_at < $2 AND status <> 'held'
"""
BOOKED_BY_PRACTITIONER = """
SELECT practitioner, count(*) AS n, sum(extract(epoch FROM ends_at - starts_at)) / 60 AS minutes
FROM appointment
WHERE starts_at >= $1 AND starts_at < $2 AND status NOT IN ('held', 'cancelled')
GROUP BY practitioner
"""
WITH_HOURS = "SELECT DISTINCT practitioner FROM weekly_hours"


class PractitionerLoad(msgspec.Struct, frozen=True, kw_only=True):
    """How much of one practitioner's open time was booked."""

    practitioner_id: uuid.UUID
    appointments: int
    booked_minutes: int
    open_minutes: int
    utilization: float | None
    """Booked over open minutes; None without open hours in the period."""


class AppointmentFigures(msgspec.Struct, frozen=True, kw_only=True):
    """Appointments starting in the period (waitlist holds left out)."""

    total: int
    by_status: dict[str, int]
    cancellation_rate: float | None
    """Cancelled over all appointments."""
    no_show_rate: float | None
    """No-shows over the visits that were due: completed, in progress, checked in or no-show."""
    median_lead_time_hours: float | None
    """Median time between booking and start."""
    practitioners: list[PractitionerLoad]


class AppointmentAnalytics:
    """Computes `AppointmentFigures` from the appointment table and the practitioners' hours."""

    def __init__(self, env: Env, schedules: Schedules) -> None:
        self._env = env
        self._schedules = schedules

    async def figures(self, start: datetime, end: datetime) -> AppointmentFigures:
        """The figures for appointments starting in `[start, end)`."""
        pool = self._env.context.db.shared_pool
        async with pool.acquire() as connection:
            statuses = await connection.fetch(BY_STATUS, start, end)
            lead_seconds = await connection.fetchval(LEAD_TIME, start, end)
            booked = await connection.fetch(BOOKED_BY_PRACTITIONER, start, end)
            with_hours = await connection.fetch(WITH_HOURS)
        by_status = {r["status"]: r["n"] for r in statuses}
        total = sum(by_status.values())
        due = sum(by_status.get(s, 0) for s in ("completed", "in_progress", "checked_in"))
        no_shows = by_status.get("no_show", 0)
        loads = {r["practitioner"]: (r["n"], round(r["minutes"])) for r in booked}
        practitioners = {r["practitioner"] for r in with_hours} | set(loads)
        return AppointmentFigures(
            total=total,
            by_status=by_status,
            cancellation_rate=ratio(by_status.get("cancelled", 0), total),
            no_show_rate=ratio(no_shows, due + no_shows),
            median_lead_time_hours=None if lead_seconds is None else round(lead_seconds / 3600, 2),
            practitioners=[
                await self._load(p, *loads.get(p, (0, 0)), start, end)
                for p in sorted(practitioners)
            ],
        )

    async def _load(
        self, practitioner: uuid.UUID, count: int, minutes: int, start: datetime, end: datetime
    ) -> PractitionerLoad:
        _, openings = await self._schedules.openings(practitioner, start, end)
        open_seconds = sum((until - since).total_seconds() for since, until in openings)
        open_minutes = round(open_seconds / 60)
        return PractitionerLoad(
            practitioner_id=practitioner,
            appointments=count,
            booked_minutes=minutes,
            open_minutes=open_minutes,
            utilization=ratio(minutes, open_minutes),
        )
