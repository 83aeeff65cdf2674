"""Free-slot search and the check that a requested time is one the clinic offers."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hduce.core.security import Principal
from hduce.plugins.appointments.config import AppointmentsConfig
from hduce.plugins.appointments.errors import InvalidRequest, SlotNotOffered
from hduce.plugins.appointments.schemas import SlotList, SlotRead
from hduce.plugins.appointments.services._access import BOOKERS
from hduce.plugins.appointments.services._availability import (
    SlotSpec,
    free_starts,
    on_grid,
    open_intervals,
    opening_of,
)
from hduce.plugins.appointments.services._schedules import Schedules
from hduce.plugins.appointments.services._types import AppointmentTypes, TypeRow, offered_type
from hduce.plugins.appointments.store import AppointmentStore


@dataclass(frozen=True, eq=False)
class SlotFinder:
    """Computes free slots from hours, exceptions, bookings, buffers, notice and horizon."""

    config: AppointmentsConfig
    store: AppointmentStore
    schedules: Schedules
    types: AppointmentTypes

    def bookable_window(self, booker: Principal) -> tuple[datetime, datetime]:
        """The earliest and latest start a booking made now by `booker` may have.

        Staff book with `staff_min_notice` (the front desk fits in a walk-in), patients with
        `min_notice`; the horizon is the same for everyone.
        """
        now = datetime.now(UTC)
        config = self.config
        notice = config.staff_min_notice if booker.has_any_role(*BOOKERS) else config.min_notice
        return now + timedelta(seconds=notice), now + timedelta(seconds=config.horizon)

    async def search(
        self,
        booker: Principal,
        practitioner_id: uuid.UUID,
        type_id: uuid.UUID,
        start: datetime,
        end: datetime,
    ) -> SlotList:
        """Every free start `booker` may book for `type_id` with the practitioner in the range."""
        for name, value in (("start", start), ("end", end)):
            if value.tzinfo is None:
                raise InvalidRequest.naming(name, "a UTC offset is required")
        if end <= start:
            raise InvalidRequest.naming("end", "must be after start")
        if (end - start).total_seconds() > self.config.max_search_range:
            raise InvalidRequest.naming(
                "end", "the range is longer than the longest search allowed"
            )
        spec = (await self.types.offered(type_id, practitioner_id, "query")).spec
        earliest, latest = self.bookable_window(booker)
        first, last = max(start, earliest), min(end - timedelta(microseconds=1), latest)
        zone_name, starts = await self._free(practitioner_id, spec, first, last)
        zone = ZoneInfo(zone_name)
        return SlotList(
            practitioner_id=practitioner_id,
            type_id=type_id,
            timezone=zone_name,
            slots=[
                SlotRead(starts_at=s.astimezone(zone), ends_at=(s + spec.duration).astimezone(zone))
                for s in starts
            ],
        )

    async def ensure_offered(
        self, booker: Principal, practitioner_id: uuid.UUID, type_id: uuid.UUID, start: datetime
    ) -> tuple[TypeRow, str]:
        """The type and the practitioner's zone, in one read, if `start` is bookable.

        422 unless the practitioner offers the type and `start` is one the slot search would
        offer: within the hours, notice and horizon, on the `slot_interval` grid of its opening.
        Staff too: a walk-in gets the next start on the grid (`staff_min_notice`).
        """
        earliest, latest = self.bookable_window(booker)
        if not earliest <= start <= latest:  # first: a start at year 9999 has no rules near it
            raise SlotNotOffered("the start is too soon or too far ahead to book")
        return await self.offered_at(practitioner_id, type_id, start)

    async def offered_at(
        self,
        practitioner_id: uuid.UUID,
        type_id: uuid.UUID,
        start: datetime,
        source: str | None = "body",
    ) -> tuple[TypeRow, str]:
        """The type and the practitioner's zone if the practitioner offers `start` as a slot.

        Notice and horizon aside, as `ensure_offered`: the type offered, the visit within the
        hours and exceptions, `start` on its opening's grid; 422 otherwise (`offered_type`, with
        `source`).
        """
        rules, record = await self.schedules.rules_near(practitioner_id, type_id, start)
        kind = offered_type(record, source)
        end = start + kind.spec.duration
        opening = opening_of(open_intervals(rules, start, end), start, end)
        if opening is None:
            raise SlotNotOffered("the practitioner does not work at that time")
        step = timedelta(seconds=self.config.slot_interval)
        if not on_grid(opening, start, step):
            local = opening.grid_from.astimezone(ZoneInfo(rules.timezone))
            raise SlotNotOffered(
                f"starts are offered every {step.total_seconds() / 60:g} minutes from "
                f"{local:%H:%M} ({rules.timezone}): choose one of the times offered"
            )
        return kind, rules.timezone

    async def _free(
        self, practitioner_id: uuid.UUID, spec: SlotSpec, first: datetime, last: datetime
    ) -> tuple[str, list[datetime]]:
        if last < first:
            return await self.schedules.timezone(practitioner_id), []
        schedules = self.schedules
        zone, openings = await schedules.openings(practitioner_id, first, last + spec.duration)
        if not openings:
            return zone, []
        span_start = openings[0][0] - spec.buffer_before - spec.duration
        span_end = openings[-1][1] + spec.buffer_after + spec.duration
        busy = await self.store.busy(practitioner_id, span_start, span_end)
        step = timedelta(seconds=self.config.slot_interval)
        return zone, free_starts(openings, busy, spec, step, first, last)
