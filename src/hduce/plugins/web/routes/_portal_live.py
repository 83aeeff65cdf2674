"""The inbox's live stream for the portal page: Server-Sent Events over the cookie session."""

from collections.abc import AsyncIterator

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from hduce.contracts.auth import Role
from hduce.contracts.notifications import InboxEntry
from hduce.plugins.web.routes._portal_account import own_notifications
from hduce.plugins.web.routes._render import PAGE_HEADERS, viewer
from hduce.plugins.web.routes._session import ACCESS_COOKIE
from hduce.plugins.web.services import WebServices

RECONNECT_MS = 3000


@get("/portal/inbox/stream")
async def inbox_stream(request: Request, web: NamedDependency[WebServices]) -> ServerSentEvent:
    """One `notification` event per new inbox entry while the session's access token is valid.

    A token renewed by this very request ends the stream at once: the browser reconnects
    with the new cookie.
    """
    patient = viewer(request, Role.PATIENT)
    token = request.cookies.get(ACCESS_COOKIE, "")
    if not web.tokens.accepts(token):
        return ServerSentEvent(_nothing(), retry_duration=RECONNECT_MS, headers=PAGE_HEADERS)
    entries = own_notifications(web).live(patient, token)
    return ServerSentEvent(_events(entries), retry_duration=RECONNECT_MS, headers=PAGE_HEADERS)


async def _events(
    entries: AsyncIterator[InboxEntry | None],
) -> AsyncIterator[ServerSentEventMessage]:
    yield ServerSentEventMessage(comment="connected")
    async for entry in entries:
        if entry is None:
            yield ServerSentEventMessage(comment="keep-alive")
        else:
            data = msgspec.json.encode(entry).decode()
            yield ServerSentEventMessage(data=data, event="notification", id=str(entry.id))


async def _nothing() -> AsyncIterator[ServerSentEventMessage]:
    yield ServerSentEventMessage(comment="renewed: reconnect")


HANDLERS = (inbox_stream,)
