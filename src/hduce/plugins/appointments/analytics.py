"""The appointments section of the clinic analytics: volumes, cancellations, no-shows, load."""

import uuid
from dataclasses import dataclass
from datetime import datetime

import msgspec

from hduce.core.analytics import ratio
from hduce.plugins.appointments.services import Schedules
from hduce.plugins.appointments.store import ReportStore


class PractitionerLoad(msgspec.Struct, frozen=True, kw_only=True):
    """How much of one practitioner's open time in the period was booked."""

    practitioner_id: uuid.UUID
    appointments: int
    """Kept appointments (neither cancelled nor waitlist holds) overlapping the period."""
    booked_minutes: int
    """Their minutes inside the period: a visit across an edge counts only its part inside."""
    open_minutes: int
    """Open hours inside the period, in minutes."""
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


@dataclass(frozen=True, eq=False)
class AppointmentAnalytics:
    """Computes `AppointmentFigures` from the appointment table and the practitioners' hours."""

    store: ReportStore
    schedules: Schedules

    async def figures(self, start: datetime, end: datetime) -> AppointmentFigures:
        """The figures for appointments starting in `[start, end)`."""
        by_status = await self.store.by_status(start, end)
        lead_seconds = await self.store.median_lead_seconds(start, end)
        loads = await self.store.booked_minutes(start, end)
        practitioners = await self.store.practitioners_with_hours() | set(loads)
        total = sum(by_status.values())
        due = sum(by_status.get(s, 0) for s in ("completed", "in_progress", "checked_in"))
        no_shows = by_status.get("no_show", 0)
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
        _, openings = await self.schedules.openings(practitioner, start, end)
        # Openings come whole (the slot grid is anchored at their beginning): clip them here.
        open_seconds = sum(
            (min(until, end) - max(since, start)).total_seconds() for since, until, _ in openings
        )
        open_minutes = round(open_seconds / 60)
        return PractitionerLoad(
            practitioner_id=practitioner,
            appointments=count,
            booked_minutes=minutes,
            open_minutes=open_minutes,
            utilization=ratio(minutes, open_minutes),
        )
