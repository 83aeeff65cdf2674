"""The front desk's changes to visits: move one to another free time, and the waitlist."""

import uuid

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.plugins.web.routes._days import visit_day
from hduce.plugins.web.routes._desk import DESK
from hduce.plugins.web.routes._render import go, render, viewer
from hduce.plugins.web.routes._reschedule import move_from_form, reschedule_page
from hduce.plugins.web.routes._waitlist import waitlist_context
from hduce.plugins.web.services import WebServices


@get("/desk/visits/{visit_id:uuid}/reschedule")
async def reschedule(
    request: Request, visit_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Free times of the visit's type and practitioner to move it to."""
    staff = viewer(request, *DESK)
    return await reschedule_page(request, web, staff, visit_id)


@post("/desk/visits/{visit_id:uuid}/reschedule")
async def move(
    request: Request, visit_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Move the visit (staff may at any time); the day view of its new date follows."""
    staff = viewer(request, *DESK)
    moved = await move_from_form(request, web, staff, visit_id)
    if isinstance(moved, Response):
        return moved
    return go(request, f"/desk?day={await visit_day(web, moved)}")


@get("/desk/waitlist")
async def waitlist(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Every patient waiting for a free time, and the times held for them."""
    staff = viewer(request, *DESK)
    return render(
        request, web, "desk/waitlist.html", title="Waitlist", **await waitlist_context(web, staff)
    )


HANDLERS = (reschedule, move, waitlist)
