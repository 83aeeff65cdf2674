"""The waitlist: a freed slot is held for the first matching patient, then passed on."""

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
from asyncpg.exceptions import ExclusionViolationError

from hduce.contracts.appointments import AppointmentStatus as Status
from hduce.core.errors import NotFound
from hduce.core.events import EventMeta
from hduce.core.security import Principal
from hduce.plugins.appointments.env import Env
from hduce.plugins.appointments.errors import InvalidRequest, InvalidTransition
from hduce.plugins.appointments.schemas import WaitlistCreate, WaitlistRead
from hduce.plugins.appointments.services._access import patient_for, sees_all
from hduce.plugins.appointments.services._claims import lock_calendars, lock_calendars_of
from hduce.plugins.appointments.services._followups import FollowUps, HoldExpired
from hduce.plugins.appointments.services._schedules import Schedules
from hduce.plugins.appointments.services._types import AppointmentTypes
from hduce.plugins.appointments.store._appointments import (
    PRACTITIONER_OVERLAP,
    AppointmentRow,
    consume_event,
    fetch_one,
    insert,
    refetch,
    set_status,
)

ENTRY = """
SELECT id, patient, practitioner, appointment_type, from_date, to_date, status,
       offered_appointment, offer_expires_at, created_at
FROM waitlist_entry
"""
NEXT_WAITING = """
SELECT id, patient FROM waitlist_entry
WHERE practitioner = $1 AND appointment_type = $2 AND status = 'waiting'
  AND from_date <= $3 AND to_date >= $3
ORDER BY created_at, id
FOR UPDATE SKIP LOCKED
"""


def _read(record: asyncpg.Record) -> WaitlistRead:
    return WaitlistRead(
        id=record["id"],
        patient_id=record["patient"],
        practitioner_id=record["practitioner"],
        type_id=record["appointment_type"],
        from_date=record["from_date"],
        to_date=record["to_date"],
        status=record["status"],
        offered_appointment_id=record["offered_appointment"],
        offer_expires_at=record["offer_expires_at"],
        created_at=record["created_at"],
    )


