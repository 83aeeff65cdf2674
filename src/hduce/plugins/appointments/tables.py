"""Tables of the appointments plugin: types, availability, appointments, waitlist, feeds."""

from piccolo.columns import (
    UUID,
    Array,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    SmallInt,
    Text,
    Time,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from hduce.core.tables import account_key


class AppointmentType(Table, tablename="appointment_type"):
    """A kind of visit: its length, buffers and whether it happens in person or remotely."""

    id = UUID(primary_key=True)
    name = Varchar(length=100, unique=True)
    duration_minutes = Integer()
    buffer_before_minutes = Integer(default=0)
    buffer_after_minutes = Integer(default=0)
    mode = Varchar(length=16, default="in_person")
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class TypeOffering(Table, tablename="appointment_type_practitioner"):
    """A practitioner who offers an appointment type."""

    id = UUID(primary_key=True)
    appointment_type = ForeignKey(references=AppointmentType, on_delete=OnDelete.restrict)
    practitioner = account_key(index=True)


class TypeDeparture(Table, tablename="appointment_type_departure"):
    """When a practitioner was last taken off a type's list (a change of what they offer)."""

    id = UUID(primary_key=True)
    appointment_type = ForeignKey(references=AppointmentType, on_delete=OnDelete.restrict)
    practitioner = account_key()
    left_at = Timestamptz(default=TimestamptzNow())


class Schedule(Table, tablename="practitioner_schedule"):
    """The time zone a practitioner's weekly hours and exceptions are written in."""

    id = UUID(primary_key=True)
    practitioner = account_key(unique=True)
    timezone = Varchar(length=64, default="UTC")
    updated_at = Timestamptz(default=TimestamptzNow())


class WeeklyHours(Table, tablename="weekly_hours"):
    """One recurring window of working hours (`weekday` 0 is Monday), in local time."""

    id = UUID(primary_key=True)
    practitioner = account_key(index=True)
    weekday = SmallInt()
    start_time = Time()
    end_time = Time()


class AvailabilityException(Table, tablename="availability_exception"):
    """Time off or extra hours on one local date; time off without times is the whole day."""

    id = UUID(primary_key=True)
    practitioner = account_key(index=True)
    on_date = Date()
    kind = Varchar(length=16)
    start_time = Time(null=True, default=None)
    end_time = Time(null=True, default=None)
    reason = Varchar(length=200, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Appointment(Table, tablename="appointment"):
    """A booked (or held) visit; `blocked_*` is the practitioner's time including buffers."""

    id = UUID(primary_key=True)
    patient = account_key()
    practitioner = account_key()
    appointment_type = ForeignKey(references=AppointmentType, on_delete=OnDelete.restrict)
    status = Varchar(length=16)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    blocked_from = Timestamptz()
    blocked_until = Timestamptz()
    mode = Varchar(length=16)
    reason = Text(null=True, default=None)
    notes = Text(null=True, default=None)
    cancellation_reason = Text(null=True, default=None)
    booked_by = UUID()
    changed_by = UUID(null=True, default=None)
    hold_until = Timestamptz(null=True, default=None)
    scheduled_events = Array(base_column=UUID())
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class WaitlistEntry(Table, tablename="waitlist_entry"):
    """A patient waiting for a slot with a practitioner between two local dates."""

    id = UUID(primary_key=True)
    patient = account_key(index=True)
    practitioner = account_key()
    appointment_type = ForeignKey(references=AppointmentType, on_delete=OnDelete.restrict)
    from_date = Date()
    to_date = Date()
    status = Varchar(length=16, default="waiting")
    offered_appointment = UUID(null=True, default=None)
    offer_expires_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class CalendarFeed(Table, tablename="calendar_feed"):
    """A revocable secret (stored as SHA-256) that reads one practitioner's iCalendar feed."""

    id = UUID(primary_key=True)
    practitioner = account_key(index=True)
    token_hash = Varchar(length=64, unique=True)
    label = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
