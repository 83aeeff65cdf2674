"""Notifications end to end: real PostgreSQL, NATS, task receiver and an aiosmtpd server."""

import contextlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hduce.contracts.notifications import Category, Notifier
from hduce.contracts.users import ContactDetails
from tests.plugins.users.clinic import Clinic, Member
from tests.support.context import wait_for_row
from tests.support.smtp import SmtpServer


def notifier(clinic: Clinic) -> Notifier:
    """The `Notifier` the app's plugins use."""
    return clinic.context.registry.get(Notifier)


async def notify(
    clinic: Clinic, recipient: Any, template: str, data: dict[str, Any], **kw: Any
) -> uuid.UUID:
    """Call `Notifier.notify` in its own transaction on the app's loop."""

    async def call() -> uuid.UUID:
        async with clinic.context.db.transaction():
            return await notifier(clinic).notify(recipient, template, data, **kw)

    return await clinic.in_app(call)


async def delivery(
    clinic: Clinic, notification_id: uuid.UUID, channel: str, where: str = "true"
) -> Any:
    """Wait for the `channel` delivery of a notification to match `where`."""
    return await clinic.in_app(
        wait_for_row,
        clinic.context.db.shared_pool,
        f"SELECT * FROM delivery WHERE notification = $1 AND channel = $2 AND {where}",
        notification_id,
        channel,
    )


async def send_now(clinic: Clinic, delivery_id: uuid.UUID) -> None:
    """Run the delivery task's work for one delivery now, as a (re)delivered task would."""
    plugin = next(p for p in clinic.client.app.plugins if getattr(p, "name", "") == "notifications")
    await clinic.in_app(plugin.sender.deliver, delivery_id)


def body_of(message: Any) -> str:
    """The text/plain part of a received e-mail."""
    part = message.get_body(preferencelist=("plain",))
    return part.get_content()


async def test_smtp_down_at_send_time_is_retried_and_arrives_once_it_is_back(
    clinic: Clinic, smtp: SmtpServer
) -> None:
    member = await clinic.member("patient", first_name="Grace")
    smtp.stop()
    try:
        notification_id = await notify(
            clinic,
            member.id,
            "test_message",
            {"text": "while the relay was down"},
            category=Category.GENERAL,
        )
        failed = await delivery(clinic, notification_id, "email", "last_error IS NOT NULL")
        assert failed["status"] == "pending"
        assert failed["next_attempt_at"] is not None
    finally:
        smtp.start()
    sent = await delivery(clinic, notification_id, "email", "status = 'sent'")
    assert sent["attempts"] >= 2
    arrived = [m for m in smtp.messages if m["To"] == member.email]
    assert len(arrived) == 1
    assert "while the relay was down" in body_of(arrived[0])
    assert arrived[0]["Message-ID"] == f"<{sent['id']}@hduce>"


async def test_a_redelivered_task_never_sends_twice(clinic: Clinic, smtp: SmtpServer) -> None:
    member = await clinic.member("patient")
    notification_id = await notify(
        clinic, member.id, "test_message", {"text": "once"}, category=Category.GENERAL
    )
    sent = await delivery(clinic, notification_id, "email", "status = 'sent'")
    await send_now(clinic, sent["id"])
    assert len([m for m in smtp.messages if m["To"] == member.email]) == 1


async def test_a_repeated_key_notifies_once(clinic: Clinic) -> None:
    member = await clinic.member("patient")
    key = f"k-{member.id}"
    first, again = [
        await notify(
            clinic, member.id, "test_message", {"text": "k"}, category=Category.GENERAL, key=key
        )
        for _ in range(2)
    ]
    assert again == first
    rows = await clinic.fetch("SELECT id FROM notification WHERE recipient = $1", member.id)
    assert len(rows) == 1


async def test_a_rolled_back_transaction_sends_nothing(clinic: Clinic, smtp: SmtpServer) -> None:
    member = await clinic.member("patient")

    class Abandon(Exception):
        pass

    async def notify_then_roll_back() -> None:
        async with clinic.context.db.transaction():
            await notifier(clinic).notify(
                member.id, "test_message", {"text": "rolled back"}, Category.GENERAL
            )
            raise Abandon

    with contextlib.suppress(Abandon):
        await clinic.in_app(notify_then_roll_back)
    committed = await notify(
        clinic, member.id, "test_message", {"text": "committed"}, category=Category.GENERAL
    )
    await delivery(clinic, committed, "email", "status = 'sent'")
    await smtp.wait_for_message(lambda m: m["To"] == member.email)
    texts = [body_of(m) for m in smtp.messages if m["To"] == member.email]
    assert len(texts) == 1 and "committed" in texts[0]
    rows = await clinic.fetch("SELECT id FROM notification WHERE recipient = $1", member.id)
    assert [row["id"] for row in rows] == [committed]


