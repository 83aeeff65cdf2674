"""HTTP routes: the caller's inbox, live stream and preferences; deliveries for admins."""

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import ServerSentEvent
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from hduce.contracts.auth import Role
from hduce.core.http import PageOffset, problems
from hduce.core.security import principal_of, requires_roles
from hduce.plugins.notifications.config import NotificationsConfig
from hduce.plugins.notifications.deliveries import DeliveryLog
from hduce.plugins.notifications.inbox import Inbox
from hduce.plugins.notifications.live import InboxFeed, LiveInbox
from hduce.plugins.notifications.schemas import (
    ChannelName,
    DeliveryPage,
    DeliveryStatus,
    InboxPage,
    MarkedRead,
    PreferencesBody,
    PreferencesRead,
    UnreadCount,
)
from hduce.plugins.notifications.settings import PreferenceService

RECONNECT_MS = 3000
Limit = Annotated[int, QueryParameter(ge=1, le=200)]


class InboxController(Controller):
    """The caller's in-app notifications."""

    path = "/notifications"
    tags = ["notifications"]

    @get(responses=problems(422))
    async def list_inbox(
        self,
        request: Request[Any, Any, Any],
        notifications_inbox: NamedDependency[Inbox],
        unread_only: FromQuery[bool] = False,
        limit: Limit = 50,
        offset: PageOffset = 0,
    ) -> InboxPage:
        """The caller's inbox, newest first."""
        return await notifications_inbox.page(
            principal_of(request).id, unread_only=unread_only, limit=limit, offset=offset
        )

    @get("/unread-count")
    async def unread_count(
        self, request: Request[Any, Any, Any], notifications_inbox: NamedDependency[Inbox]
    ) -> UnreadCount:
        """How many inbox items the caller has not read."""
        return UnreadCount(await notifications_inbox.unread(principal_of(request).id))

    @post("/{notification_id:uuid}/read", status_code=HTTP_204_NO_CONTENT, responses=problems(404))
    async def mark_read(
        self,
        request: Request[Any, Any, Any],
        notification_id: FromPath[uuid.UUID],
        notifications_inbox: NamedDependency[Inbox],
    ) -> None:
        """Mark one of the caller's inbox items read."""
        await notifications_inbox.mark_read(principal_of(request).id, notification_id)

    @post("/read-all", status_code=HTTP_200_OK)
    async def mark_all_read(
        self, request: Request[Any, Any, Any], notifications_inbox: NamedDependency[Inbox]
    ) -> MarkedRead:
        """Mark every unread item of the caller read."""
        return MarkedRead(await notifications_inbox.mark_all_read(principal_of(request).id))

    @get("/stream")
    async def stream(
        self,
        request: Request[Any, Any, Any],
        notifications_inbox: NamedDependency[Inbox],
        notifications_feed: NamedDependency[InboxFeed],
        notifications_config: NamedDependency[NotificationsConfig],
    ) -> ServerSentEvent:
        """Server-Sent Events: one `notification` event per new inbox item, as it arrives.

        The stream closes after `stream_max_duration`, or once the access token expires or is
        revoked; clients reconnect (EventSource does), with a fresh token.
        """
        live = LiveInbox(
            principal_of(request),
            str(request.auth),
            notifications_inbox,
            notifications_feed,
            notifications_config,
        )
        return ServerSentEvent(live.events(), retry_duration=RECONNECT_MS)


class PreferencesController(Controller):
    """The caller's channel switches and quiet hours."""

    path = "/notifications/preferences"
    tags = ["notifications"]

    @get()
    async def get_preferences(
        self,
        request: Request[Any, Any, Any],
        notifications_preferences: NamedDependency[PreferenceService],
    ) -> PreferencesRead:
        """The caller's effective preferences (defaults filled in)."""
        return await notifications_preferences.read(principal_of(request).id)

    @put(responses=problems(422))
    async def put_preferences(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[PreferencesBody],
        notifications_preferences: NamedDependency[PreferenceService],
    ) -> PreferencesRead:
        """Change channel switches (per category) and quiet hours; `null` clears quiet hours."""
        return await notifications_preferences.update(principal_of(request).id, data)


class DeliveryController(Controller):
    """Every delivery's fate, for administrators."""

    path = "/notifications/deliveries"
    tags = ["notifications"]
    guards = [requires_roles(Role.ADMIN)]

    @get(responses=problems(403, 422))
    async def list_deliveries(
        self,
        notifications_deliveries: NamedDependency[DeliveryLog],
        status: FromQuery[DeliveryStatus | None] = None,
        channel: FromQuery[ChannelName | None] = None,
        recipient_id: FromQuery[uuid.UUID | None] = None,
        limit: Limit = 50,
        offset: PageOffset = 0,
    ) -> DeliveryPage:
        """Deliveries filtered by status, channel and recipient, newest first."""
        return await notifications_deliveries.page(
            status=status, channel=channel, recipient_id=recipient_id, limit=limit, offset=offset
        )
