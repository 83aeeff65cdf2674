"""Clinicians' day: their visits today, and starting, completing or marking a no-show."""

import uuid
from datetime import UTC, datetime, timedelta

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.contracts.appointments import AppointmentFilter
from hduce.contracts.appointments import AppointmentStatus as Status
from hduce.contracts.auth import Role
from hduce.plugins.web.errors import BadInput
from hduce.plugins.web.routes._booking import desk_of, every_visit, names
from hduce.plugins.web.routes._days import day_of, day_range, today_in, visit_day, zones_of
from hduce.plugins.web.routes._render import go, render, viewer
from hduce.plugins.web.services import WebServices

CLINICIANS = (Role.DOCTOR, Role.NURSE)
STEPS = {"start": Status.IN_PROGRESS, "complete": Status.COMPLETED, "no-show": Status.NO_SHOW}
"""Path word of each status step, and the status it sets."""


@get("/clinic")
async def my_day(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """The signed-in clinician's visits of one day (today by default), by start."""
    clinician = viewer(request, *CLINICIANS)
    zone = (await zones_of(web, [clinician.id]))[clinician.id]
    day = day_of(request, today_in(zone))
    start, end = day_range(day, zone)
    query = AppointmentFilter(practitioner_id=clinician.id, start=start, end=end)
    visits = await every_visit(web, clinician, query)
    return render(
        request,
        web,
        "clinician/day.html",
        title="My day",
        day=day,
        zone=zone,
        previous=(day - timedelta(days=1)).isoformat(),
        following=(day + timedelta(days=1)).isoformat(),
        visits=visits,
        who=await names(web, (v.patient_id for v in visits)),
        now=datetime.now(UTC),
        saved=request.query_params.get("saved") == "1",
    )


@post("/clinic/visits/{visit_id:uuid}/{step:str}")
async def advance(
    request: Request,
    visit_id: FromPath[uuid.UUID],
    step: FromPath[str],
    web: NamedDependency[WebServices],
) -> Response[str]:
    """Start, complete or mark a no-show, with the API's rules for each step."""
    clinician = viewer(request, *CLINICIANS)
    if step not in STEPS:
        raise BadInput(f"unknown step {step!r}; known: {', '.join(STEPS)}")
    visit = await desk_of(web).change_status(clinician, visit_id, STEPS[step])
    return go(request, f"/clinic?day={await visit_day(web, visit)}")


HANDLERS = (my_day, advance)