async def quiet_now(clinic: Clinic, member: Member) -> None:
    """Set a quiet window around the current time of the member's time zone."""
    local = datetime.now(ZoneInfo("Europe/Paris"))
    start = (local - timedelta(hours=1)).strftime("%H:%M")
    end = (local + timedelta(hours=1)).strftime("%H:%M")
    await clinic.execute(
        "UPDATE profile SET timezone = 'Europe/Paris' WHERE account = $1", member.id
    )
    answer = await clinic.client.put(
        "/api/v1/notifications/preferences",
        json={"quiet_hours": {"start": start, "end": end}},
        headers=member.headers,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["timezone"] == "Europe/Paris"


async def test_quiet_hours_defer_a_non_critical_message_and_let_a_critical_one_through(
    clinic: Clinic, smtp: SmtpServer
) -> None:
    member = await clinic.member("patient")
    await quiet_now(clinic, member)

    calm = await notify(
        clinic, member.id, "test_message", {"text": "can wait"}, category=Category.GENERAL
    )
    deferred = await delivery(clinic, calm, "email")
    assert deferred["status"] == "deferred"
    assert deferred["next_attempt_at"] > datetime.now(UTC) + timedelta(minutes=30)
    in_app = await delivery(clinic, calm, "in_app", "status = 'sent'")
    assert in_app["next_attempt_at"] is None

    urgent = await notify(
        clinic,
        member.id,
        "test_message",
        {"text": "urgent"},
        category=Category.CLINICAL_ALERTS,
        critical=True,
    )
    await delivery(clinic, urgent, "email", "status = 'sent'")
    texts = [body_of(m) for m in smtp.messages if m["To"] == member.email]
    assert len(texts) == 1 and "urgent" in texts[0]

    # The clock reaches the end of the window: the scheduled wake-up falls due, the mail goes.
    moved = await clinic.execute(
        "UPDATE outbox SET available_at = now() WHERE dispatched_at IS NULL "
        "AND name = 'notification.delivery_due' AND payload->>'delivery_id' = $1",
        str(deferred["id"]),
    )
    assert moved == "UPDATE 1"
    await delivery(clinic, calm, "email", "status = 'sent'")
    texts = [body_of(m) for m in smtp.messages if m["To"] == member.email]
    assert len(texts) == 2 and "can wait" in texts[1]


async def test_switched_off_channels_and_unconfigured_ones_are_skipped(clinic: Clinic) -> None:
    member = await clinic.member("patient", phone="+15550100")
    answer = await clinic.client.put(
        "/api/v1/notifications/preferences",
        json={"channels": {"general": {"email": False}}},
        headers=member.headers,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["channels"]["general"]["email"] is False
    notification_id = await notify(
        clinic, member.id, "test_message", {"text": "x"}, category=Category.GENERAL
    )
    email = await delivery(clinic, notification_id, "email")
    assert (email["status"], email["last_error"]) == (
        "skipped",
        "turned off in the user's preferences",
    )
    rows = await clinic.fetch(
        "SELECT channel, status FROM delivery WHERE notification = $1", notification_id
    )
    statuses = {row["channel"]: row["status"] for row in rows}
    assert statuses.get("push") in (None, "skipped")
    assert "sms" not in statuses or statuses["sms"] == "skipped"


async def test_a_bare_address_gets_only_email(clinic: Clinic, smtp: SmtpServer) -> None:
    notification_id = await notify(
        clinic,
        "someone@example.net",
        "test_message",
        {"name": "Someone", "text": "hello"},
        category=Category.GENERAL,
    )
    await delivery(clinic, notification_id, "email", "status = 'sent'")
    rows = await clinic.fetch(
        "SELECT channel FROM delivery WHERE notification = $1", notification_id
    )
    assert [row["channel"] for row in rows] == ["email"]
    await smtp.wait_for_message(lambda m: m["To"] == "someone@example.net")


async def test_a_contact_sent_along_is_used_only_for_its_own_user(clinic: Clinic) -> None:
    patient, other = await clinic.member("patient"), await clinic.member("patient")

    async def addresses(contact: ContactDetails) -> set[str]:
        notification_id = await notify(
            clinic,
            patient.id,
            "test_message",
            {"text": "x"},
            category=Category.GENERAL,
            contact=contact,
        )
        rows = await clinic.fetch(
            "SELECT address FROM delivery WHERE notification = $1 AND channel = 'email'",
            notification_id,
        )
        return {row["address"] for row in rows}

    # The caller's copy of the patient's details spares the directory read...
    mine = ContactDetails(user_id=patient.id, email="copy-of-mine@example.net")
    assert await addresses(mine) == {"copy-of-mine@example.net"}
    # ...but details of someone else never redirect the patient's message.
    theirs = ContactDetails(user_id=other.id, email=other.email)
    assert await addresses(theirs) == {patient.email}


async def sms_to_someone_without_a_phone(clinic: Clinic) -> tuple[str, str]:
    """Status and reason of the SMS of a security message to a patient without a phone number."""
    member = await clinic.member("patient")
    notification_id = await notify(
        clinic, member.id, "account_locked", {"until": "soon"}, category=Category.SECURITY
    )
    sms = await delivery(clinic, notification_id, "sms")
    return sms["status"], sms["last_error"]


async def test_an_unconfigured_sms_channel_is_named_before_a_missing_phone_number(
    clinic: Clinic,
) -> None:
    # This clinic has no SMS provider.
    reason = await sms_to_someone_without_a_phone(clinic)
    assert reason == ("skipped", "the sms channel is not configured")
