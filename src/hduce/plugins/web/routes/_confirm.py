"""The reminder's confirmation link: a page without login whose button confirms the visit.

Opening the link confirms nothing (mail scanners follow links): the page shows what the token
may show, when and with whom, and its button posts the token back with the page's CSRF token.
The token travels in the query, so these pages send no referrer (`render` sees to it).
"""

import uuid

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from hduce.contracts.appointments import VisitConfirmation
from hduce.plugins.web.routes._booking import desk_of
from hduce.plugins.web.routes._csrf import ANONYMOUS_FORM
from hduce.plugins.web.routes._days import zones_of
from hduce.plugins.web.routes._render import render
from hduce.plugins.web.schemas import ConfirmForm, read_form
from hduce.plugins.web.services import WebServices


@get("/appointments/{appointment_id:uuid}/confirm")
async def confirm_page(
    request: Request,
    appointment_id: FromPath[uuid.UUID],
    web: NamedDependency[WebServices],
    token: FromQuery[str] = "",
) -> Response[str]:
    """Where the reminder's link leads: the visit and the button that confirms it.

    A visit confirmed already shows that, without the button.
    """
    visit = await desk_of(web).confirmation(appointment_id, token)
    if visit.already_confirmed:
        return await _page(request, web, visit, "Visit already confirmed")
    return await _page(request, web, visit, "Confirm your visit", token)


@post("/appointments/{appointment_id:uuid}/confirm", opt={ANONYMOUS_FORM: True})
async def confirm(
    request: Request, appointment_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Confirm with the token the page posted back (a refusal is a page in words)."""
    form = read_form(await request.form(), ConfirmForm)
    visit = await desk_of(web).confirm(appointment_id, form.token)
    title = "Visit already confirmed" if visit.already_confirmed else "Visit confirmed"
    return await _page(request, web, visit, title)


async def _page(
    request: Request, web: WebServices, visit: VisitConfirmation, title: str, token: str = ""
) -> Response[str]:
    zone = (await zones_of(web, [visit.practitioner_id]))[visit.practitioner_id]
    return render(request, web, "confirm.html", title=title, visit=visit, zone=zone, token=token)


HANDLERS = (confirm_page, confirm)
