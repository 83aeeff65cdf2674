"""The `ClinicSetup` contract: types and hours through the set-up routes' services and checks."""

import uuid
from dataclasses import dataclass
from datetime import time
from typing import Any, TypeVar

import msgspec

from hduce.contracts.appointments import ExceptionSpec, HoursException, TypeSpec, WeeklyHours
from hduce.contracts.auth import Role
from hduce.core.errors import Forbidden
from hduce.core.json_bodies import AT, body_error
from hduce.core.schemas import format_clock, parse_clock
from hduce.core.security import Principal
from hduce.core.text_patterns import worded
from hduce.plugins.appointments.errors import InvalidRequest
from hduce.plugins.appointments.schemas import (
    AppointmentTypeCreate,
    AppointmentTypeUpdate,
    AvailabilityUpdate,
    ExceptionCreate,
)
from hduce.plugins.appointments.services._schedules import Schedules
from hduce.plugins.appointments.services._types import AppointmentTypes

T = TypeVar("T")


def _checked(fields: dict[str, Any], kind: type[T]) -> T:
    """`fields` as the route's body type, with its limits (422 like the route).

    The message names one path, the whole one the route's key gives (`weekly_hours[0].end`).
    """
    try:
        return msgspec.convert(fields, kind)
    except (msgspec.ValidationError, ValueError) as exc:
        message = worded(str(exc))
        if AT in message:
            error = body_error(fields, kind, msgspec.convert)
            message = f"{worded(error['message'])}{AT}.{error['key']}`"
        raise InvalidRequest(message) from None


def _clock(moment: time | None) -> str | None:
    return None if moment is None else format_clock(moment)


@dataclass(frozen=True, eq=False)
class SetupDesk:
    """Each call as its `/api/v1/appointments/types` or `/availability` route."""

    types: AppointmentTypes
    schedules: Schedules

    async def save_type(
        self, principal: Principal, type_id: uuid.UUID | None, spec: TypeSpec
    ) -> uuid.UUID:
        """Create or update a type (admins, as the routes' guard)."""
        if not principal.has_any_role(Role.ADMIN):
            raise Forbidden("appointment types are set up by admins")
        fields: dict[str, Any] = {
            "name": spec.name,
            "duration_minutes": spec.duration_minutes,
            "practitioner_ids": list(spec.practitioner_ids),
        }
        if type_id is None:
            created = await self.types.create(_checked(fields, AppointmentTypeCreate))
            return created.id
        changes = _checked({**fields, "active": spec.active}, AppointmentTypeUpdate)
        return (await self.types.update(type_id, changes)).id

    async def set_hours(
        self, principal: Principal, practitioner_id: uuid.UUID, hours: WeeklyHours
    ) -> None:
        """`Schedules.replace` (the practitioner, receptionists, admins)."""
        windows = [
            {"weekday": w.weekday, "start": format_clock(w.start), "end": format_clock(w.end)}
            for w in hours.weekly
        ]
        fields = {"timezone": hours.timezone, "weekly_hours": windows}
        await self.schedules.replace(
            principal, practitioner_id, _checked(fields, AvailabilityUpdate)
        )

    async def exceptions(self, practitioner_id: uuid.UUID) -> list[HoursException]:
        """The exceptions `GET .../availability` lists, reasons included (staff pages)."""
        read = await self.schedules.read(practitioner_id)
        return [
            HoursException(
                id=e.id,
                on_date=e.on_date,
                kind=e.kind,
                start=None if e.start is None else parse_clock(e.start),
                end=None if e.end is None else parse_clock(e.end),
                reason=e.reason,
            )
            for e in read.exceptions
        ]

    async def add_exception(
        self, principal: Principal, practitioner_id: uuid.UUID, spec: ExceptionSpec
    ) -> None:
        """`Schedules.add_exception` (the practitioner, receptionists, admins)."""
        fields = msgspec.structs.asdict(spec) | {
            "start": _clock(spec.start),
            "end": _clock(spec.end),
        }
        data = _checked(fields, ExceptionCreate)
        await self.schedules.add_exception(principal, practitioner_id, data)

    async def delete_exception(
        self, principal: Principal, practitioner_id: uuid.UUID, exception_id: uuid.UUID
    ) -> None:
        """`Schedules.delete_exception`."""
        await self.schedules.delete_exception(principal, practitioner_id, exception_id)
