"""Visit types, practitioners' hours and free slots (provided by appointments)."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Protocol

import msgspec

from hduce.core.security import Principal


class OfferedType(msgspec.Struct, frozen=True, kw_only=True):
    """A kind of visit and the practitioners who offer it."""

    id: uuid.UUID
    name: str
    duration_minutes: int
    mode: str
    active: bool
    practitioner_ids: tuple[uuid.UUID, ...]
    updated_at: datetime
    departures: dict[uuid.UUID, datetime] = msgspec.field(default_factory=dict)
    """When each practitioner it no longer lists was last taken off it."""


class WeeklyWindow(msgspec.Struct, frozen=True):
    """Opening hours on one weekday (0 is Monday), in the practitioner's local time."""

    weekday: int
    start: time
    end: time


class WeeklyHours(msgspec.Struct, frozen=True, kw_only=True):
    """A time zone and the weekly windows in it."""

    timezone: str
    weekly: tuple[WeeklyWindow, ...]


class PractitionerHours(WeeklyHours, frozen=True, kw_only=True):
    """A practitioner's time zone and weekly hours, and when they last changed."""

    practitioner_id: uuid.UUID
    updated_at: datetime


class SlotTime(msgspec.Struct, frozen=True, kw_only=True):
    """A bookable (`free`) or booked time of one type with one practitioner."""

    practitioner_id: uuid.UUID
    type_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    free: bool


class SlotQuery(msgspec.Struct, frozen=True, kw_only=True):
    """The times of one type with one practitioner in `[start, end)`."""

    practitioner_id: uuid.UUID
    type_id: uuid.UUID
    start: datetime
    end: datetime


class SlotBoard(Protocol):
    """What can be booked, with the REST API's rules (provided by appointments)."""

    async def types(self) -> list[OfferedType]:
        """Every appointment type with its practitioners, by name (anyone signed in)."""

    async def hours(self, practitioner_ids: Sequence[uuid.UUID] | None) -> list[PractitionerHours]:
        """The hours of the practitioners among `practitioner_ids` (None: all) who set any."""

    def bookable_until(self, principal: Principal) -> datetime:
        """The latest start `principal` may book now (the booking horizon from now)."""

    async def slots(self, principal: Principal, query: SlotQuery) -> list[SlotTime]:
        """Free and (for staff only) booked times of a type in `[start, end)`, by start.

        The free ones are what `GET /appointments/slots` gives the caller; 422 on a bad range,
        type or practitioner.
        """


class TypeSpec(msgspec.Struct, frozen=True, kw_only=True):
    """An appointment type as an admin sets it up."""

    name: str
    duration_minutes: int
    practitioner_ids: Sequence[uuid.UUID]
    active: bool = True
    """Ignored when the type is created (a new type is active)."""


class ExceptionSpec(msgspec.Struct, frozen=True, kw_only=True):
    """Time off (no times: the whole day) or extra hours on one local date."""

    on_date: date
    kind: str
    """`time_off` or `extra_hours`."""
    start: time | None = None
    end: time | None = None
    reason: str | None = None


class HoursException(ExceptionSpec, frozen=True, kw_only=True):
    """A recorded exception."""

    id: uuid.UUID


class ClinicSetup(Protocol):
    """Appointment types and practitioners' hours with the REST API's rules and checks.

    Types are for admins; hours for the practitioner, receptionists and admins (else 403);
    values the API would refuse raise its 422 (provided by appointments).
    """

    async def save_type(
        self, principal: Principal, type_id: uuid.UUID | None, spec: TypeSpec
    ) -> uuid.UUID:
        """Create a type (`type_id` None) or change one; returns its id."""

    async def set_hours(
        self, principal: Principal, practitioner_id: uuid.UUID, hours: WeeklyHours
    ) -> None:
        """Replace the practitioner's time zone and every weekly window."""

    async def exceptions(self, practitioner_id: uuid.UUID) -> list[HoursException]:
        """The practitioner's exceptions from today (local) on, by date."""

    async def add_exception(
        self, principal: Principal, practitioner_id: uuid.UUID, spec: ExceptionSpec
    ) -> None:
        """Record time off or extra hours on one date."""

    async def delete_exception(
        self, principal: Principal, practitioner_id: uuid.UUID, exception_id: uuid.UUID
    ) -> None:
        """Remove one exception (404 if it is not the practitioner's)."""
