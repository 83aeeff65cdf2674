"""Appointment rows: the columns read back, claims of calendar time, status changes."""

import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg
import msgspec
from asyncpg.exceptions import ExclusionViolationError

from hduce.contracts.appointments import AppointmentStatus as Status
from hduce.core.db import Database
from hduce.plugins.appointments.errors import PatientBusy, SlotUnavailable

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
UPCOMING = (Status.BOOKED, Status.CONFIRMED)


# unnest keeps the array's order, so the locks are taken in the order given (sorted).
LOCK_KEYS = "SELECT pg_advisory_xact_lock(key) FROM unnest($1::bigint[]) AS key"
ACCOUNTS_OF = "SELECT practitioner, patient FROM appointment WHERE id = $1"
MOVE = """
UPDATE appointment SET practitioner = $2, starts_at = $3, ends_at = $4, blocked_from = $5,
       blocked_until = $6, status = 'booked', changed_by = $7, updated_at = now()
WHERE id = $1
"""
# A page's columns named as `AppointmentRead`'s fields, so each record converts in one step.
PAGE_COLUMNS = (
    "a.id, a.patient AS patient_id, a.practitioner AS practitioner_id, "
    "a.appointment_type AS type_id, t.name AS type_name, a.status, a.starts_at, a.ends_at, "
    "a.mode, a.reason, a.cancellation_reason, a.hold_until, a.created_at, a.updated_at"
)
FILTERS = {
    "visible_to": "(a.patient = ? OR a.practitioner = ?)",
    "practitioner": "a.practitioner = ?",
    "patient": "a.patient = ?",
    "status": "a.status = ?",
    "statuses": "a.status = ANY(?)",
    "start": "a.ends_at > ?",
    "end": "a.starts_at < ?",
    "updated_from": "a.updated_at >= ?",
    "updated_before": "a.updated_at < ?",
}
"""Conditions of a page, by filter name; `?` is the filter's value."""
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


@asynccontextmanager
async def claiming_slot() -> AsyncIterator[None]:
    """Turn a lost race for a slot (the exclusion constraints) into a 409, never a 500."""
    try:
        yield
    except ExclusionViolationError as exc:
        if exc.constraint_name == PATIENT_OVERLAP:
            raise PatientBusy("the patient has another appointment at that time") from None
        raise SlotUnavailable("this slot has just been taken; choose another") from None


