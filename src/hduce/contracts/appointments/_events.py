"""Appointment facts other plugins may react to (past-tense events) and the status vocabulary."""

import uuid
from datetime import datetime
from enum import StrEnum

from hduce.core.events import Event


class AppointmentStatus(StrEnum):
    """Where an appointment stands; `held` is a waitlist offer not yet claimed."""

    HELD = "held"
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class AppointmentFact(Event, frozen=True):
    """What every appointment event carries."""

    appointment_id: uuid.UUID
    patient_id: uuid.UUID
    practitioner_id: uuid.UUID
    type_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime


class AppointmentBooked(AppointmentFact, frozen=True):
    """An appointment was booked (by the patient or by staff for them)."""

    name = "appointment.booked"
    booked_by: uuid.UUID


class AppointmentConfirmed(AppointmentFact, frozen=True):
    """The patient confirmed they will come."""

    name = "appointment.confirmed"


class AppointmentCancelled(AppointmentFact, frozen=True):
    """An appointment was cancelled; its slot is free again."""

    name = "appointment.cancelled"
    cancelled_by: uuid.UUID
    reason: str


class AppointmentRescheduled(AppointmentFact, frozen=True):
    """An appointment moved; the previous slot is free again."""

    name = "appointment.rescheduled"
    previous_practitioner_id: uuid.UUID
    previous_starts_at: datetime
    previous_ends_at: datetime
    rescheduled_by: uuid.UUID


class AppointmentCheckedIn(AppointmentFact, frozen=True):
    """The patient arrived and was checked in."""

    name = "appointment.checked_in"
    checked_in_by: uuid.UUID


class AppointmentCompleted(AppointmentFact, frozen=True):
    """The consultation ended."""

    name = "appointment.completed"
    completed_by: uuid.UUID


class AppointmentNoShow(AppointmentFact, frozen=True):
    """The patient did not come; `marked_by` is None when marked automatically."""

    name = "appointment.no_show"
    marked_by: uuid.UUID | None = None


VISIT_FACTS: tuple[type[AppointmentFact], ...] = (
    AppointmentBooked,
    AppointmentConfirmed,
    AppointmentCancelled,
    AppointmentRescheduled,
    AppointmentCheckedIn,
    AppointmentCompleted,
    AppointmentNoShow,
)
"""Every fact of an appointment's life, in the order a visit may live them."""
ANNOUNCING: dict[AppointmentStatus, type[AppointmentFact]] = {
    AppointmentStatus.CONFIRMED: AppointmentConfirmed,
    AppointmentStatus.CANCELLED: AppointmentCancelled,
    AppointmentStatus.CHECKED_IN: AppointmentCheckedIn,
    AppointmentStatus.COMPLETED: AppointmentCompleted,
    AppointmentStatus.NO_SHOW: AppointmentNoShow,
}
"""The event announcing that an appointment reached a status (`in_progress` has none)."""


class AppointmentTypeRenamed(Event, frozen=True):
    """An appointment type got a new name (its appointments show it from now on)."""

    name = "appointment.type_renamed"
    type_id: uuid.UUID
    type_name: str
