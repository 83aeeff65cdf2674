"""The live inbox follows commit order: an item committed late is streamed and replayed."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import msgspec
from litestar.response.sse import ServerSentEventMessage

from hduce.contracts.notifications import Category
from hduce.core.config.durations import Duration
from hduce.core.security import Principal
from hduce.plugins.notifications import NotificationsPlugin
from hduce.plugins.notifications.services import LiveInbox
from hduce.plugins.notifications.services._sender import SENDABLE
from tests.plugins.notifications.test_delivery import notifier
from tests.plugins.notifications.test_inbox import _deliver
from tests.plugins.users.clinic import Clinic, Member


def live(clinic: Clinic, member: Member, last_event_id: str | None = None) -> LiveInbox:
    """A 30-second stream of `member`'s inbox, as the route makes it."""
    services = clinic.client.app.plugins.get(NotificationsPlugin).services
    config = msgspec.structs.replace(services.config, stream_max_duration=Duration(30))
    principal = Principal(id=member.id, roles=member.roles)
    token = member.headers["Authorization"].removeprefix("Bearer ")
    return LiveInbox(principal, token, services.inbox, services.feed, config, last_event_id)


async def next_item(events: AsyncIterator[ServerSentEventMessage]) -> str:
    """The id of the stream's next `notification` event (within 10 s)."""
    async with asyncio.timeout(10):
        async for message in events:
            if message.event == "notification":
                return str(message.id)
    raise AssertionError("the stream ended")


async def late_commit(clinic: Clinic, member: Member) -> tuple[list[str], list[str], str, str]:
    """Item A sent in a transaction held open while B is sent, streamed, then A committed.

    What the open stream carried, what a stream reconnecting with B's id replays, A, B.
    """
    services = clinic.client.app.plugins.get(NotificationsPlugin).services
    db = clinic.context.db
    sent, release = asyncio.Event(), asyncio.Event()

    async def send_a_and_hold() -> uuid.UUID:
        async with db.transaction():
            notification = await notifier(clinic).notify(
                member.id, "test_message", {"text": "A"}, Category.GENERAL
            )
            item = await db.fetchval(
                "SELECT id FROM delivery WHERE notification = $1 AND channel = 'in_app'",
                notification,
            )
            await services.inbox.deliver_due(item, SENDABLE)  # its sent_at: now, before B's
            sent.set()
            await release.wait()
        return item

    events = live(clinic, member).events()
    assert (await anext(events)).comment == "connected"
    holding = asyncio.create_task(send_a_and_hold())
    await sent.wait()
    b = await _deliver(clinic, member, "B")
    streamed = [await next_item(events)]
    release.set()
    a = await holding
    streamed.append(await next_item(events))
    await events.aclose()

    replay = live(clinic, member, str(b)).events()
    assert (await anext(replay)).comment == "connected"
    replayed = [await next_item(replay)]
    await replay.aclose()
    return streamed, replayed, str(a), str(b)


async def test_an_item_committed_after_a_later_one_is_streamed_and_replayed(
    clinic: Clinic,
) -> None:
    # Seen: the replay after B (by delivery time) never carried A, sent earlier, committed later.
    member = await clinic.member("patient")
    streamed, replayed, a, b = await clinic.in_app(late_commit, clinic, member)
    assert streamed == [b, a]
    assert replayed == [a]
