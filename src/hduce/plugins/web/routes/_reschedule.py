"""Moving a visit to another free time: the page of free slots and the move (portal and desk)."""

import uuid

from litestar import Request, Response

from hduce.contracts.appointments import AppointmentView, NewTime
from hduce.core.security import Principal
from hduce.plugins.web.routes._booking import desk_of, free_slots, names, slot_start
from hduce.plugins.web.routes._render import render
from hduce.plugins.web.services import WebServices


async def reschedule_page(
    request: Request,
    web: WebServices,
    principal: Principal,
    visit_id: uuid.UUID,
    *,
    as_patient: bool = False,
) -> Response[str]:
    """The visit and the free times of its type and practitioner from the chosen day.

    Both of its forms go back to the page's own path: the day picker with a GET, the chosen
    slot with a POST (the move). `as_patient` (the portal): within the notice period, the page
    says to call the clinic instead of listing times no move could take.
    """
    visit = await desk_of(web).get(principal, visit_id)
    offer = f"{visit.type_id}:{visit.practitioner_id}"
    found = await free_slots(web, principal, offer, request.query_params)
    return render(
        request,
        web,
        "portal/reschedule.html",
        title="Change the time of a visit",
        visit=visit,
        who=await names(web, (visit.practitioner_id, visit.patient_id)),
        offer=offer,
        **found.shown(),
        book_url=request.url.path,
        too_late_online=as_patient and not visit.patient_may_change,
    )


async def move_from_form(
    request: Request, web: WebServices, principal: Principal, visit_id: uuid.UUID
) -> AppointmentView:
    """Move the visit to the start a slot button posted (409 when it was taken meanwhile)."""
    starts_at = slot_start(await request.form())
    return await desk_of(web).reschedule(principal, visit_id, NewTime(starts_at=starts_at))
