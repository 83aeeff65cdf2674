"""The caller's inbox and its live stream."""

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, HeaderParameter
from litestar.response import ServerSentEvent
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from hduce.core.http import PageOffset, problems
from hduce.core.security import Principal
from hduce.plugins.notifications.routes._params import Limit
from hduce.plugins.notifications.schemas import InboxPage, MarkedRead, UnreadCount
from hduce.plugins.notifications.services import NotificationsServices

RECONNECT_MS = 3000
LastEventId = Annotated[
    str | None,
    HeaderParameter(
        name="Last-Event-ID",
        description="The id of the last inbox item the client had (EventSource sends it on "
        "reconnecting): the items that reached the inbox after it did (in commit order, whatever "
        "their delivery time) are replayed first, at most the newest 100; one that reached it in "
        "the same instant may come again. A value that is not the id of one of the caller's "
        "items is ignored: nothing is replayed.",
    ),
]


class InboxController(Controller):
    """The caller's in-app notifications."""

    path = "/notifications"
    tags = ["notifications"]

    @get(responses=problems(422))
    async def list_inbox(
        self,
        principal: NamedDependency[Principal],
        notifications: NamedDependency[NotificationsServices],
        unread_only: FromQuery[bool] = False,
        limit: Limit = 50,
        offset: PageOffset = 0,
    ) -> InboxPage:
        """The caller's inbox, newest first."""
        return await notifications.inbox.page(
            principal.id, unread_only=unread_only, limit=limit, offset=offset
        )

    @get("/unread-count")
    async def unread_count(
        self,
        principal: NamedDependency[Principal],
        notifications: NamedDependency[NotificationsServices],
    ) -> UnreadCount:
        """How many inbox items the caller has not read."""
        return UnreadCount(await notifications.inbox.unread(principal.id))

    @post("/{notification_id:uuid}/read", status_code=HTTP_204_NO_CONTENT, responses=problems(404))
    async def mark_read(
        self,
        principal: NamedDependency[Principal],
        notification_id: FromPath[uuid.UUID],
        notifications: NamedDependency[NotificationsServices],
    ) -> None:
        """Mark one of the caller's inbox items read."""
        await notifications.inbox.mark_read(principal.id, notification_id)

    @post("/read-all", status_code=HTTP_200_OK)
    async def mark_all_read(
        self,
        principal: NamedDependency[Principal],
        notifications: NamedDependency[NotificationsServices],
    ) -> MarkedRead:
        """Mark every unread item of the caller read."""
        return MarkedRead(await notifications.inbox.mark_all_read(principal.id))

    @get("/stream")
    async def stream(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        notifications: NamedDependency[NotificationsServices],
        last_event_id: LastEventId = None,
    ) -> ServerSentEvent:
        """Server-Sent Events: one `notification` event per new inbox item, as it arrives.

        The stream closes after `stream_max_duration`, or once the access token expires or is
        revoked; clients reconnect (EventSource does), with a fresh token. A `Last-Event-ID`
        header (an item's id, as EventSource sends on reconnecting) first replays the items
        delivered since then, at most the newest 100.
        """
        live = notifications.live(principal, str(request.auth), last_event_id)
        return ServerSentEvent(live.events(), retry_duration=RECONNECT_MS)
