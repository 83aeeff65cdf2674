"""Appointment types: what visits exist, how long they take and who offers them."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec
from asyncpg.exceptions import UniqueViolationError

from hduce.contracts.appointments import AppointmentTypeRenamed
from hduce.contracts.auth import CLINICAL_ROLES, Accounts
from hduce.core.db import Database
from hduce.core.errors import Conflict, NotFound
from hduce.core.events import EventBus
from hduce.plugins.appointments.errors import InvalidRequest
from hduce.plugins.appointments.schemas import (
    AppointmentTypeCreate,
    AppointmentTypeRead,
    AppointmentTypeUpdate,
)
from hduce.plugins.appointments.services._availability import SlotSpec
from hduce.plugins.appointments.store import TypeStore, Visit


class TypeRow(AppointmentTypeRead, frozen=True):
    """An appointment type as stored: its API view, and the time a visit takes."""

    @property
    def spec(self) -> SlotSpec:
        """How much time a visit of this type takes and blocks."""
        return SlotSpec(
            duration=timedelta(minutes=self.duration_minutes),
            buffer_before=timedelta(minutes=self.buffer_before_minutes),
            buffer_after=timedelta(minutes=self.buffer_after_minutes),
        )

    def visit(self, starts_at: datetime) -> Visit:
        """The time a visit of this type starting at `starts_at` takes and blocks."""
        blocked_from, blocked_until = self.spec.blocked(starts_at)
        return Visit(
            type_id=self.id,
            type_name=self.name,
            mode=self.mode,
            starts_at=starts_at,
            ends_at=starts_at + self.spec.duration,
            blocked_from=blocked_from,
            blocked_until=blocked_until,
        )


def offered_type(record: Mapping[str, Any] | None, source: str | None = "body") -> TypeRow:
    """The type of a `TypeStore.offered` row.

    422 if there is none (or its id is None), or if the practitioner's account is deactivated,
    naming `practitioner_id` in `source`: where the request names the practitioner (None: it
    names none, as when a patient takes a waitlist offer).
    """
    if record is None or record["id"] is None:
        raise _unbookable("this practitioner does not offer this appointment type", source)
    if not record["practitioner_active"]:
        raise _unbookable("this practitioner's account is deactivated: they take no visits", source)
    return TypeRow.from_row(record)


def _unbookable(said: str, source: str | None) -> InvalidRequest:
    if source is None:
        return InvalidRequest(said)
    return InvalidRequest.naming("practitioner_id", said, source, detail=said)


@dataclass(frozen=True, eq=False)
class AppointmentTypes:
    """Reads and writes appointment types and their practitioners."""

    db: Database
    store: TypeStore
    events: EventBus
    accounts: Accounts

    async def list_types(self) -> list[AppointmentTypeRead]:
        """Every type, by name."""
        return TypeRow.from_rows(await self.store.all())

    async def offered(
        self, type_id: uuid.UUID, practitioner_id: uuid.UUID, source: str = "body"
    ) -> TypeRow:
        """An active type the practitioner offers; 422 otherwise (`offered_type`)."""
        return offered_type(await self.store.offered(type_id, practitioner_id), source)

    async def create(self, data: AppointmentTypeCreate) -> AppointmentTypeRead:
        """Add a type with the practitioners who offer it."""
        await self._check_practitioners(data.practitioner_ids)
        type_id = uuid.uuid4()
        async with self.db.transaction():
            try:
                await self.store.insert(type_id, msgspec.structs.asdict(data))
            except UniqueViolationError:
                raise Conflict(f"an appointment type named {data.name!r} exists") from None
            await self.store.set_practitioners(type_id, data.practitioner_ids, replace=False)
        return await self.get(type_id)

    async def update(self, type_id: uuid.UUID, data: AppointmentTypeUpdate) -> AppointmentTypeRead:
        """Change a type; existing appointments keep the times they were booked with."""
        practitioners = data.practitioner_ids
        if isinstance(practitioners, list):
            await self._check_practitioners(practitioners)
        changes = data.changes()
        async with self.db.transaction():
            try:
                found = await self.store.update(type_id, changes)
            except UniqueViolationError:
                raise Conflict("another appointment type has this name") from None
            if not found:
                raise NotFound("no such appointment type")
            if "name" in changes:
                renamed = AppointmentTypeRenamed(type_id=type_id, type_name=changes["name"])
                await self.events.publish(renamed)
            if isinstance(practitioners, list):
                await self.store.set_practitioners(type_id, practitioners, replace=True)
        return await self.get(type_id)

    async def get(self, type_id: uuid.UUID) -> AppointmentTypeRead:
        """One type."""
        record = await self.store.get(type_id)
        if record is None:
            raise NotFound("no such appointment type")
        return TypeRow.from_row(record)

    async def _check_practitioners(self, practitioner_ids: list[uuid.UUID]) -> None:
        for practitioner_id in set(practitioner_ids):
            entry = await self.accounts.get_account(practitioner_id)
            if entry is None or entry.roles.isdisjoint(CLINICAL_ROLES):
                said = f"{practitioner_id} is not a doctor or nurse"
                raise InvalidRequest.naming("practitioner_ids", said, "body", detail=said)
