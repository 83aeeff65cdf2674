"""The `SlotBoard` contract: appointment types, practitioners' hours and slots for other fronts."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import msgspec

from hduce.contracts.appointments import (
    OfferedType,
    PractitionerHours,
    SlotQuery,
    SlotTime,
    WeeklyWindow,
)
from hduce.core.security import Principal
from hduce.plugins.appointments.services._access import is_staff
from hduce.plugins.appointments.services._slots import SlotFinder
from hduce.plugins.appointments.store import AppointmentStore, ScheduleStore, TypeStore


@dataclass(frozen=True, eq=False)
class AppointmentSlotBoard:
    """Reads through the plugin's services, so slots are exactly the REST API's."""

    _slots: SlotFinder
    _appointments: AppointmentStore
    _types: TypeStore
    _schedules: ScheduleStore

    async def types(self) -> list[OfferedType]:
        """Every type with its practitioners, by name."""
        records = await self._types.all()
        return [
            OfferedType(
                id=r["id"],
                name=r["name"],
                duration_minutes=r["duration_minutes"],
                mode=r["mode"],
                active=r["active"],
                practitioner_ids=tuple(r["practitioner_ids"]),
                updated_at=r["updated_at"],
                departures=dict(zip(r["departed_ids"], r["departed_at"], strict=True)),
            )
            for r in records
        ]

    async def hours(self, practitioner_ids: Sequence[uuid.UUID] | None) -> list[PractitionerHours]:
        """Time zone and weekly hours of each practitioner (among the ids) who set them."""
        wanted = None if practitioner_ids is None else list(practitioner_ids)
        schedules = await self._schedules.schedules(wanted)
        found = [r["practitioner"] for r in schedules]
        weekly: dict[uuid.UUID, list[WeeklyWindow]] = {p: [] for p in found}
        for r in await self._schedules.weekly_of(found) if found else []:
            weekly[r["practitioner"]].append(
                WeeklyWindow(r["weekday"], r["start_time"], r["end_time"])
            )
        return [
            PractitionerHours(
                practitioner_id=r["practitioner"],
                timezone=r["timezone"],
                weekly=tuple(weekly[r["practitioner"]]),
                updated_at=r["updated_at"],
            )
            for r in schedules
        ]

    def bookable_until(self, principal: Principal) -> datetime:
        """The latest start the slot search offers `principal` now (its horizon)."""
        return self._slots.bookable_window(principal)[1]

    async def slots(self, principal: Principal, query: SlotQuery) -> list[SlotTime]:
        """Free starts from the slot search; for staff also the booked ones; by start."""
        practitioner_id, type_id, start, end = msgspec.structs.astuple(query)
        listed = await self._slots.search(principal, practitioner_id, type_id, start, end)
        found = [
            SlotTime(
                practitioner_id=practitioner_id,
                type_id=type_id,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                free=True,
            )
            for slot in listed.slots
        ]
        if is_staff(principal):
            booked = await self._appointments.booked(practitioner_id, type_id, start, end)
            found += [
                SlotTime(
                    practitioner_id=practitioner_id,
                    type_id=type_id,
                    starts_at=r["starts_at"],
                    ends_at=r["ends_at"],
                    free=False,
                )
                for r in booked
            ]
        return sorted(found, key=lambda slot: slot.starts_at)
