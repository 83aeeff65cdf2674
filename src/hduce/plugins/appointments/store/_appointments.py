"""Appointment rows: the columns read back, and the statements every service shares."""

import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg
import msgspec
from asyncpg.exceptions import ExclusionViolationError

from hduce.contracts.appointments import AppointmentStatus as Status
from hduce.plugins.appointments.errors import PatientBusy, SlotUnavailable
from hduce.plugins.appointments.services._types import TypeRow

PRACTITIONER_OVERLAP = "appointment_practitioner_no_overlap"
PATIENT_OVERLAP = "appointment_patient_no_overlap"

_FIELDS = (
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
    return ", ".join(f"{alias}.{field}" for field in _FIELDS) + ", t.name AS type_name"


COLUMNS = columns("a")
FROM = "appointment a JOIN appointment_type t ON t.id = a.appointment_type"
SELECT_ONE = f"SELECT {COLUMNS} FROM {FROM} WHERE a.id = $1"
# Takes the calendar locks ($14, sorted) in the same statement, before the constraints are
# checked: a racer that lost releases the lock after one more round trip (its ROLLBACK).
INSERT = """
INSERT INTO appointment (id, patient, practitioner, appointment_type, status, starts_at, ends_at,
                         blocked_from, blocked_until, mode, reason, booked_by, hold_until,
                         scheduled_events)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, '{}'
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
OCCUPYING = (Status.HELD, Status.BOOKED, Status.CONFIRMED, Status.CHECKED_IN, Status.IN_PROGRESS)
UPCOMING = (Status.BOOKED, Status.CONFIRMED)


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


def lock_keys(account_ids: Iterable[uuid.UUID]) -> list[int]:
    """The sorted advisory lock keys of accounts' calendars (the first 64 bits of each id)."""
    return sorted({int.from_bytes(a.bytes[:8], "big", signed=True) for a in account_ids})


def to_row(record: asyncpg.Record) -> AppointmentRow:
    """The struct of one fetched record."""
    return AppointmentRow(**{name: record[name] for name in AppointmentRow.__struct_fields__})


@asynccontextmanager
async def claiming_slot() -> AsyncIterator[None]:
    """Turn a lost race for a slot (the exclusion constraints) into a 409, never a 500."""
    try:
        yield
    except ExclusionViolationError as exc:
        if exc.constraint_name == PATIENT_OVERLAP:
            raise PatientBusy("the patient has another appointment at that time") from None
        raise SlotUnavailable("this slot has just been taken; choose another") from None


async def insert(
    connection: asyncpg.Connection,
    *,
    appointment_id: uuid.UUID,
    patient_id: uuid.UUID,
    practitioner_id: uuid.UUID,
    kind: TypeRow,
    starts_at: datetime,
    status: str,
    booked_by: uuid.UUID,
    reason: str | None = None,
    hold_until: datetime | None = None,
    lock: Iterable[uuid.UUID] = (),
) -> AppointmentRow:
    """Insert an appointment that blocks its type's buffers around it.

    The exclusion constraints refuse it if the practitioner or the patient is busy then. The
    calendars of `lock` are locked first (see `locks.py`), in the same statement.
    """
    spec = kind.spec
    blocked_from, blocked_until = spec.blocked(starts_at)
    record = await connection.fetchrow(
        INSERT,
        appointment_id,
        patient_id,
        practitioner_id,
        kind.id,
        status,
        starts_at,
        starts_at + spec.duration,
        blocked_from,
        blocked_until,
        kind.mode,
        reason,
        booked_by,
        hold_until,
        lock_keys(lock),
    )
    return AppointmentRow(**{field: record[field] for field in _FIELDS}, type_name=kind.name)


async def fetch_one(
    connection: asyncpg.Connection, appointment_id: uuid.UUID, *, lock: bool = False
) -> AppointmentRow | None:
    """One appointment, locked `FOR UPDATE` when asked; None if there is none."""
    query = SELECT_ONE + (" FOR UPDATE OF a" if lock else "")
    record = await connection.fetchrow(query, appointment_id)
    return to_row(record) if record else None


async def refetch(connection: asyncpg.Connection, appointment_id: uuid.UUID) -> AppointmentRow:
    """An appointment this transaction has just changed (and so knows to exist)."""
    row = await fetch_one(connection, appointment_id)
    if row is None:
        raise RuntimeError(f"appointment {appointment_id} vanished inside its own transaction")
    return row


async def consume_event(
    connection: asyncpg.Connection, appointment_id: uuid.UUID, event_id: uuid.UUID
) -> AppointmentRow | None:
    """Remove a scheduled event from its appointment; the row if the event was still pending."""
    record = await connection.fetchrow(CONSUME_EVENT, appointment_id, event_id)
    return to_row(record) if record else None


async def set_status(
    connection: asyncpg.Connection,
    appointment_id: uuid.UUID,
    status: str,
    *,
    changed_by: uuid.UUID | None,
    **columns: Any,
) -> None:
    """Change the status (and any `columns`), stamping who and when."""
    names = list(columns)
    assignments = "".join(f", {name} = ${index}" for index, name in enumerate(names, start=4))
    await connection.execute(
        f"UPDATE appointment SET status = $2, changed_by = $3, updated_at = now(){assignments} "
        "WHERE id = $1",
        appointment_id,
        status,
        changed_by,
        *columns.values(),
    )
