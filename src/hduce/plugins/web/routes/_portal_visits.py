"""The portal's visit changes: move a visit to another free time, and the waitlist."""

import uuid
from datetime import UTC, datetime, timedelta

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.contracts.appointments import WaitlistRequest
from hduce.contracts.auth import Role
from hduce.core.errors import HduceError
from hduce.core.security import Principal
from hduce.plugins.web.errors import BadInput
from hduce.plugins.web.routes._booking import date_of, desk_of, split_offer
from hduce.plugins.web.routes._field_errors import each_field
from hduce.plugins.web.routes._notices import notice_of
from hduce.plugins.web.routes._render import form_page, go, typed, viewer
from hduce.plugins.web.routes._reschedule import move_from_form, reschedule_page
from hduce.plugins.web.routes._waitlist import waitlist_context
from hduce.plugins.web.services import WebServices

WAIT_DAYS = 14
"""How far the join form's end date reaches by default."""
WISH = ("offer", "from_date", "to_date")
"""The fields of the form that joins the waitlist."""


@get("/portal/visits/{visit_id:uuid}/reschedule")
async def reschedule(
    request: Request, visit_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Free times of the visit's type and practitioner to move one's own visit to."""
    patient = viewer(request, Role.PATIENT)
    return await reschedule_page(request, web, patient, visit_id, as_patient=True)


@post("/portal/visits/{visit_id:uuid}/reschedule")
async def move(
    request: Request, visit_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Move one's own visit (the API's notice period applies)."""
    patient = viewer(request, Role.PATIENT)
    moved = await move_from_form(request, web, patient, visit_id, as_patient=True)
    return moved if isinstance(moved, Response) else go(request, "/portal?moved=1")


@get("/portal/waitlist")
async def waitlist(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """One's waitlist entries, slots on offer to claim, and the form to join."""
    patient = viewer(request, Role.PATIENT)
    return await _waitlist_page(request, web, patient, _new_wish())


def _new_wish() -> dict[str, str]:
    """The join form as first shown: from today for `WAIT_DAYS`."""
    today = datetime.now(UTC).date()
    until = today + timedelta(days=WAIT_DAYS)
    return {"offer": "", "from_date": today.isoformat(), "to_date": until.isoformat()}


@post("/portal/waitlist")
async def join(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Wait for a free time of a visit type with a practitioner between two dates."""
    patient = viewer(request, Role.PATIENT)
    values = typed(await request.form(), WISH)
    try:
        (type_id, practitioner_id), from_date, to_date = each_field(
            offer=lambda: split_offer(values["offer"]),
            from_date=lambda: date_of(values["from_date"], "the first day"),
            to_date=lambda: date_of(values["to_date"], "the last day"),
        )
        if from_date is None or to_date is None:
            raise BadInput("give the first and the last day you could come")
        wish = WaitlistRequest(
            patient_id=None,
            practitioner_id=practitioner_id,
            type_id=type_id,
            from_date=from_date,
            to_date=to_date,
        )
        await desk_of(web).join_waitlist(patient, wish)
    except HduceError as exc:
        return await _waitlist_page(request, web, patient, values, exc)
    return go(request, "/portal/waitlist?joined=1")


async def _waitlist_page(
    request: Request,
    web: WebServices,
    patient: Principal,
    wish: dict[str, str],
    refusal: HduceError | None = None,
    *,
    of_entry: bool = False,
) -> Response[str]:
    """The waitlist page with the join form filled with `wish`.

    `refusal` is shown beside the join form, or (`of_entry`) beside one's entries.
    """
    return form_page(
        request,
        web,
        "portal/waitlist.html",
        title="Waitlist",
        refusal=refusal,
        of_entry=of_entry,
        wish=wish,
        notice=notice_of(request),
        **await waitlist_context(web, patient),
    )


@post("/portal/waitlist/{entry_id:uuid}/claim")
async def claim(
    request: Request, entry_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Book the slot held for one's entry; an offer expired or gone: the waitlist says so."""
    patient = viewer(request, Role.PATIENT)
    try:
        await desk_of(web).claim_offer(patient, entry_id)
    except HduceError as exc:
        return await _waitlist_page(request, web, patient, _new_wish(), exc, of_entry=True)
    return go(request, "/portal?booked=1")


@post("/portal/waitlist/{entry_id:uuid}/leave")
async def leave(
    request: Request, entry_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Stop waiting (a slot on offer passes to the next patient)."""
    patient = viewer(request, Role.PATIENT)
    try:
        await desk_of(web).leave_waitlist(patient, entry_id)
    except HduceError as exc:
        return await _waitlist_page(request, web, patient, _new_wish(), exc, of_entry=True)
    return go(request, "/portal/waitlist")


@get("/appointments/waitlist/{entry_id:uuid}/claim")
async def offer_link(request: Request, entry_id: FromPath[uuid.UUID]) -> Response[str]:
    """Where the offer message's default link leads: the waitlist page and its claim button."""
    viewer(request, Role.PATIENT)
    return go(request, "/portal/waitlist")


HANDLERS = (reschedule, move, waitlist, join, claim, leave, offer_link)
