"""Routes for appointments: slots, booking, reading, and every status change."""

import uuid
from datetime import datetime
from typing import Annotated

from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from hduce.contracts.appointments import AppointmentFilter, AppointmentStatus
from hduce.core.errors import InvalidRequest, NotFound
from hduce.core.http import PageOffset, answer_example, body_example, problems
from hduce.core.schemas import Page
from hduce.core.security import EXCLUDE_OPT_KEY, Principal, requires_roles
from hduce.plugins.appointments.routes._examples import BOOK_BODY, BOOKED
from hduce.plugins.appointments.schemas import (
    AppointmentCreate,
    AppointmentRead,
    CancelRequest,
    ConfirmationRead,
    ConfirmRequest,
    NotesUpdate,
    RescheduleRequest,
    SlotList,
)
from hduce.plugins.appointments.services import AppointmentServices
from hduce.plugins.appointments.services._access import CLINICIANS
from hduce.plugins.appointments.services._ical import CALENDAR_MEDIA_TYPE
from hduce.plugins.appointments.services._lifecycle import STEPS
from hduce.plugins.appointments.services._queries import to_read

CLINICAL = [requires_roles(*CLINICIANS)]
ICS_SUFFIX = ".ics"


def _step(path: str, step: str, summary: str, *, name: str = "") -> HTTPRouteHandler:
    """The route `POST /{id}/<path>` applying `STEPS[step]` to callers with its roles."""

    async def handler(
        self: Controller,
        principal: NamedDependency[Principal],
        appointment_id: FromPath[uuid.UUID],
        appointments: NamedDependency[AppointmentServices],
    ) -> AppointmentRead:
        return to_read(await appointments.lifecycle.advance(principal, appointment_id, step))

    handler.__name__ = handler.__qualname__ = name or f"{step}_appointment"
    handler.__doc__ = summary
    return post(
        f"/{{appointment_id:uuid}}/{path}",
        guards=[requires_roles(*STEPS[step].roles)],
        status_code=HTTP_200_OK,
        responses=problems(403, 404, 409),
    )(handler)


class AppointmentController(Controller):
    """Booking, lists, status changes and iCalendar files of appointments."""

    path = "/appointments"
    tags = ["appointments"]

    @get("/slots", responses=problems(422))
    async def list_slots(
        self,
        principal: NamedDependency[Principal],
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
        return await appointments.slots.search(principal, practitioner_id, type_id, start, end)

    @post(
        responses={
            **answer_example(201, AppointmentRead, "A booked appointment", BOOKED),
            **problems(403, 409, 422),
        }
    )
    async def create_appointment(
        self,
        principal: NamedDependency[Principal],
        data: Annotated[AppointmentCreate, body_example("A patient books a slot", BOOK_BODY)],
        appointments: NamedDependency[AppointmentServices],
    ) -> AppointmentRead:
        """Book: a patient for themself, staff for any patient; a taken slot answers 409."""
        return to_read(await appointments.booking.book(principal, data))

    @get(responses=problems(422))
    async def list_appointments(
        self,
        principal: NamedDependency[Principal],
        appointments: NamedDependency[AppointmentServices],
        practitioner_id: FromQuery[uuid.UUID | None] = None,
        patient_id: FromQuery[uuid.UUID | None] = None,
        status: FromQuery[AppointmentStatus | None] = None,
        start: FromQuery[datetime | None] = None,
        end: FromQuery[datetime | None] = None,
        limit: Annotated[int | None, QueryParameter(ge=1)] = None,
        offset: PageOffset = 0,
    ) -> Page[AppointmentRead]:
        """Appointments by start time: patients see theirs, practitioners their schedule.

        A window `[start, end)` that ends before or as it starts is 422, as in the slot search.
        """
        if start and end and start.tzinfo and end.tzinfo and end <= start:  # naive: see `page`
            raise InvalidRequest.naming("end", "must be after start")
        query = AppointmentFilter(
            practitioner_id=practitioner_id,
            patient_id=patient_id,
            statuses=None if status is None else frozenset({status}),
            start=start,
            end=end,
            limit=limit or 0,
            offset=offset,
        )
        return await appointments.queries.page(principal, query)

    @get(
        "/{appointment_ref:str}",
        responses=problems(404),
        description="`/appointments/{id}` answers JSON, `/appointments/{id}.ics` iCalendar.",
    )
    async def get_appointment(
        self,
        principal: NamedDependency[Principal],
        appointment_ref: FromPath[str],
        appointments: NamedDependency[AppointmentServices],
    ) -> AppointmentRead:
        """One appointment (notes for clinicians), or `{id}.ics` for an iCalendar file."""
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
        responses=problems(400, 422),
    )
    async def confirm_appointment(
        self,
        appointment_id: FromPath[uuid.UUID],
        data: JSONBody[ConfirmRequest],
        appointments: NamedDependency[AppointmentServices],
    ) -> ConfirmationRead:
        """Confirm with the signed token from a reminder (no login).

        Again, or from a later reminder: 200 with `already_confirmed`, nothing changes. The
        answer holds no clinical fields: whoever has the link sees only when and with whom.
        """
        row, already = await appointments.lifecycle.confirm(appointment_id, data.token)
        return await appointments.queries.confirmation(row, already_confirmed=already)

    @post("/{appointment_id:uuid}/cancel", status_code=HTTP_200_OK, responses=problems(404, 409))
    async def cancel_appointment(
        self,
        principal: NamedDependency[Principal],
        appointment_id: FromPath[uuid.UUID],
        data: JSONBody[CancelRequest],
        appointments: NamedDependency[AppointmentServices],
    ) -> AppointmentRead:
        """Cancel with a reason: patients until the notice period, staff any time."""
        return to_read(await appointments.lifecycle.cancel(principal, appointment_id, data.reason))

    @post(
        "/{appointment_id:uuid}/reschedule",
        status_code=HTTP_200_OK,
        responses=problems(404, 409, 422),
    )
    async def reschedule_appointment(
        self,
        principal: NamedDependency[Principal],
        appointment_id: FromPath[uuid.UUID],
        data: JSONBody[RescheduleRequest],
        appointments: NamedDependency[AppointmentServices],
    ) -> AppointmentRead:
        """Move to a new slot; the old one is released only if the new one is won."""
        return to_read(await appointments.booking.reschedule(principal, appointment_id, data))

    check_in_appointment = _step("check-in", "check_in", "The patient has arrived (staff).")
    start_appointment = _step("start", "start", "The consultation begins (doctors, nurses).")
    complete_appointment = _step(
        "complete", "complete", "The consultation is over (doctors, nurses)."
    )
    mark_no_show = _step(
        "no-show",
        "no_show",
        "The patient did not come (staff, once the start has passed).",
        name="mark_no_show",
    )

    @put("/{appointment_id:uuid}/notes", guards=CLINICAL, responses=problems(403, 404, 422))
    async def update_notes(
        self,
        principal: NamedDependency[Principal],
        appointment_id: FromPath[uuid.UUID],
        data: JSONBody[NotesUpdate],
        appointments: NamedDependency[AppointmentServices],
    ) -> AppointmentRead:
        """Replace the clinical notes (doctors, nurses; audited)."""
        row = await appointments.lifecycle.update_notes(principal, appointment_id, data.notes)
        return to_read(row, with_notes=True)
