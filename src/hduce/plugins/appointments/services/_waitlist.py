"""The waitlist: a freed slot is held for the first matching patient, then passed on."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
from asyncpg.exceptions import ExclusionViolationError

from hduce.contracts.appointments import AppointmentStatus as Status
from hduce.contracts.auth import Accounts, AccountStatus, UserStatusChanged
from hduce.core.db import Database
from hduce.core.errors import NotFound
from hduce.core.events import EventBus, EventMeta
from hduce.core.security import Principal
from hduce.plugins.appointments.config import AppointmentsConfig
from hduce.plugins.appointments.errors import (
    AlreadyWaiting,
    InvalidRequest,
    InvalidTransition,
    SlotNotOffered,
)
from hduce.plugins.appointments.schemas import WaitlistCreate, WaitlistRead
from hduce.plugins.appointments.services._access import bookable_patient, sees_all
from hduce.plugins.appointments.services._audit import AppointmentAudit
from hduce.plugins.appointments.services._followups import FollowUps, HoldExpired
from hduce.plugins.appointments.services._schedules import Schedules
from hduce.plugins.appointments.services._slots import SlotFinder
from hduce.plugins.appointments.services._types import AppointmentTypes
from hduce.plugins.appointments.store import (
    PRACTITIONER_OVERLAP,
    AppointmentRow,
    AppointmentStore,
    WaitlistStore,
)


@dataclass(frozen=True, eq=False)
class Waitlist:
    """Joins, offers, claims and hand-overs of waitlist entries."""

    db: Database
    config: AppointmentsConfig
    events: EventBus
    appointments: AppointmentStore
    entries: WaitlistStore
    accounts: Accounts
    types: AppointmentTypes
    schedules: Schedules
    slots: SlotFinder
    followups: FollowUps
    audit: AppointmentAudit

    async def join(self, principal: Principal, data: WaitlistCreate) -> WaitlistRead:
        """Put a patient on the waitlist of a practitioner and type for a date range.

        A range that has ended (in the practitioner's time zone) is refused (422), and so is the
        same wait twice while the first entry is live (409 naming it).
        """
        patient_id = await bookable_patient(self.accounts, principal, data.patient_id)
        await self.types.offered(data.type_id, data.practitioner_id)
        zone = ZoneInfo(await self.schedules.timezone(data.practitioner_id))
        if data.to_date < datetime.now(zone).date():
            ended = f"the date range has already ended (to_date, in {zone.key})"
            raise InvalidRequest.naming("to_date", ended, "body", detail=ended)
        async with self.db.transaction():
            await self.appointments.lock_calendars(patient_id)  # two joins at once: one wins
            if existing := await self.entries.same_wait(patient_id, data):
                raise AlreadyWaiting(f"the patient already waits for this: entry {existing}")
            record = await self.entries.insert(patient_id, data)
        return WaitlistRead.from_row(record)

    async def list_entries(self, principal: Principal) -> list[WaitlistRead]:
        """Live entries for the front desk; otherwise one's own, as patient or practitioner."""
        if sees_all(principal):
            records = await self.entries.live()
        else:
            records = await self.entries.of_account(principal.id)
        return WaitlistRead.from_rows(records)

    async def claim(self, principal: Principal, entry_id: uuid.UUID) -> AppointmentRow:
        """Book the slot held for this entry, before the hold runs out."""
        async with self.db.transaction():
            entry = await self._locked_entry(principal, entry_id)
            row = None
            if entry["offered_appointment_id"] is not None:
                row = await self.appointments.get(entry["offered_appointment_id"], lock=True)
            if entry["status"] != "offered" or row is None or row.status != Status.HELD:
                raise InvalidTransition("there is no slot on offer for this entry")
            if row.hold_until is None or row.hold_until <= datetime.now(UTC):
                raise InvalidTransition("the offer has expired")
            # As a booking: not from a practitioner since deactivated, nor on a day taken off.
            await self.slots.offered_at(
                row.practitioner, row.appointment_type, row.starts_at, source=None
            )
            await self.followups.cancel(row)
            await self.appointments.set_status(
                row.id, Status.BOOKED, changed_by=principal.id, hold_until=None
            )
            await self.entries.set_status(entry_id, "booked")
            booked = await self.appointments.refetch(row.id)
            await self.followups.booked(booked, booked_by=principal.id)
            await self.audit.appointment(Status.BOOKED, principal, booked)
        return booked

    async def leave(self, principal: Principal, entry_id: uuid.UUID) -> None:
        """Leave the waitlist; a slot on offer passes to the next patient at once."""
        async with self.db.transaction():
            entry = await self._locked_entry(principal, entry_id)
            if entry["status"] not in ("waiting", "offered"):
                raise InvalidTransition("this entry is no longer waiting")
            await self.entries.set_status(entry_id, "left")
            if entry["status"] == "offered":
                # Before the held row: a booking of that slot holds the calendar, then waits on it.
                await self.appointments.lock_calendars(entry["practitioner_id"])
                await self._release(entry["offered_appointment_id"])

    async def offer(self, freed: AppointmentRow) -> None:
        """Hold the slot `freed` gave up for the first waiting patient it suits, and tell them.

        Only a start the slot search would offer now (beyond the patients' notice, within the
        hours and exceptions, on the grid): not one on a day since taken off.
        """
        config, now = self.config, datetime.now(UTC)
        if freed.starts_at < now + timedelta(seconds=config.min_notice):
            return
        try:
            kind, zone = await self.slots.offered_at(
                freed.practitioner, freed.appointment_type, freed.starts_at
            )
        except (InvalidRequest, SlotNotOffered):
            return  # the type is no longer offered, or the practitioner no longer works then
        local_date = freed.starts_at.astimezone(ZoneInfo(zone)).date()
        hold_until = now + timedelta(seconds=config.waitlist_hold)
        waiting = await self.entries.next_waiting(
            freed.practitioner, freed.appointment_type, local_date
        )
        for entry in waiting:
            try:
                async with self.appointments.savepoint():  # one refusal spoils nothing
                    row = await self.appointments.insert(
                        kind.visit(freed.starts_at),
                        appointment_id=uuid.uuid4(),
                        patient_id=entry["patient"],
                        practitioner_id=freed.practitioner,
                        status=Status.HELD,
                        booked_by=entry["patient"],
                        hold_until=hold_until,
                    )
            except ExclusionViolationError as exc:
                if exc.constraint_name == PRACTITIONER_OVERLAP:
                    return  # the slot is taken after all
                continue  # this patient is busy then: ask the next one
            expiry = HoldExpired(appointment_id=row.id, entry_id=entry["id"])
            event_id = await self.events.publish(expiry, at=hold_until)
            await self.appointments.remember_events(row.id, [event_id])
            await self.entries.offered(entry["id"], row.id, hold_until)
            await self.followups.messages.send(
                row, "waitlist_offer", entry_id=str(entry["id"]), hold_until=hold_until
            )
            return

    async def expire_hold(self, event: HoldExpired, meta: EventMeta) -> None:
        """An unclaimed hold lapses and the slot goes to the next waiting patient."""
        async with self.db.transaction():
            await self.appointments.lock_calendars_of(event.appointment_id)
            row = await self.appointments.consume_event(event.appointment_id, meta.event_id)
            if row is None or row.status != Status.HELD:
                return  # claimed, released, or handled by an earlier delivery
            await self.entries.set_status(event.entry_id, "lapsed")
            await self._release(row.id)

    async def account_status_changed(self, event: UserStatusChanged, _meta: EventMeta) -> None:
        """A deactivated account's offers are withdrawn: its holds go to the next patient.

        The entries wait again (a deactivated patient's unoffered, see `next_waiting`), so an
        account reactivated later is back in line; a practitioner's slots go to no one.
        """
        if event.status != AccountStatus.DEACTIVATED:
            return
        for entry in await self.entries.offers_involving(event.user_id):
            async with self.db.transaction():
                # As `leave`: the calendar before the held row.
                await self.appointments.lock_calendars(entry["practitioner_id"])
                locked = await self.entries.lock(entry["id"])
                if locked is None or locked["status"] != "offered":
                    continue  # claimed, left or lapsed meanwhile
                await self.entries.withdraw_offer(entry["id"])
                await self._release(locked["offered_appointment_id"])

    async def _release(self, appointment_id: uuid.UUID) -> None:
        row = await self.appointments.get(appointment_id, lock=True)
        if row is None or row.status != Status.HELD:
            return
        await self.followups.cancel(row)
        # A hold carries no clinical data: it goes, and the slot with it.
        await self.appointments.delete(row.id)
        await self.offer(row)

    async def _locked_entry(self, principal: Principal, entry_id: uuid.UUID) -> asyncpg.Record:
        entry = await self.entries.lock(entry_id)
        if entry is None or not (entry["patient_id"] == principal.id or sees_all(principal)):
            raise NotFound("no such waitlist entry")
        return entry
