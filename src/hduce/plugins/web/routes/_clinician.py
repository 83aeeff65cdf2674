"""Clinicians' day: their visits today, and starting, completing or marking a no-show."""

import uuid
from datetime import UTC, datetime, timedelta

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.contracts.appointments import AppointmentFilter, AppointmentView
from hduce.contracts.appointments import AppointmentStatus as Status
from hduce.contracts.auth import Role
from hduce.core.errors import HduceError
from hduce.core.security import Principal
from hduce.plugins.web.errors import BadInput
from hduce.plugins.web.routes._booking import desk_of, every_visit, names
from hduce.plugins.web.routes._days import (
    day_of,
    day_range,
    local_day,
    today_in,
    visit_day,
    zones_of,
)
from hduce.plugins.web.routes._render import form_page, go, viewer
from hduce.plugins.web.services import WebServices

CLINICIANS = (Role.DOCTOR, Role.NURSE)
STEPS = {"start": Status.IN_PROGRESS, "complete": Status.COMPLETED, "no-show": Status.NO_SHOW}
"""Path word of each status step, and the status it sets."""


@get("/clinic")
async def my_day(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """The signed-in clinician's visits of one day (today by default), by start."""
    return await _day_page(request, web, viewer(request, *CLINICIANS))


async def _day_page(
    request: Request,
    web: WebServices,
    clinician: Principal,
    refused: tuple[AppointmentView, HduceError] | None = None,
) -> Response[str]:
    """The clinician's day: the query's, or after `refused` (a visit's step) that visit's day.

    The refusal's reason shows beside its visit.
    """
    zone = (await zones_of(web, [clinician.id]))[clinician.id]
    refused_visit, refusal = refused or (None, None)
    if refused_visit is None:
        day = day_of(request, today_in(zone))
    else:
        day = local_day(refused_visit.starts_at, zone)
    start, end = day_range(day, zone)
    query = AppointmentFilter(practitioner_id=clinician.id, start=start, end=end)
    visits = await every_visit(web, clinician, query)
    return form_page(
        request,
        web,
        "clinician/day.html",
        title="My day",
        refusal=refusal,
        refused_visit=refused_visit.id if refused_visit else None,
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
    """Start, complete or mark a no-show, with the API's rules for each step.

    A step the API refuses shows the visit's day again, the reason beside the visit.
    """
    clinician = viewer(request, *CLINICIANS)
    if step not in STEPS:
        raise BadInput(f"unknown step {step!r}; known: {', '.join(STEPS)}")
    desk = desk_of(web)
    try:
        visit = await desk.change_status(clinician, visit_id, STEPS[step])
    except HduceError as exc:
        refused = await desk.get(clinician, visit_id)  # another's visit: its 404 page
        return await _day_page(request, web, clinician, refused=(refused, exc))
    return go(request, f"/clinic?day={await visit_day(web, visit)}")


HANDLERS = (my_day, advance)
