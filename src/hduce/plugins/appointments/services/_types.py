"""Appointment types: what visits exist, how long they take and who offers them."""

import uuid
from datetime import timedelta

import asyncpg
from asyncpg.exceptions import UniqueViolationError

from hduce.contracts.appointments import AppointmentTypeRenamed
from hduce.contracts.auth import CLINICAL_ROLES, Accounts
from hduce.core.errors import Conflict, NotFound
from hduce.plugins.appointments.env import Env
from hduce.plugins.appointments.errors import InvalidRequest
from hduce.plugins.appointments.schemas import (
    AppointmentTypeCreate,
    AppointmentTypeRead,
    AppointmentTypeUpdate,
)
from hduce.plugins.appointments.services._availability import SlotSpec

SELECT_TYPES = """
SELECT t.id, t.name, t.duration_minutes, t.buffer_before_minutes, t.buffer_after_minutes, t.mode,
       t.active,
       coalesce(array_agg(o.practitioner ORDER BY o.practitioner)
                FILTER (WHERE o.practitioner IS NOT NULL), '{}') AS practitioner_ids
FROM appointment_type t LEFT JOIN appointment_type_practitioner o ON o.appointment_type = t.id
"""
OFFERED = """
SELECT t.id, t.name, t.duration_minutes, t.buffer_before_minutes, t.buffer_after_minutes, t.mode,
       t.active, ARRAY[o.practitioner] AS practitioner_ids
FROM appointment_type t JOIN appointment_type_practitioner o ON o.appointment_type = t.id
WHERE t.id = $1 AND o.practitioner = $2 AND t.active
"""


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


def _type(record: asyncpg.Record) -> TypeRow:
    return TypeRow(**{name: record[name] for name in TypeRow.__struct_fields__})


class AppointmentTypes:
    """Reads and writes appointment types and their practitioners."""

    def __init__(self, env: Env) -> None:
        self._env = env

    async def list_types(self) -> list[AppointmentTypeRead]:
        """Every type, by name."""
        records = await self._env.context.db.shared_pool.fetch(
            SELECT_TYPES + " GROUP BY t.id ORDER BY t.name"
        )
        return [_type(record) for record in records]

    async def offered(self, type_id: uuid.UUID, practitioner_id: uuid.UUID) -> TypeRow:
        """An active type the practitioner offers; 422 otherwise."""
        record = await self._env.context.db.fetchrow(OFFERED, type_id, practitioner_id)
        if record is None:
            raise InvalidRequest("this practitioner does not offer this appointment type")
        return _type(record)

    async def create(self, data: AppointmentTypeCreate) -> AppointmentTypeRead:
        """Add a type with the practitioners who offer it."""
        await self._check_practitioners(data.practitioner_ids)
        type_id = uuid.uuid4()
        async with self._env.transaction() as tx:
            try:
                await tx.connection.execute(
                    "INSERT INTO appointment_type (id, name, duration_minutes, "
                    "buffer_before_minutes, buffer_after_minutes, mode, active) "
                    "VALUES ($1, $2, $3, $4, $5, $6, true)",
                    type_id,
                    data.name,
                    data.duration_minutes,
                    data.buffer_before_minutes,
                    data.buffer_after_minutes,
                    data.mode,
                )
            except UniqueViolationError:
                raise Conflict(f"an appointment type named {data.name!r} exists") from None
            await self._set_practitioners(tx.connection, type_id, data.practitioner_ids)
        return await self.get(type_id)

    async def update(self, type_id: uuid.UUID, data: AppointmentTypeUpdate) -> AppointmentTypeRead:
        """Change a type; existing appointments keep the times they were booked with."""
        practitioners = data.practitioner_ids
        if isinstance(practitioners, list):
            await self._check_practitioners(practitioners)
        changes = data.changes()
        async with self._env.transaction() as tx:
            names = list(changes)
            assignments = "".join(f", {n} = ${i}" for i, n in enumerate(names, start=2))
            try:
                status = await tx.connection.execute(
                    f"UPDATE appointment_type SET updated_at = now(){assignments} WHERE id = $1",
                    type_id,
                    *changes.values(),
                )
            except UniqueViolationError:
                raise Conflict("another appointment type has this name") from None
            if status == "UPDATE 0":
                raise NotFound("no such appointment type")
            if "name" in changes:
                renamed = AppointmentTypeRenamed(type_id=type_id, type_name=changes["name"])
                await self._env.events.publish(renamed)
            if isinstance(practitioners, list):
                await tx.connection.execute(
                    "DELETE FROM appointment_type_practitioner WHERE appointment_type = $1",
                    type_id,
                )
                await self._set_practitioners(tx.connection, type_id, practitioners)
        return await self.get(type_id)

    async def get(self, type_id: uuid.UUID) -> AppointmentTypeRead:
        """One type."""
        record = await self._env.context.db.fetchrow(
            SELECT_TYPES + " WHERE t.id = $1 GROUP BY t.id", type_id
        )
        if record is None:
            raise NotFound("no such appointment type")
        return _type(record)

    async def _check_practitioners(self, practitioner_ids: list[uuid.UUID]) -> None:
        accounts = self._env.context.registry.get(Accounts)
        for practitioner_id in set(practitioner_ids):
            entry = await accounts.get_account(practitioner_id)
            if entry is None or entry.roles.isdisjoint(CLINICAL_ROLES):
                raise InvalidRequest(f"{practitioner_id} is not a doctor or nurse")

    async def _set_practitioners(
        self, connection: asyncpg.Connection, type_id: uuid.UUID, practitioner_ids: list[uuid.UUID]
    ) -> None:
        await connection.executemany(
            "INSERT INTO appointment_type_practitioner (id, appointment_type, practitioner) "
            "VALUES ($1, $2, $3)",
            [(uuid.uuid4(), type_id, p) for p in sorted(set(practitioner_ids))],
        )
