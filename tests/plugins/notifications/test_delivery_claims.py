"""Each attempt is claimed, sent outside any transaction, and settled: what that guarantees."""

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from hduce.contracts.notifications import Category
from hduce.plugins.notifications.store import DeliveryStore, NewNotification
from tests.plugins.notifications.test_delivery import delivery, notifier, notify, send_now
from tests.plugins.users.clinic import Clinic
from tests.support.smtp import SmtpServer


async def email_delivery(clinic: Clinic, attempts: int, next_attempt_at: datetime) -> uuid.UUID:
    """A pending e-mail delivery written without its event (no worker sends it); its id."""
    notification = NewNotification(
        id=uuid.uuid4(),
        recipient=None,
        address="claims@example.net",
        template="test_message",
        category=Category.GENERAL.value,
        critical=False,
        key=None,
    )
    delivery_id = uuid.uuid4()
    address = f"claims-{delivery_id.hex[:8]}@example.net"
    row = (delivery_id, "email", address, "Hi", "claimed", None, "pending", None, next_attempt_at)
    await clinic.in_app(DeliveryStore(clinic.context.db).add, notification, [row])
    await clinic.execute("UPDATE delivery SET attempts = $2 WHERE id = $1", delivery_id, attempts)
    return delivery_id


async def email_to(clinic: Clinic, address: str) -> uuid.UUID:
    """Notify a bare address (e-mail only); the notification's id."""
    data = {"name": "Someone", "text": "x"}
    return await notify(clinic, address, "test_message", data, category=Category.GENERAL)


async def test_an_address_smtp_cannot_take_fails_at_once_with_the_reason(clinic: Clinic) -> None:
    notification_id = await email_to(clinic, "odd@clinic..example")
    failed = await delivery(clinic, notification_id, "email", "status = 'failed'")
    assert failed["attempts"] == 1
    assert "odd@clinic..example" in failed["last_error"]


async def test_a_retry_is_not_sent_early_by_a_duplicate_event(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    delivery_id = await email_delivery(clinic, 1, datetime.now(UTC) + timedelta(hours=1))
    await send_now(clinic, delivery_id)
    row = await raw_pool.fetchrow(
        "SELECT status, attempts FROM delivery WHERE id = $1", delivery_id
    )
    assert (row["status"], row["attempts"]) == ("pending", 1)


async def test_the_claim_of_a_sender_that_stopped_expires_and_is_taken_over(
    clinic: Clinic, smtp: SmtpServer, raw_pool: asyncpg.Pool
) -> None:
    delivery_id = await email_delivery(clinic, 2, datetime.now(UTC) - timedelta(seconds=1))
    await send_now(clinic, delivery_id)
    row = await raw_pool.fetchrow(
        "SELECT status, attempts, address FROM delivery WHERE id = $1", delivery_id
    )
    assert (row["status"], row["attempts"]) == ("sent", 3)
    await smtp.wait_for_message(lambda m: m["To"] == row["address"])


async def test_attempts_spent_by_stopped_senders_fail_the_delivery(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    delivery_id = await email_delivery(clinic, 6, datetime.now(UTC) - timedelta(seconds=1))
    await send_now(clinic, delivery_id)
    row = await raw_pool.fetchrow(
        "SELECT status, attempts, last_error FROM delivery WHERE id = $1", delivery_id
    )
    assert (row["status"], row["attempts"]) == ("failed", 6)
    assert "sender stopped" in row["last_error"]


async def test_a_sent_delivery_leaves_no_claim_expiry_behind(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    notification_id = await email_to(clinic, "tidy@example.net")
    sent = await delivery(clinic, notification_id, "email", "status = 'sent'")
    waiting = await raw_pool.fetchval(
        "SELECT count(*) FROM outbox WHERE dispatched_at IS NULL "
        "AND name = 'notification.delivery_due' AND payload->>'delivery_id' = $1",
        str(sent["id"]),
    )
    assert waiting == 0


async def test_a_send_under_way_when_withdrawn_is_recorded_sent(
    clinic: Clinic, smtp: SmtpServer, raw_pool: asyncpg.Pool
) -> None:
    smtp.delay = 1.5
    try:
        data = {"name": "Someone", "text": "in flight"}
        notification_id = await notify(
            clinic,
            "in-flight@example.net",
            "test_message",
            data,
            category=Category.GENERAL,
            about="test:in-flight",
        )
        await delivery(clinic, notification_id, "email", "attempts = 1")  # claimed, being sent

        async def cancel() -> int:
            async with clinic.context.db.transaction():
                return await notifier(clinic).withdraw("test:in-flight", "cancelled")

        assert await clinic.in_app(cancel) == 1
        await smtp.wait_for_message(lambda m: m["To"] == "in-flight@example.net")
    finally:
        smtp.delay = 0.0
    sent = await delivery(clinic, notification_id, "email", "status <> 'skipped'")
    assert (sent["status"], sent["attempts"], sent["last_error"]) == ("sent", 1, None)
    assert sent["sent_at"] is not None
