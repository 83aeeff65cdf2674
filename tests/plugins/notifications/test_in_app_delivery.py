"""An in-app delivery is one statement: marked sent and announced to live streams together."""

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg
import msgspec

from hduce.contracts.notifications import Category
from hduce.core.events import EventMeta
from hduce.plugins.notifications import NotificationsPlugin
from hduce.plugins.notifications.store import DeliveryStore, NewNotification
from hduce.plugins.notifications.store._inbox import INBOX_CHANNEL
from hduce.plugins.notifications.tasks import DeliveryDue
from tests.plugins.appointments.statements import statements_of
from tests.plugins.notifications.test_delivery import delivery, notify
from tests.plugins.users.clinic import Clinic


async def pending_in_app(clinic: Clinic, user_id: uuid.UUID) -> uuid.UUID:
    """A due in-app delivery written without its event (no worker sends it); its id."""
    notification = NewNotification(
        id=uuid.uuid4(),
        recipient=user_id,
        address=None,
        template="test_message",
        category=Category.GENERAL.value,
        critical=False,
        key=None,
    )
    delivery_id = uuid.uuid4()
    row = (delivery_id, "in_app", str(user_id), "Hello", "hello", None, "pending", None, None)
    await clinic.in_app(DeliveryStore(clinic.context.db).add, notification, [row])
    return delivery_id


async def test_an_in_app_delivery_is_sent_and_announced_once_in_one_statement(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    """Before: BEGIN, lock the row, `pg_notify`, mark it sent, COMMIT (of ~16 per booking)."""
    member = await clinic.member("patient")
    delivery_id = await pending_in_app(clinic, member.id)
    sender = clinic.client.app.plugins.get(NotificationsPlugin).sender
    due = DeliveryDue(delivery_id=delivery_id, channel="in_app")
    meta = EventMeta(event_id=uuid.uuid4(), name=due.name, occurred_at=datetime.now(UTC))
    heard: list[str] = []

    def hear(*args: object) -> None:
        heard.append(str(args[-1]))

    async with raw_pool.acquire() as listener:
        await listener.add_listener(INBOX_CHANNEL, hear)
        try:
            pool = clinic.context.db.shared_pool
            first = await clinic.in_app(statements_of, pool, lambda: sender.handle(due, meta))
            again = await clinic.in_app(statements_of, pool, lambda: sender.handle(due, meta))
            await asyncio.sleep(0.3)
        finally:
            await listener.remove_listener(INBOX_CHANNEL, hear)
    assert len(first) == 1, [query for query, _ in first]
    assert len(again) == 1, "a redelivered event finds nothing due, in the same one statement"
    assert heard == [f"{member.id}:{delivery_id}"], "announced once, after it was marked sent"
    row = await raw_pool.fetchrow(
        "SELECT status, sent_at, attempts FROM delivery WHERE id = $1", delivery_id
    )
    assert (row["status"], row["attempts"]) == ("sent", 1) and row["sent_at"] is not None


async def test_a_notice_tells_its_delivery_task_the_channel(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    member = await clinic.member("patient")
    notification_id = await notify(
        clinic, member.id, "test_message", {"text": "hi"}, category=Category.GENERAL
    )
    sent = await delivery(clinic, notification_id, "in_app", "status = 'sent'")
    payloads = await raw_pool.fetch(
        "SELECT payload::text FROM outbox WHERE name = $1", DeliveryDue.name
    )
    events = [msgspec.json.decode(row["payload"]) for row in payloads]
    [event] = [e for e in events if e["delivery_id"] == str(sent["id"])]
    assert event["channel"] == "in_app"
