"""Routes for clinic set-up: appointment types (admins) and availability (practitioners)."""

import uuid

from litestar import Controller, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from hduce.contracts.auth import Role
from hduce.core.http import problems
from hduce.core.security import Principal, requires_roles
from hduce.plugins.appointments import schemas
from hduce.plugins.appointments.services import AppointmentServices
from hduce.plugins.appointments.services._access import is_staff

ADMIN_ONLY = [requires_roles(Role.ADMIN)]


class TypeController(Controller):
    """The kinds of visit the clinic offers."""

    path = "/appointments/types"
    tags = ["appointments"]

    @get()
    async def list_types(
        self, appointments: NamedDependency[AppointmentServices]
    ) -> list[schemas.AppointmentTypeRead]:
        """Every appointment type, with the practitioners offering it."""
        return await appointments.types.list_types()

    @post(guards=ADMIN_ONLY, responses=problems(403, 409, 422))
    async def create_type(
        self,
        data: JSONBody[schemas.AppointmentTypeCreate],
        appointments: NamedDependency[AppointmentServices],
    ) -> schemas.AppointmentTypeRead:
        """Add an appointment type (admins)."""
        return await appointments.types.create(data)

    @patch("/{type_id:uuid}", guards=ADMIN_ONLY, responses=problems(403, 404, 409, 422))
    async def update_type(
        self,
        type_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.AppointmentTypeUpdate],
        appointments: NamedDependency[AppointmentServices],
    ) -> schemas.AppointmentTypeRead:
        """Change an appointment type or who offers it (admins)."""
        return await appointments.types.update(type_id, data)


class AvailabilityController(Controller):
    """Practitioners' weekly hours and dated exceptions."""

    path = "/appointments/availability/{practitioner_id:uuid}"
    tags = ["appointments"]

    @get(responses=problems(404))
    async def get_availability(
        self,
        principal: NamedDependency[Principal],
        practitioner_id: FromPath[uuid.UUID],
        appointments: NamedDependency[AppointmentServices],
    ) -> schemas.AvailabilityRead:
        """A practitioner's time zone, weekly hours and exceptions from today on; reasons: staff."""
        staff = is_staff(principal)
        return await appointments.schedules.read(practitioner_id, with_reasons=staff)

    @put(responses=problems(403, 404, 422))
    async def set_availability(
        self,
        principal: NamedDependency[Principal],
        practitioner_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.AvailabilityUpdate],
        appointments: NamedDependency[AppointmentServices],
    ) -> schemas.AvailabilityRead:
        """Replace the time zone and weekly hours (the practitioner, receptionists, admins)."""
        return await appointments.schedules.replace(principal, practitioner_id, data)

    @post("/exceptions", responses=problems(403, 404, 409, 422))
    async def add_exception(
        self,
        principal: NamedDependency[Principal],
        practitioner_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.ExceptionCreate],
        appointments: NamedDependency[AppointmentServices],
    ) -> schemas.ExceptionRead:
        """Add time off or extra hours on a date (the practitioner, receptionists, admins)."""
        return await appointments.schedules.add_exception(principal, practitioner_id, data)

    @delete("/exceptions/{exception_id:uuid}", responses=problems(403, 404))
    async def delete_exception(
        self,
        principal: NamedDependency[Principal],
        practitioner_id: FromPath[uuid.UUID],
        exception_id: FromPath[uuid.UUID],
        appointments: NamedDependency[AppointmentServices],
    ) -> None:
        """Remove an exception (the practitioner, receptionists, admins)."""
        await appointments.schedules.delete_exception(principal, practitioner_id, exception_id)
