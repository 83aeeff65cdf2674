"""Notification deliveries for admins: each message's fate per channel, newest first."""

from litestar import Request, Response, get
from litestar.di import NamedDependency

from hduce.contracts.auth import Role
from hduce.contracts.notifications import DeliveryQuery
from hduce.core.errors import NotFound
from hduce.plugins.web.routes._booking import names
from hduce.plugins.web.routes._pager import PAGE, offset_of, pager
from hduce.plugins.web.routes._render import render, viewer
from hduce.plugins.web.services import WebServices

STATUSES = ("pending", "deferred", "sent", "logged", "failed", "skipped")
CHANNELS = ("email", "sms", "push", "in_app")


def _choice(request: Request, name: str, allowed: tuple[str, ...]) -> str | None:
    """A filter's value when it is one of `allowed` (anything else: no filter)."""
    value = request.query_params.get(name, "")
    return value if value in allowed else None


@get("/admin/deliveries")
async def deliveries(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """A page of deliveries, filtered by status and channel."""
    admin = viewer(request, Role.ADMIN)
    if web.deliveries is None:
        raise NotFound("notifications are not enabled at this clinic")
    status, channel = _choice(request, "status", STATUSES), _choice(request, "channel", CHANNELS)
    offset = offset_of(request)
    query = DeliveryQuery(status=status, channel=channel, limit=PAGE, offset=offset)
    found, total = await web.deliveries.recent(admin, query)
    return render(
        request,
        web,
        "admin/deliveries.html",
        title="Notification deliveries",
        deliveries=found,
        **pager(offset, total),
        status=status or "",
        channel=channel or "",
        statuses=STATUSES,
        channels=CHANNELS,
        who=await names(web, (d.recipient_id for d in found if d.recipient_id)),
    )


HANDLERS = (deliveries,)
