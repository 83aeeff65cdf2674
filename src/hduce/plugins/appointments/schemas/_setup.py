"""API shapes of clinic set-up: appointment types and practitioners' availability."""

import re
import uuid
from datetime import date, time
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from hduce.core.schemas import ClockTime, Input, Read, parse_clock
from hduce.core.text_patterns import not_blank
from hduce.core.time_zones import known_time_zones

Minutes = Annotated[int, Meta(ge=5, le=480)]
Buffer = Annotated[int, Meta(ge=0, le=240)]
Mode = Literal["in_person", "remote"]
Practitioners = Annotated[list[uuid.UUID], Meta(max_length=500)]
Timezone = Annotated[str, Meta(max_length=64, description="An IANA time zone, e.g. Europe/Paris")]
TypeName = Annotated[str, not_blank(min_length=1, max_length=100, description="One line, no tabs")]
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
END_OF_DAY = time(23, 59, 59)
"""The one time with seconds hours take: as an end, the last second of the day."""
HoursTime = Annotated[
    ClockTime,
    Meta(description="A time of day in whole minutes, `HH:MM` (`23:59:59` ends a day)"),
]


def _ensure_one_line(name: str | UnsetType) -> None:
    """Refuse control characters (line breaks, tabs) in a type's name: it is a one-line label."""
    if isinstance(name, str) and _CONTROL.search(name):
        raise ValueError(
            "the name must be one line, without control characters (line breaks, tabs)"
            " - at `$.name`"
        )


class AppointmentTypeCreate(Input, kw_only=True):
    """A new kind of visit and the practitioners who offer it."""

    name: TypeName
    duration_minutes: Minutes
    buffer_before_minutes: Buffer = 0
    buffer_after_minutes: Buffer = 0
    mode: Mode = "in_person"
    practitioner_ids: Practitioners = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        """Refuse a name with control characters."""
        super().__post_init__()
        _ensure_one_line(self.name)


class AppointmentTypeUpdate(Input, kw_only=True):
    """Fields to change; `practitioner_ids` replaces the whole list."""

    name: TypeName | UnsetType = UNSET
    duration_minutes: Minutes | UnsetType = UNSET
    buffer_before_minutes: Buffer | UnsetType = UNSET
    buffer_after_minutes: Buffer | UnsetType = UNSET
    mode: Mode | UnsetType = UNSET
    active: bool | UnsetType = UNSET
    practitioner_ids: Practitioners | UnsetType = UNSET

    def __post_init__(self) -> None:
        """Refuse a name with control characters."""
        super().__post_init__()
        _ensure_one_line(self.name)

    def changes(self) -> dict[str, Any]:
        """The columns the caller sent (without the practitioner list)."""
        return {
            name: value
            for name in self.__struct_fields__
            if name != "practitioner_ids" and (value := getattr(self, name)) is not UNSET
        }


class AppointmentTypeRead(Read, kw_only=True):
    """A kind of visit."""

    id: uuid.UUID
    name: str
    duration_minutes: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    mode: str
    active: bool
    practitioner_ids: list[uuid.UUID]


def _ensure_window(start: str | None, end: str | None) -> None:
    """Refuse times with seconds (but `END_OF_DAY`) and a window that does not start first.

    The grid of starts counts from the hours' start: one at 09:00:30 offered 09:00:30, 09:15:30...
    """
    for name, clock in (("start", start), ("end", end)):
        if clock is not None and parse_clock(clock).second and parse_clock(clock) != END_OF_DAY:
            raise ValueError(
                "times are whole minutes, such as 09:00 (only 23:59:59 may end a day)"
                f" - at `$.{name}`"
            )
    if start is not None and end is not None and parse_clock(start) >= parse_clock(end):
        raise ValueError("start must be before end - at `$.end`")


class WeeklyHoursRead(Read, kw_only=True):
    """Opening hours on one weekday (0 is Monday), local time."""

    weekday: int
    start: ClockTime
    end: ClockTime


class WeeklyHoursItem(Input, kw_only=True):
    """Opening hours on one weekday (0 is Monday), local time, in whole minutes."""

    weekday: Annotated[int, Meta(ge=0, le=6)]
    start: HoursTime
    end: HoursTime

    def __post_init__(self) -> None:
        """Reject times with seconds, and empty or reversed windows."""
        super().__post_init__()
        _ensure_window(self.start, self.end)


class AvailabilityUpdate(Input, kw_only=True):
    """A practitioner's time zone and complete weekly hours."""

    timezone: Timezone
    weekly_hours: Annotated[list[WeeklyHoursItem], Meta(max_length=100)]

    def __post_init__(self) -> None:
        """Reject unknown time zones."""
        super().__post_init__()
        if self.timezone not in known_time_zones():
            raise ValueError(f"unknown time zone {self.timezone!r} - at `$.timezone`")


class ExceptionCreate(Input, kw_only=True):
    """Time off (the whole day without times) or extra hours on one local date."""

    on_date: date
    kind: Literal["time_off", "extra_hours"]
    start: HoursTime | None = None
    end: HoursTime | None = None
    reason: Annotated[str, Meta(max_length=200)] | None = None

    def __post_init__(self) -> None:
        """Times come together, in whole minutes and in order; extra hours need them."""
        super().__post_init__()
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end, or neither - at `$.end`")
        _ensure_window(self.start, self.end)
        if self.kind == "extra_hours" and self.start is None:
            raise ValueError("extra hours need a start and an end - at `$.start`")


class ExceptionRead(Read, kw_only=True):
    """One dated exception."""

    id: uuid.UUID
    on_date: date
    kind: str
    start: ClockTime | None
    end: ClockTime | None
    reason: str | None


class AvailabilityRead(Read, kw_only=True):
    """A practitioner's time zone, weekly hours and exceptions from today on."""

    practitioner_id: uuid.UUID
    timezone: str
    weekly_hours: list[WeeklyHoursRead]
    exceptions: list[ExceptionRead]
