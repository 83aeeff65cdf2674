"""Routes for practitioners' iCalendar subscription feeds."""

import uuid

from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from hduce.core.http import problems
from hduce.core.logging import SECRET_PATH_OPT_KEY
from hduce.core.security import EXCLUDE_OPT_KEY, Principal, requires_roles
from hduce.plugins.appointments.schemas import FeedCreate, FeedRead
from hduce.plugins.appointments.services import AppointmentServices
from hduce.plugins.appointments.services._access import CLINICIANS
from hduce.plugins.appointments.services._ical import CALENDAR_MEDIA_TYPE

CLINICAL = [requires_roles(*CLINICIANS)]


class CalendarController(Controller):
    """Feeds of a practitioner's schedule for calendar apps, each with a revocable secret URL."""

    path = "/appointments"
    tags = ["appointments"]

    @get("/feeds", guards=CLINICAL, responses=problems(403))
    async def list_feeds(
        self,
        principal: NamedDependency[Principal],
        appointments: NamedDependency[AppointmentServices],
    ) -> list[FeedRead]:
        """The caller's live feeds (doctors, nurses)."""
        return await appointments.feeds.list_feeds(principal)

    @post("/feeds", guards=CLINICAL, responses=problems(403, 422))
    async def create_feed(
        self,
        principal: NamedDependency[Principal],
        appointments: NamedDependency[AppointmentServices],
        data: JSONBody[FeedCreate | None] = None,
    ) -> FeedRead:
        """A new feed of the caller's schedule; the URL is shown once (doctors, nurses)."""
        label = data.label if data else ""
        return await appointments.feeds.create(principal, label)

    @delete("/feeds/{feed_id:uuid}", guards=CLINICAL, responses=problems(403, 404))
    async def revoke_feed(
        self,
        principal: NamedDependency[Principal],
        feed_id: FromPath[uuid.UUID],
        appointments: NamedDependency[AppointmentServices],
    ) -> None:
        """Revoke a feed: its URL stops working (doctors, nurses)."""
        await appointments.feeds.revoke(principal, feed_id)

    @get(
        "/ical/{feed_file:str}",
        opt={EXCLUDE_OPT_KEY: True, SECRET_PATH_OPT_KEY: True},
        media_type=CALENDAR_MEDIA_TYPE,
        responses=problems(404),
    )
    async def read_feed(
        self, feed_file: FromPath[str], appointments: NamedDependency[AppointmentServices]
    ) -> Response[bytes]:
        """The practitioner's schedule as iCalendar, read with the feed's secret (`<token>.ics`)."""
        body = await appointments.feeds.render(feed_file)
        return Response(body, media_type=CALENDAR_MEDIA_TYPE)
