"""The front desk: a day or week of visits per practitioner; check in, cancel, book."""

import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.contracts.appointments import AppointmentFilter, AppointmentStatus, AppointmentView
from hduce.contracts.auth import Role
from hduce.contracts.users import Demographics, PeopleQuery
from hduce.core.errors import HduceError
from hduce.core.security import Principal
from hduce.plugins.web.errors import BadInput
from hduce.plugins.web.routes._booking import (
    book_from_form,
    booking_choices,
    desk_of,
    every_visit,
    names,
    slots_fragment,
    uuid_of,
)
from hduce.plugins.web.routes._days import (
    DEFAULT_ZONE,
    day_of,
    day_range,
    local_day,
    main_zone,
    today_in,
    visit_day,
    zones_of,
)
from hduce.plugins.web.routes._render import form_page, go, local_time, render, typed, viewer
from hduce.plugins.web.services import WebServices

DESK = (Role.RECEPTIONIST, Role.ADMIN)
SCHEDULE = (*DESK, Role.DOCTOR, Role.NURSE)
PATIENT_HITS = 10
ACTIONABLE = frozenset({AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED})
"""Visits the desk checks in, cancels or moves from the day view."""


@get("/desk")
async def schedule(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """The day's (or week's, `view=week`) visits per practitioner."""
    staff = viewer(request, *SCHEDULE)
    week = request.query_params.get("view") == "week"
    return await _schedule_page(request, web, staff, None, week)


async def _schedule_page(
    request: Request,
    web: WebServices,
    staff: Principal,
    day: date | None,
    week: bool = False,
    refused: tuple[uuid.UUID, str, HduceError] | None = None,
) -> Response[str]:
    """The visits of `day` (None: the query's, else today) or its week, per practitioner.

    `refused`: a visit's check-in or cancel the API refused, with the reason typed, shown
    beside its form. Check-in is offered from the visit's own day (the practitioner's) on.
    """
    zones = await zones_of(web, None)
    day = day or day_of(request, today_in(main_zone(zones)))
    step = timedelta(days=7 if week else 1)
    spans = {zone: day_range(day, zone, step.days) for zone in {*zones.values(), DEFAULT_ZONE}}
    start, end = min(s for s, _ in spans.values()), max(e for _, e in spans.values())
    visits = await every_visit(web, staff, AppointmentFilter(start=start, end=end))
    who = await names(web, (i for v in visits for i in (v.patient_id, v.practitioner_id)))
    columns: dict[uuid.UUID, list[AppointmentView]] = defaultdict(list)
    for visit in visits:
        first, after = spans[zones[visit.practitioner_id]]
        if first <= visit.starts_at < after:
            columns[visit.practitioner_id].append(visit)
    refused_visit, typed_reason, refusal = refused or (None, "", None)
    if not any(v.id == refused_visit and v.status in ACTIONABLE for v in visits):
        refused_visit = None  # no form of its own: the reason shows above the day
    arrivable = {
        v.id
        for v in visits
        if local_day(v.starts_at, zones[v.practitioner_id]) <= today_in(zones[v.practitioner_id])
    }
    return form_page(
        request,
        web,
        "desk.html",
        title="Front desk",
        refusal=refusal,
        refused_visit=refused_visit,
        actionable=ACTIONABLE,
        arrivable=arrivable,
        typed_reason=typed_reason,
        day=day,
        week=week,
        previous=(day - step).isoformat(),
        following=(day + step).isoformat(),
        columns=sorted(columns.items(), key=lambda item: who.get(item[0], "")),
        who=who,
        zones=zones,
        can_act=staff.has_any_role(*DESK),
        notice=_booked(request, visits, who, zones),
    )


def _booked(
    request: Request,
    visits: list[AppointmentView],
    who: dict[uuid.UUID, str],
    zones: dict[uuid.UUID, str],
) -> str:
    """Notice "Booked: who, when" after the desk booked the query's `visit` (empty otherwise)."""
    if request.query_params.get("booked") != "1":
        return ""
    wanted = request.query_params.get("visit")
    for visit in visits:
        if str(visit.id) == wanted:
            when = local_time(visit.starts_at, zones[visit.practitioner_id], "%a %d %b, %H:%M")
            return f"Booked: {who.get(visit.patient_id, 'the patient')}, {when}"
    return ""


@post("/desk/visits/{visit_id:uuid}/check-in")
async def check_in(
    request: Request, visit_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """The patient has arrived."""
    staff = viewer(request, *DESK)
    try:
        visit = await desk_of(web).check_in(staff, visit_id)
    except HduceError as exc:
        return await _refused_on_day(request, web, staff, (visit_id, "", exc))
    return go(request, f"/desk?day={await visit_day(web, visit)}")


@post("/desk/visits/{visit_id:uuid}/cancel")
async def cancel(
    request: Request, visit_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Cancel a visit at the patient's request."""
    staff = viewer(request, *DESK)
    typed_reason = typed(await request.form(), ("reason",))["reason"]
    try:
        reason = typed_reason or "cancelled at the front desk"
        visit = await desk_of(web).cancel(staff, visit_id, reason)
    except HduceError as exc:
        return await _refused_on_day(request, web, staff, (visit_id, typed_reason, exc))
    return go(request, f"/desk?day={await visit_day(web, visit)}")


async def _refused_on_day(
    request: Request,
    web: WebServices,
    staff: Principal,
    refused: tuple[uuid.UUID, str, HduceError],
) -> Response[str]:
    """The refused visit's day again, the reason beside the visit (the reason typed kept)."""
    visit = await desk_of(web).get(staff, refused[0])
    day = date.fromisoformat(await visit_day(web, visit))
    return await _schedule_page(request, web, staff, day, refused=refused)


@get("/desk/book")
async def book_page(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Find the patient as you type, pick an offer and a day, then a free slot."""
    staff = viewer(request, *DESK)
    return await _booking_form(request, web, staff, request.query_params)


async def _booking_form(
    request: Request,
    web: WebServices,
    staff: Principal,
    values: Mapping[str, Any],
    refusal: HduceError | None = None,
) -> Response[str]:
    """The desk's booking page with `values` (of the query or the posted form)."""
    text = str(values.get("q") or "").strip()[:100]
    return form_page(
        request,
        web,
        "desk_book.html",
        title="Book for a patient",
        refusal=refusal,
        slots_url="/desk/slots",
        book_url="/desk/book",
        q=text,
        patients=await _patients_named(web, text) if text else [],
        text=text,
        chosen=str(values.get("patient_id") or ""),
        registered=request.query_params.get("registered") == "1",
        **await booking_choices(web, staff, values),
    )


@get("/desk/patients")
async def find_patients(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Patients whose name starts with `q` (an htmx fragment of choices)."""
    viewer(request, *DESK)
    text = request.query_params.get("q", "").strip()[:100]
    found = await _patients_named(web, text)
    return render(request, web, "_patients.html", title="", patients=found, text=text, chosen="")


async def _patients_named(web: WebServices, text: str) -> list[Demographics]:
    """Active patients whose name starts with `text` (two characters at least)."""
    if len(text) < 2:
        return []
    query = PeopleQuery(
        roles=frozenset({Role.PATIENT}), active_only=True, name=text, limit=PATIENT_HITS
    )
    found, _ = await web.people.search(query)
    return found


@get("/desk/slots")
async def desk_slots(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Free slots of the chosen offer, bookable for the chosen patient (an htmx fragment)."""
    return await slots_fragment(request, web, viewer(request, *DESK), "/desk/book")


@post("/desk/book")
async def book(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Book the chosen slot for the chosen patient; the desk lands on the visit's day.

    Without a slot: the form again with its free times (and the patients named).
    """
    staff = viewer(request, *DESK)
    form = await request.form()
    if not form.get("starts_at"):  # "Show free times", or Enter in a field
        return await _booking_form(request, web, staff, form)
    try:
        if not form.get("patient_id"):
            raise BadInput("Choose the patient: type their name, then pick them.")
        patient_id = uuid_of(form.get("patient_id"), "the patient")
        visit = await book_from_form(web, staff, form, patient_id)
    except HduceError as exc:
        return await _booking_form(request, web, staff, form, exc)
    day = await visit_day(web, visit)
    return go(request, f"/desk?day={day}&booked=1&visit={visit.id}")


HANDLERS = (schedule, check_in, cancel, book_page, find_patients, desk_slots, book)
