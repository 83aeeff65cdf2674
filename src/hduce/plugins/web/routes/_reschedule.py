"""Moving a visit to another free time: the page of free slots and the move (portal and desk)."""

import uuid
from collections.abc import Mapping
from typing import Any

from litestar import Request, Response

from hduce.contracts.appointments import AppointmentStatus, AppointmentView, NewTime
from hduce.core.errors import HduceError
from hduce.core.security import Principal
from hduce.plugins.web.routes._booking import desk_of, free_slots, names, slot_start
from hduce.plugins.web.routes._render import form_page
from hduce.plugins.web.services import WebServices

MOVABLE = frozenset({AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED})
"""The statuses of a visit that can still move (as the appointments plugin allows)."""


async def reschedule_page(
    request: Request,
    web: WebServices,
    principal: Principal,
    visit_id: uuid.UUID,
    *,
    as_patient: bool = False,
    values: Mapping[str, Any] | None = None,
    refusal: HduceError | None = None,
) -> Response[str]:
    """The visit and the free times of its type and practitioner from the chosen day.

    Both of its forms go back to the page's own path: the day picker with a GET, the chosen
    slot with a POST (the move, which sends the day shown too). `values`: a refused move's
    form, whose day is shown again with `refusal` beside it. `as_patient` (the portal): within
    the notice period, the page says to call the clinic instead of listing times no move
    could take.
    """
    visit = await desk_of(web).get(principal, visit_id)
    offer = f"{visit.type_id}:{visit.practitioner_id}"
    found = await free_slots(
        web, principal, offer, request.query_params if values is None else values
    )
    return form_page(
        request,
        web,
        "portal/reschedule.html",
        title="Change the time of a visit",
        refusal=refusal,
        visit=visit,
        who=await names(web, (visit.practitioner_id, visit.patient_id)),
        offer=offer,
        **found.shown(),
        book_url=request.url.path,
        movable=visit.status in MOVABLE,
        too_late_online=as_patient and not visit.patient_may_change,
    )


async def move_from_form(
    request: Request,
    web: WebServices,
    principal: Principal,
    visit_id: uuid.UUID,
    *,
    as_patient: bool = False,
) -> AppointmentView | Response[str]:
    """Move the visit to the start a slot button posted; refused, the page again with why.

    A start taken meanwhile (409), a past one or too late to change online all come back
    as the reschedule page of the day the form showed, the reason beside its free times.
    """
    form = await request.form()
    try:
        starts_at = slot_start(form)
        return await desk_of(web).reschedule(principal, visit_id, NewTime(starts_at=starts_at))
    except HduceError as exc:
        return await reschedule_page(
            request, web, principal, visit_id, as_patient=as_patient, values=form, refusal=exc
        )