class AppointmentStore:
    """The appointment table's statements; each joins the caller's transaction."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def insert(
        self,
        visit: Visit,
        *,
        appointment_id: uuid.UUID,
        patient_id: uuid.UUID,
        practitioner_id: uuid.UUID,
        status: str,
        booked_by: uuid.UUID,
        reason: str | None = None,
        hold_until: datetime | None = None,
        lock: Iterable[uuid.UUID] = (),
    ) -> AppointmentRow:
        """Insert an appointment that blocks its type's buffers around it.

        The exclusion constraints refuse it if the practitioner or the patient is busy then. The
        calendars of `lock` are locked first (see `services/_claims.py`), in the same statement.
        """
        record = await self._db.fetchrow(
            INSERT,
            appointment_id,
            patient_id,
            practitioner_id,
            visit.type_id,
            status,
            visit.starts_at,
            visit.ends_at,
            visit.blocked_from,
            visit.blocked_until,
            visit.mode,
            reason,
            booked_by,
            hold_until,
            lock_keys(lock),
        )
        if record is None:
            raise RuntimeError("INSERT ... RETURNING gave no row")
        return AppointmentRow(
            **{field: record[field] for field in _FIELDS}, type_name=visit.type_name
        )

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A savepoint of the caller's transaction: a refusal inside it spoils nothing else."""
        await self._db.execute("SAVEPOINT appointment_claim")
        try:
            yield
        except BaseException:
            await self._db.execute("ROLLBACK TO SAVEPOINT appointment_claim")
            raise
        await self._db.execute("RELEASE SAVEPOINT appointment_claim")

    async def get(self, appointment_id: uuid.UUID, *, lock: bool = False) -> AppointmentRow | None:
        """One appointment, locked `FOR UPDATE` when asked; None if there is none."""
        query = SELECT_ONE + (" FOR UPDATE OF a" if lock else "")
        record = await self._db.fetchrow(query, appointment_id)
        return to_row(record) if record else None

    async def refetch(self, appointment_id: uuid.UUID) -> AppointmentRow:
        """An appointment this transaction has just changed (and so knows to exist)."""
        row = await self.get(appointment_id)
        if row is None:
            raise RuntimeError(f"appointment {appointment_id} vanished inside its own transaction")
        return row

    async def consume_event(
        self, appointment_id: uuid.UUID, event_id: uuid.UUID
    ) -> AppointmentRow | None:
        """Remove a scheduled event from its appointment; the row if it was still pending."""
        record = await self._db.fetchrow(CONSUME_EVENT, appointment_id, event_id)
        return to_row(record) if record else None

    async def remember_events(self, appointment_id: uuid.UUID, event_ids: list[uuid.UUID]) -> None:
        """Store the pending scheduled events of an appointment."""
        await self._db.execute(
            "UPDATE appointment SET scheduled_events = $2 WHERE id = $1", appointment_id, event_ids
        )

    async def set_status(
        self,
        appointment_id: uuid.UUID,
        status: str,
        *,
        changed_by: uuid.UUID | None,
        **columns: Any,
    ) -> None:
        """Change the status (and any `columns`), stamping who and when."""
        names = list(columns)
        assignments = "".join(f", {name} = ${index}" for index, name in enumerate(names, start=4))
        await self._db.execute(
            f"UPDATE appointment SET status = $2, changed_by = $3, updated_at = now(){assignments} "
            "WHERE id = $1",
            appointment_id,
            status,
            changed_by,
            *columns.values(),
        )

    async def move(
        self, appointment_id: uuid.UUID, practitioner_id: uuid.UUID, visit: Visit, by: uuid.UUID
    ) -> None:
        """Give an appointment a new time (and practitioner); it is booked again."""
        await self._db.execute(
            MOVE,
            appointment_id,
            practitioner_id,
            visit.starts_at,
            visit.ends_at,
            visit.blocked_from,
            visit.blocked_until,
            by,
        )

    async def set_notes(self, appointment_id: uuid.UUID, notes: str) -> None:
        """Replace the clinician's notes."""
        await self._db.execute(
            "UPDATE appointment SET notes = $2, updated_at = now() WHERE id = $1",
            appointment_id,
            notes,
        )

    async def delete(self, appointment_id: uuid.UUID) -> None:
        """Remove an appointment (a waitlist hold, which carries no clinical data)."""
        await self._db.execute("DELETE FROM appointment WHERE id = $1", appointment_id)

    async def lock_calendars(self, *account_ids: uuid.UUID) -> None:
        """Hold the calendars of `account_ids` until the transaction ends (sorted: no cycles)."""
        await self._db.execute(LOCK_KEYS, lock_keys(account_ids))

    async def lock_calendars_of(self, appointment_id: uuid.UUID) -> None:
        """Hold the calendars of an appointment's practitioner and patient (none if it is gone)."""
        record = await self._db.fetchrow(ACCOUNTS_OF, appointment_id)
        if record is not None:
            await self.lock_calendars(record["practitioner"], record["patient"])

    async def booked(
        self, practitioner_id: uuid.UUID, type_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[asyncpg.Record]:
        """`starts_at, ends_at` of a type's live bookings with the practitioner, by start."""
        return await self._db.fetch(BOOKED, practitioner_id, type_id, start, end)

    async def busy(
        self, practitioner_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[tuple[datetime, datetime]]:
        """The practitioner's blocked intervals overlapping `[start, end)`."""
        records = await self._db.fetch(BUSY, practitioner_id, start, end)
        return [(r["blocked_from"], r["blocked_until"]) for r in records]

    async def page(
        self,
        *,
        visible_to: uuid.UUID | None,
        filters: Mapping[str, object],
        limit: int,
        offset: int,
    ) -> tuple[list[asyncpg.Record], int]:
        """A page of appointments by start (`PAGE_COLUMNS`) and the total number of matches.

        `visible_to`: only the account's own appointments, as patient or practitioner.
        `filters`: the `FILTERS` to apply, by name (None: not filtered).
        """
        conditions: list[str] = []
        args: list[object] = []
        for name, value in {"visible_to": visible_to, **filters}.items():
            if value is not None:
                args.append(value)
                conditions.append(FILTERS[name].replace("?", f"${len(args)}"))
        clause = " AND ".join(conditions) or "true"
        records = await self._db.fetch(
            f"SELECT {PAGE_COLUMNS}, count(*) OVER () AS total FROM {FROM} WHERE {clause} "
            f"ORDER BY a.starts_at, a.id LIMIT {limit} OFFSET {offset}",
            *args,
        )
        if records:
            return records, records[0]["total"]
        total = await self._db.fetchval(f"SELECT count(*) FROM {FROM} WHERE {clause}", *args)
        return records, total or 0