class Waitlist:
    """Joins, offers, claims and hand-overs of waitlist entries."""

    def __init__(
        self, env: Env, types: AppointmentTypes, schedules: Schedules, followups: FollowUps
    ) -> None:
        self._env = env
        self._types = types
        self._schedules = schedules
        self._followups = followups

    async def join(self, principal: Principal, data: WaitlistCreate) -> WaitlistRead:
        """Put a patient on the waitlist of a practitioner and type for a date range."""
        patient_id = patient_for(principal, data.patient_id)
        if patient_id != principal.id:
            await self._env.require_patient(patient_id)
        await self._types.offered(data.type_id, data.practitioner_id)
        record = await self._env.context.db.shared_pool.fetchrow(
            "INSERT INTO waitlist_entry (id, patient, practitioner, appointment_type, from_date, "
            "to_date, status) VALUES ($1, $2, $3, $4, $5, $6, 'waiting') RETURNING *",
            uuid.uuid4(),
            patient_id,
            data.practitioner_id,
            data.type_id,
            data.from_date,
            data.to_date,
        )
        return _read(record)

    async def list_entries(self, principal: Principal) -> list[WaitlistRead]:
        """Live entries for the front desk; otherwise one's own, as patient or practitioner."""
        if sees_all(principal):
            records = await self._env.context.db.shared_pool.fetch(
                ENTRY + " WHERE status IN ('waiting', 'offered') ORDER BY created_at LIMIT 1000"
            )
        else:
            records = await self._env.context.db.shared_pool.fetch(
                ENTRY + " WHERE patient = $1 OR practitioner = $1 ORDER BY created_at DESC "
                "LIMIT 1000",
                principal.id,
            )
        return [_read(record) for record in records]

    async def claim(self, principal: Principal, entry_id: uuid.UUID) -> AppointmentRow:
        """Book the slot held for this entry, before the hold runs out."""
        async with self._env.transaction() as tx:
            entry = await self._locked_entry(tx.connection, principal, entry_id)
            row = None
            if entry["offered_appointment"] is not None:
                row = await fetch_one(tx.connection, entry["offered_appointment"], lock=True)
            if entry["status"] != "offered" or row is None or row.status != Status.HELD:
                raise InvalidTransition("there is no slot on offer for this entry")
            if row.hold_until is None or row.hold_until <= datetime.now(UTC):
                raise InvalidTransition("the offer has expired")
            await self._followups.cancel(tx.connection, row)
            await set_status(
                tx.connection, row.id, Status.BOOKED, changed_by=principal.id, hold_until=None
            )
            await self._set_entry(tx.connection, entry_id, "booked")
            booked = await refetch(tx.connection, row.id)
            await self._followups.booked(tx.connection, booked, booked_by=principal.id)
        return booked

    async def leave(self, principal: Principal, entry_id: uuid.UUID) -> None:
        """Leave the waitlist; a slot on offer passes to the next patient at once."""
        async with self._env.transaction() as tx:
            entry = await self._locked_entry(tx.connection, principal, entry_id)
            if entry["status"] not in ("waiting", "offered"):
                raise InvalidTransition("this entry is no longer waiting")
            await self._set_entry(tx.connection, entry_id, "left")
            if entry["status"] == "offered":
                # Before the held row: a booking of that slot holds the calendar, then waits on it.
                await lock_calendars(tx.connection, entry["practitioner"])
                await self._release(tx.connection, entry["offered_appointment"])

    async def offer(self, connection: asyncpg.Connection, freed: AppointmentRow) -> None:
        """Hold the slot `freed` gave up for the first waiting patient it suits, and tell them."""
        config, now = self._env.config, datetime.now(UTC)
        if freed.starts_at < now + timedelta(seconds=config.min_notice):
            return
        try:
            kind = await self._types.offered(freed.appointment_type, freed.practitioner)
        except InvalidRequest:
            return  # the type is no longer offered
        zone = await self._schedules.timezone(freed.practitioner)
        local_date = freed.starts_at.astimezone(ZoneInfo(zone)).date()
        hold_until = now + timedelta(seconds=config.waitlist_hold)
        waiting = await connection.fetch(
            NEXT_WAITING, freed.practitioner, freed.appointment_type, local_date
        )
        for entry in waiting:
            try:
                async with connection.transaction():  # a savepoint: one refusal spoils nothing
                    row = await insert(
                        connection,
                        appointment_id=uuid.uuid4(),
                        patient_id=entry["patient"],
                        practitioner_id=freed.practitioner,
                        kind=kind,
                        starts_at=freed.starts_at,
                        status=Status.HELD,
                        booked_by=entry["patient"],
                        hold_until=hold_until,
                    )
            except ExclusionViolationError as exc:
                if exc.constraint_name == PRACTITIONER_OVERLAP:
                    return  # the slot is taken after all
                continue  # this patient is busy then: ask the next one
            expiry = HoldExpired(appointment_id=row.id, entry_id=entry["id"])
            event_id = await self._env.events.publish(expiry, at=hold_until)
            await self._followups.remember(connection, row.id, [event_id])
            await connection.execute(
                "UPDATE waitlist_entry SET status = 'offered', offered_appointment = $2, "
                "offer_expires_at = $3, updated_at = now() WHERE id = $1",
                entry["id"],
                row.id,
                hold_until,
            )
            await self._followups.messages.send(
                row, "waitlist_offer", entry_id=str(entry["id"]), hold_until=hold_until
            )
            return

    async def expire_hold(self, event: HoldExpired, meta: EventMeta) -> None:
        """An unclaimed hold lapses and the slot goes to the next waiting patient."""
        async with self._env.transaction() as tx:
            await lock_calendars_of(tx.connection, event.appointment_id)
            row = await consume_event(tx.connection, event.appointment_id, meta.event_id)
            if row is None or row.status != Status.HELD:
                return  # claimed, released, or handled by an earlier delivery
            await self._set_entry(tx.connection, event.entry_id, "lapsed")
            await self._release(tx.connection, row.id)

    async def _release(self, connection: asyncpg.Connection, appointment_id: uuid.UUID) -> None:
        row = await fetch_one(connection, appointment_id, lock=True)
        if row is None or row.status != Status.HELD:
            return
        await self._followups.cancel(connection, row)
        # A hold carries no clinical data: it goes, and the slot with it.
        await connection.execute("DELETE FROM appointment WHERE id = $1", row.id)
        await self.offer(connection, row)

    async def _locked_entry(
        self, connection: asyncpg.Connection, principal: Principal, entry_id: uuid.UUID
    ) -> asyncpg.Record:
        entry = await connection.fetchrow(ENTRY + " WHERE id = $1 FOR UPDATE", entry_id)
        if entry is None or not (entry["patient"] == principal.id or sees_all(principal)):
            raise NotFound("no such waitlist entry")
        return entry

    async def _set_entry(
        self, connection: asyncpg.Connection, entry_id: uuid.UUID, status: str
    ) -> None:
        await connection.execute(
            "UPDATE waitlist_entry SET status = $2, updated_at = now() WHERE id = $1",
            entry_id,
            status,
        )
