"""Routes for appointments: slots, booking, reading, and every status change."""

import uuid
from datetime import datetime
from typing import Annotated

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from hduce.contracts.appointments import AppointmentStatus
from hduce.core.errors import NotFound
from hduce.core.http import PageOffset, answer_example, body_example, problems
from hduce.core.security import EXCLUDE_OPT_KEY, principal_of, requires_roles
from hduce.plugins.appointments.routes._examples import BOOK_BODY, BOOKED
from hduce.plugins.appointments.schemas import (
    AppointmentCreate,
    AppointmentPage,
    AppointmentRead,
    CancelRequest,
    ConfirmationRead,
    ConfirmRequest,
    NotesUpdate,
    RescheduleRequest,
    SlotList,
)
from hduce.plugins.appointments.services import AppointmentServices
from hduce.plugins.appointments.services._access import BOOKERS, CLINICIANS
from hduce.plugins.appointments.services._ical import CALENDAR_MEDIA_TYPE
from hduce.plugins.appointments.services._queries import to_read

STAFF = [requires_roles(*BOOKERS)]
CLINICAL = [requires_roles(*CLINICIANS)]
ICS_SUFFIX = ".ics"


class AppointmentController(Controller):
    """Booking, lists, status changes and iCalendar files of appointments."""

    path = "/appointments"
    tags = ["appointments"]

    @get("/slots", responses=problems(422))
    async def list_slots(
        self,
        request: Request,
        appointments: NamedDependency[AppointmentServices],
        practitioner_id: FromQuery[uuid.UUID],
        type_id: FromQuery[uuid.UUID],
        start: FromQuery[datetime],
        end: FromQuery[datetime],
    ) -> SlotList:
        """Free slots for a type with a practitioner in `[start, end)`, in local time.

        Starts sooner than `min_notice` are left out for patients, sooner than
        `staff_min_notice` for staff.
        """
        principal = principal_of(request)
        return await appointments.slots.search(principal, practitioner_id, type_id, start, end)

    @post(
        responses={
            **answer_example(201, AppointmentRead, "A booked appointment", BOOKED),
            **problems(403, 409, 422),
        }
    )
    async def create_appointment(
        self,
        request: Request,
        data: Annotated[AppointmentCreate, body_example("A patient books a slot", BOOK_BODY)],
        appointments: NamedDependency[AppointmentServices],
    ) -> AppointmentRead:
        """Book: a patient for themself, staff for any patient; a taken slot answers 409."""
        return to_read(await appointments.booking.book(principal_of(request), data))

    @get(responses=problems(422))
    async def list_appointments(
        self,
        request: Request,
        appointments: NamedDependency[AppointmentServices],
        practitioner_id: FromQuery[uuid.UUID | None] = None,
        patient_id: FromQuery[uuid.UUID | None] = None,
        status: FromQuery[AppointmentStatus | None] = None,
        start: FromQuery[datetime | None] = None,
        end: FromQuery[datetime | None] = None,
        limit: Annotated[int | None, QueryParameter(ge=1)] = None,
        offset: PageOffset = 0,
    ) -> AppointmentPage:
        """Appointments by start time: patients see theirs, practitioners their schedule."""
        return await appointments.queries.page(
            principal_of(request),
            practitioner_id=practitioner_id,
            patient_id=patient_id,
            status=status,
            start=start,
            end=end,
            limit=limit,
            offset=offset,
        )

    @get(
        "/{appointment_ref:str}",
        responses=problems(404),
        description="`/appointments/{id}` answers JSON, `/appointments/{id}.ics` iCalendar.",
    )
    async def get_appointment(
        self,
        request: Request,
        appointment_ref: FromPath[str],
        appointments: NamedDependency[AppointmentServices],
    ) -> AppointmentRead:
        """One appointment (notes for clinicians), or `{id}.ics` for an iCalendar file."""
        principal = principal_of(request)
        ics = appointment_ref.endswith(ICS_SUFFIX)
        try:
            appointment_id = uuid.UUID(appointment_ref.removesuffix(ICS_SUFFIX))
        except ValueError:
            raise NotFound("no such appointment") from None
        if ics:
            body = await appointments.queries.ics(principal, appointment_id)
            return Response(body, media_type=CALENDAR_MEDIA_TYPE)  # type: ignore[return-value]
        return await appointments.queries.get(principal, appointment_id)

    @post(
        "/{appointment_id:uuid}/confirm",
        opt={EXCLUDE_OPT_KEY: True},
        status_code=HTTP_200_OK,
        responses=problems(400),
    )
    async def confirm_appointment(
        self,
        appointment_id: FromPath[uuid.UUID],
        data: JSONBody[ConfirmRequest],
        appointments: NamedDependency[AppointmentServices],
    ) -> ConfirmationRead:
        """Confirm with the signed token from a reminder (no login; once per booking).

        The answer holds no clinical fields: whoever has the link sees only when and with whom.
        """
        row = await appointments.lifecycle.confirm(appointment_id, data.token)
        return await appointments.queries.confirmation(row)

    @post("/{appointment_id:uuid}/cancel", status_code=HTTP_200_OK, responses=problems(404, 409))
    async def cancel_appointment(
        self,
        request: Request,
        appointment_id: FromPath[uuid.UUID],
        data: JSONBody[CancelRequest],
        appointments: NamedDependency[AppointmentServices],
    ) -> AppointmentRead:
        """Cancel with a reason: patients until the notice period, staff any time."""
        principal = principal_of(request)
        return to_read(await appointments.lifecycle.cancel(principal, appointment_id, data.reason))

    @post(
        "/{appointment_id:uuid}/reschedule",
        status_code=HTTP_200_OK,
        responses=problems(404, 409, 422),
    )
    async def reschedule_appointment(
        self,
        request: Request,
        appointment_id: FromPath[uuid.UUID],
        data: JSONBody[RescheduleRequest],
        appointments: NamedDependency[AppointmentServices],
    ) -> AppointmentRead:
        """Move to a new slot; the old one is released only if the new one is won."""
        principal = principal_of(request)
        return to_read(await appointments.booking.reschedule(principal, appointment_id, data))

    @post(
        "/{appointment_id:uuid}/check-in",
        guards=STAFF,
        status_code=HTTP_200_OK,
        responses=problems(403, 404, 409),
    )
    async def check_in_appointment(
        self,
        request: Request,
        appointment_id: FromPath[uuid.UUID],
        appointments: NamedDependency[AppointmentServices],
    ) -> AppointmentRead:
        """The patient has arrived (staff)."""
        return await _advance(request, appointments, appointment_id, "check_in")

    @post(
        "/{appointment_id:uuid}/start",
        guards=CLINICAL,
        status_code=HTTP_200_OK,
        responses=problems(403, 404, 409),
    )
    async def start_appointment(
        self,
        request: Request,
        appointment_id: FromPath[uuid.UUID],
        appointments: NamedDependency[AppointmentServices],
    ) -> AppointmentRead:
        """The consultation begins (doctors, nurses)."""
        return await _advance(request, appointments, appointment_id, "start")

    @post(
        "/{appointment_id:uuid}/complete",
        guards=CLINICAL,
        status_code=HTTP_200_OK,
        responses=problems(403, 404, 409),
    )
    async def complete_appointment(
        self,
        request: Request,
        appointment_id: FromPath[uuid.UUID],
        appointments: NamedDependency[AppointmentServices],
    ) -> AppointmentRead:
        """The consultation is over (doctors, nurses)."""
        return await _advance(request, appointments, appointment_id, "complete")

    @post(
        "/{appointment_id:uuid}/no-show",
        guards=STAFF,
        status_code=HTTP_200_OK,
        responses=problems(403, 404, 409),
    )
    async def mark_no_show(
        self,
        request: Request,
        appointment_id: FromPath[uuid.UUID],
        appointments: NamedDependency[AppointmentServices],
    ) -> AppointmentRead:
        """The patient did not come (staff, once the start has passed)."""
        return await _advance(request, appointments, appointment_id, "no_show")

    @put("/{appointment_id:uuid}/notes", guards=CLINICAL, responses=problems(403, 404, 422))
    async def update_notes(
        self,
        request: Request,
        appointment_id: FromPath[uuid.UUID],
        data: JSONBody[NotesUpdate],
        appointments: NamedDependency[AppointmentServices],
    ) -> AppointmentRead:
        """Replace the clinical notes (doctors, nurses; audited)."""
        principal = principal_of(request)
        row = await appointments.lifecycle.update_notes(principal, appointment_id, data.notes)
        return to_read(row, with_notes=True)


async def _advance(
    request: Request, appointments: AppointmentServices, appointment_id: uuid.UUID, step: str
) -> AppointmentRead:
    principal = principal_of(request)
    return to_read(await appointments.lifecycle.advance(principal, appointment_id, step))
