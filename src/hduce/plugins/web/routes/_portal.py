"""The patient portal: own visits, booking from free slots, cancel, calendar file, inbox."""

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.contracts.appointments import AppointmentFilter, AppointmentStatus
from hduce.contracts.auth import Role
from hduce.contracts.notifications import InboxReader
from hduce.core.errors import HduceError, NotFound
from hduce.core.security import Principal
from hduce.plugins.web.routes._attachments import attachment
from hduce.plugins.web.routes._booking import (
    book_from_form,
    booking_choices,
    desk_of,
    every_visit,
    names,
    slots_fragment,
)
from hduce.plugins.web.routes._days import own_zone, zones_of
from hduce.plugins.web.routes._notices import notice_of
from hduce.plugins.web.routes._render import form_page, go, render, viewer
from hduce.plugins.web.services import WebServices

UPCOMING = frozenset(
    {AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED, AppointmentStatus.CHECKED_IN}
)
INBOX_SHOWN = 50


@get("/portal")
async def portal(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """The patient's upcoming visits and newest messages."""
    return await _visits_page(request, web, viewer(request, Role.PATIENT))


async def _visits_page(
    request: Request, web: WebServices, patient: Principal, refusal: HduceError | None = None
) -> Response[str]:
    """One's upcoming visits and newest messages; `refusal`: why a change was refused."""
    query = AppointmentFilter(patient_id=patient.id, statuses=UPCOMING, start=datetime.now(UTC))
    visits = await every_visit(web, patient, query)
    who = await names(web, (v.practitioner_id for v in visits))
    zones = await zones_of(web, (v.practitioner_id for v in visits))
    messages, unread = await web.inbox.latest(patient.id, 5) if web.inbox else ([], 0)
    return form_page(
        request,
        web,
        "portal.html",
        title="My visits",
        refusal=refusal,
        visits=visits,
        who=who,
        zones=zones,
        messages=messages,
        unread=unread,
        zone=await own_zone(web, patient.id),
        notice=notice_of(request),
    )


@get("/portal/book")
async def book_page(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Choose a visit type, a practitioner and a day; free slots load below."""
    patient = viewer(request, Role.PATIENT)
    return await _booking_form(request, web, patient, request.query_params)


@get("/portal/slots")
async def portal_slots(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """The free slots of the chosen offer (an htmx fragment)."""
    return await slots_fragment(request, web, viewer(request, Role.PATIENT), "/portal/book")


@post("/portal/book")
async def book(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Book the chosen slot for oneself; without one, the form again with its free times."""
    patient = viewer(request, Role.PATIENT)
    form = await request.form()
    if not form.get("starts_at"):  # "Show free times", or Enter in a field
        return await _booking_form(request, web, patient, form)
    try:
        await book_from_form(web, patient, form, None)
    except HduceError as exc:
        return await _booking_form(request, web, patient, form, exc)
    return go(request, "/portal?booked=1")


async def _booking_form(
    request: Request,
    web: WebServices,
    patient: Principal,
    values: Mapping[str, Any],
    refusal: HduceError | None = None,
) -> Response[str]:
    """The booking page with `values` (of the query or the posted form)."""
    return form_page(
        request,
        web,
        "book.html",
        title="Book a visit",
        refusal=refusal,
        slots_url="/portal/slots",
        book_url="/portal/book",
        **await booking_choices(web, patient, values),
    )


@post("/portal/visits/{visit_id:uuid}/cancel")
async def cancel(
    request: Request, visit_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Cancel one of one's own visits (the API's notice period applies)."""
    patient = viewer(request, Role.PATIENT)
    try:
        await desk_of(web).cancel(patient, visit_id, "cancelled by the patient in the portal")
    except HduceError as exc:  # too late to change online, or no longer upcoming
        return await _visits_page(request, web, patient, exc)
    return go(request, "/portal?cancelled=1")


@get("/portal/visits/{visit_id:uuid}/calendar.ics")
async def calendar(
    request: Request, visit_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[bytes]:
    """One of one's visits as an iCalendar file (others' visits: 404)."""
    patient = viewer(request, Role.PATIENT)
    body = await desk_of(web).ics(patient, visit_id)
    return attachment(body, "text/calendar", "visit.ics")


@get("/portal/inbox")
async def inbox(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """The patient's in-app messages, newest first."""
    patient = viewer(request, Role.PATIENT)
    messages, unread = await web.inbox.latest(patient.id, INBOX_SHOWN) if web.inbox else ([], 0)
    zone = await own_zone(web, patient.id)
    return render(
        request, web, "inbox.html", title="Inbox", messages=messages, unread=unread, zone=zone
    )


@post("/portal/inbox/{message_id:uuid}/read")
async def mark_read(
    request: Request, message_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Mark one of one's messages read (others': 404), as `POST /notifications/{id}/read`."""
    patient = viewer(request, Role.PATIENT)
    await inbox_of(web).mark_read(patient.id, message_id)
    return go(request, "/portal/inbox")


@post("/portal/inbox/read-all")
async def mark_all_read(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Mark every unread message of one's read, as `POST /notifications/read-all`."""
    patient = viewer(request, Role.PATIENT)
    await inbox_of(web).mark_all_read(patient.id)
    return go(request, "/portal/inbox")


def inbox_of(web: WebServices) -> InboxReader:
    """The inbox contract; 404 pages when the notifications plugin is off."""
    if web.inbox is None:
        raise NotFound("notifications are not enabled at this clinic")
    return web.inbox


HANDLERS = (
    portal,
    book_page,
    portal_slots,
    book,
    cancel,
    calendar,
    inbox,
    mark_all_read,
    mark_read,
)
