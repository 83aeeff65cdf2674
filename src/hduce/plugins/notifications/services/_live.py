"""Live inbox: one LISTEN connection per web process fans new items out to open streams."""

import asyncio
import logging
import uuid
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
from litestar.response.sse import ServerSentEventMessage

from hduce.core.draining import drain_signal
from hduce.core.security import Principal, TokenService
from hduce.plugins.notifications.config import NotificationsConfig
from hduce.plugins.notifications.errors import TooManyStreams
from hduce.plugins.notifications.schemas import InboxItem
from hduce.plugins.notifications.store import Inbox

logger = logging.getLogger("hduce.notifications")

QUEUE_SIZE = 100
REPLAY_LIMIT = 100
"""The most items a reconnecting stream replays (the newest of those after its last event)."""
KEEPALIVE_SECONDS = 15.0
TOKEN_RECHECK_SECONDS = 1.0
"""How often an open stream checks that its access token still verifies (a cached lookup)."""
CONNECTED = ServerSentEventMessage(data=None, comment="connected")
KEEPALIVE = ServerSentEventMessage(data=None, comment="keep-alive")
"""Comment-only frames: no `data:` line, so an EventSource dispatches no (empty) message."""


class InboxFeed:
    """Routes `hduce_inbox` notifications to the queues of the users' open streams."""

    def __init__(self, inbox: Inbox, tokens: TokenService) -> None:
        self._inbox = inbox
        self._tokens = tokens
        # Weak: a stream whose response never started (its client left first) never runs its
        # `finally`, and its queue must not hold a place forever.
        self._listeners: dict[uuid.UUID, weakref.WeakSet[asyncio.Queue[uuid.UUID]]] = {}
        self._draining: asyncio.Event | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Listen for the duration of the block (a web lifespan); streams end when it drains."""
        with drain_signal() as draining:
            self._draining = draining
            async with self._inbox.announcements(self._on_notify):
                yield

    def accepts(self, token: str) -> bool:
        """Whether a stream opened with `token` may go on: token valid, server not stopping."""
        draining = self._draining is not None and self._draining.is_set()
        return not draining and self._tokens.accepts(token)

    def listen(self, user_id: uuid.UUID, limit: int) -> asyncio.Queue[uuid.UUID]:
        """A queue of the ids of `user_id`'s new inbox items; 429 when `limit` are open already."""
        queues = self._listeners.setdefault(user_id, weakref.WeakSet())
        if len(queues) >= limit:
            raise TooManyStreams(f"at most {limit} live streams per user; close one first")
        queue: asyncio.Queue[uuid.UUID] = asyncio.Queue(QUEUE_SIZE)
        queues.add(queue)
        return queue

    def stop(self, user_id: uuid.UUID, queue: asyncio.Queue[uuid.UUID]) -> None:
        """Stop filling `queue`."""
        queues = self._listeners.get(user_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                self._listeners.pop(user_id, None)

    def _on_notify(self, payload: str) -> None:
        user, _, delivery = payload.partition(":")
        try:
            user_id, delivery_id = uuid.UUID(user), uuid.UUID(delivery)
        except ValueError:
            logger.warning("ignoring malformed inbox notification %r", payload)
            return
        for queue in self._listeners.get(user_id, ()):
            if queue.full():
                logger.warning("live inbox stream of %s is not reading; dropping", user_id)
                continue
            queue.put_nowait(delivery_id)


class LiveInbox:
    """One user's live stream: new inbox items as SSE messages, keep-alives, a time limit.

    A stream reconnecting with the id of the last item it had (`Last-Event-ID`, which
    EventSource sends) first replays the items committed since (at most `REPLAY_LIMIT`, the
    newest), so nothing is missed between two streams, on this server or another, even an
    item whose transaction committed after a later-stamped one was streamed.

    The stream ends at `stream_max_duration`, or within a second of its access token expiring
    or being revoked (the session ended, the account deactivated or its roles changed) or of
    the server starting to shut down (the client reconnects to the next one). Its
    place among the user's `max_streams_per_user` is taken when it is made (so the refusal is
    a 429 before the response starts) and given back when it ends or is dropped.
    """

    def __init__(
        self,
        principal: Principal,
        token: str,
        inbox: Inbox,
        feed: InboxFeed,
        config: NotificationsConfig,
        last_event_id: str | None = None,
    ) -> None:
        self._user_id = principal.id
        self._last_seen = _item_id(last_event_id)
        self._token = token
        self._inbox = inbox
        self._feed = feed
        self._max_duration = config.stream_max_duration
        self._queue = feed.listen(principal.id, config.max_streams_per_user)

    async def events(self) -> AsyncIterator[ServerSentEventMessage]:
        """Messages until `stream_max_duration` has passed or the token no longer verifies."""
        try:
            yield CONNECTED
            replayed = set()
            if self._last_seen is not None:
                for item in await self._inbox.after(self._user_id, self._last_seen, REPLAY_LIMIT):
                    replayed.add(item.id)
                    yield _message(item)
            async for item in self.items():
                if item is None:
                    yield KEEPALIVE
                elif item.id not in replayed:  # heard while the replay was read
                    yield _message(item)
        finally:
            self._feed.stop(self._user_id, self._queue)

    async def items(self) -> AsyncIterator[InboxItem | None]:
        """New inbox items as they arrive, None as a keep-alive, until the stream must end."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._max_duration
        queue = self._queue
        try:
            last_sent = loop.time()
            while (left := deadline - loop.time()) > 0 and self._feed.accepts(self._token):
                try:
                    delivery_id = await asyncio.wait_for(
                        queue.get(), min(left, TOKEN_RECHECK_SECONDS)
                    )
                except TimeoutError:
                    if loop.time() - last_sent >= KEEPALIVE_SECONDS:
                        last_sent = loop.time()
                        yield None
                    continue
                last_sent = loop.time()
                yield await self._inbox.item(self._user_id, delivery_id)
        finally:
            self._feed.stop(self._user_id, queue)


def _message(item: InboxItem) -> ServerSentEventMessage:
    """The `notification` event of one inbox item, its id the item's."""
    return ServerSentEventMessage(
        data=msgspec.json.encode(item).decode(), event="notification", id=str(item.id)
    )


def _item_id(last_event_id: str | None) -> uuid.UUID | None:
    """The item id a reconnecting client last had; None for none or anything else."""
    try:
        return uuid.UUID(last_event_id) if last_event_id else None
    except ValueError:
        return None
