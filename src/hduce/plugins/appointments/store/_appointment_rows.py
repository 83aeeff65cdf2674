"""Appointment rows: the columns read back and the SQL the appointment store runs."""

import uuid
from collections.abc import Iterable
from datetime import datetime

import asyncpg
import msgspec

from hduce.contracts.appointments import AppointmentStatus as Status

PRACTITIONER_OVERLAP = "appointment_practitioner_no_overlap"
PATIENT_OVERLAP = "appointment_patient_no_overlap"

ROW_FIELDS = (
    "id",
    "patient",
    "practitioner",
    "appointment_type",
    "status",
    "starts_at",
    "ends_at",
    "mode",
    "reason",
    "notes",
    "cancellation_reason",
    "booked_by",
    "hold_until",
    "scheduled_events",
    "created_at",
    "updated_at",
)


def columns(alias: str) -> str:
    """The selected columns of appointment `alias` joined with its type as `t`."""
    return ", ".join(f"{alias}.{field}" for field in ROW_FIELDS) + ", t.name AS type_name"


COLUMNS = columns("a")
FROM = "appointment a JOIN appointment_type t ON t.id = a.appointment_type"
SELECT_ONE = f"SELECT {COLUMNS} FROM {FROM} WHERE a.id = $1"
# The calendars of $2 (sorted keys) locked first, then the row: the join needs the locks' row
# before `FOR UPDATE` can lock its result.
SELECT_ONE_LOCKING = f"""
SELECT {COLUMNS}
FROM (SELECT count(pg_advisory_xact_lock(key)) FROM unnest($2::bigint[]) AS key) AS locked,
     {FROM}
WHERE a.id = $1 FOR UPDATE OF a
"""
# Takes the calendar locks ($14, sorted) in the same statement, before the constraints are
# checked: a racer that lost releases the lock after one more round trip (its ROLLBACK).
INSERT = """
INSERT INTO appointment (id, patient, practitioner, appointment_type, status, starts_at, ends_at,
                         blocked_from, blocked_until, mode, reason, booked_by, hold_until,
                         scheduled_events)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $15::uuid[]
FROM (SELECT count(pg_advisory_xact_lock(key)) FROM unnest($14::bigint[]) AS key) AS locked
RETURNING *
"""
# Takes one scheduled event off the row; no row back means it was cancelled or already handled.
CONSUME_EVENT = f"""
WITH consumed AS (
    UPDATE appointment SET scheduled_events = array_remove(scheduled_events, $2)
    WHERE id = $1 AND $2 = ANY(scheduled_events) RETURNING *
)
SELECT {columns("c")} FROM consumed c JOIN appointment_type t ON t.id = c.appointment_type
"""
UPCOMING = (Status.BOOKED, Status.CONFIRMED)


# unnest keeps the array's order, so the locks are taken in the order given (sorted).
LOCK_KEYS = "SELECT pg_advisory_xact_lock(key) FROM unnest($1::bigint[]) AS key"
ACCOUNTS_OF = "SELECT practitioner, patient FROM appointment WHERE id = $1"
MOVE = f"""
WITH moved AS (
    UPDATE appointment SET practitioner = $2, starts_at = $3, ends_at = $4, blocked_from = $5,
           blocked_until = $6, status = 'booked', changed_by = $7, updated_at = now(),
           scheduled_events = $8
    WHERE id = $1 RETURNING *
)
SELECT {columns("m")} FROM moved m JOIN appointment_type t ON t.id = m.appointment_type
"""
# A page's columns named as `AppointmentRead`'s fields, so each record converts in one step.
PAGE_COLUMNS = (
    "a.id, a.patient AS patient_id, a.practitioner AS practitioner_id, "
    "a.appointment_type AS type_id, t.name AS type_name, a.status, a.starts_at, a.ends_at, "
    "a.mode, a.reason, a.cancellation_reason, a.hold_until, a.created_at, a.updated_at"
)
VISIBLE_TO = "(a.patient = ? OR a.practitioner = ?)"
"""A page's condition that the account is the appointment's patient or practitioner."""
FILTERS = {
    "practitioner_id": "a.practitioner = ?",
    "patient_id": "a.patient = ?",
    "statuses": "a.status = ANY(?)",
    "start": "a.ends_at > ?",
    "end": "a.starts_at < ?",
    "updated_from": "greatest(a.updated_at, t.updated_at) >= ?",
    "updated_before": "greatest(a.updated_at, t.updated_at) < ?",
}
"""Conditions of a page, by `AppointmentFilter` field; `?` is the field's value."""
# Starts of a type's live bookings with the practitioner (as the slot search counts them busy).
BOOKED = """
SELECT starts_at, ends_at FROM appointment
WHERE practitioner = $1 AND appointment_type = $2 AND starts_at >= $3 AND starts_at < $4
  AND status NOT IN ('cancelled', 'no_show')
ORDER BY starts_at
"""
# The exclusion constraint's own expressions, so its GiST index answers this query.
BUSY = """
SELECT blocked_from, blocked_until FROM appointment
WHERE uuidrange(practitioner, practitioner, '[]') = uuidrange($1, $1, '[]')
  AND tstzrange(blocked_from, blocked_until, '[)') && tstzrange($2, $3, '[)')
  AND status NOT IN ('cancelled', 'no_show')
"""


class AppointmentRow(msgspec.Struct, frozen=True, kw_only=True):
    """One appointment as stored, with its type's name."""

    id: uuid.UUID
    patient: uuid.UUID
    practitioner: uuid.UUID
    appointment_type: uuid.UUID
    status: str
    starts_at: datetime
    ends_at: datetime
    mode: str
    reason: str | None
    notes: str | None
    cancellation_reason: str | None
    booked_by: uuid.UUID
    hold_until: datetime | None
    scheduled_events: list[uuid.UUID]
    created_at: datetime
    updated_at: datetime
    type_name: str

    def references(self) -> dict[str, uuid.UUID]:
        """The patient, practitioner and type, named as the API and the events name them."""
        return {
            "patient_id": self.patient,
            "practitioner_id": self.practitioner,
            "type_id": self.appointment_type,
        }


class Visit(msgspec.Struct, frozen=True, kw_only=True):
    """The time a new appointment of a type takes: its type, start, end and blocked interval."""

    type_id: uuid.UUID
    type_name: str
    mode: str
    starts_at: datetime
    ends_at: datetime
    blocked_from: datetime
    blocked_until: datetime


def lock_keys(account_ids: Iterable[uuid.UUID]) -> list[int]:
    """The sorted advisory lock keys of accounts' calendars (the first 64 bits of each id)."""
    return sorted({int.from_bytes(a.bytes[:8], "big", signed=True) for a in account_ids})


def to_row(record: asyncpg.Record) -> AppointmentRow:
    """The struct of one fetched record."""
    return AppointmentRow(**{name: record[name] for name in AppointmentRow.__struct_fields__})
