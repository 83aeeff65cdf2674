"""Deliveries held by quiet hours follow the preferences as they are when they fall due."""

from hduce.contracts.notifications import Category
from tests.plugins.notifications.test_delivery import delivery, notify, quiet_now, send_now
from tests.plugins.notifications.test_preferences import put
from tests.plugins.users.clinic import Clinic, Member
from tests.support.smtp import SmtpServer


async def held_email(clinic: Clinic, member: Member) -> tuple[object, dict]:
    """A general message to `member` during their quiet hours: its notification, e-mail row."""
    await quiet_now(clinic, member)
    notification_id = await notify(
        clinic, member.id, "test_message", {"text": "can wait"}, category=Category.GENERAL
    )
    return notification_id, await delivery(clinic, notification_id, "email", "status = 'deferred'")


async def test_a_held_email_is_not_sent_once_the_channel_is_turned_off(
    clinic: Clinic, smtp: SmtpServer
) -> None:
    """Seen: the user turned the channel off during quiet hours; the e-mail still went at their
    end."""
    member = await clinic.member("patient")
    notification_id, held = await held_email(clinic, member)
    await put(clinic, member, {"channels": {"general": {"email": False}}})
    await send_now(clinic, held["id"])  # the window's end: the wake-up falls due
    skipped = await delivery(clinic, notification_id, "email", "status <> 'deferred'")
    assert (skipped["status"], skipped["last_error"]) == (
        "skipped",
        "turned off in the user's preferences",
    )
    assert [m for m in smtp.messages if m["To"] == member.email] == []


async def test_clearing_quiet_hours_sends_what_they_held(clinic: Clinic, smtp: SmtpServer) -> None:
    """Seen: quiet hours cleared, the held e-mail still waited for the old window's end."""
    member = await clinic.member("patient")
    notification_id, _ = await held_email(clinic, member)
    await put(clinic, member, {"quiet_hours": None})
    await delivery(clinic, notification_id, "email", "status = 'sent'")
    await smtp.wait_for_message(lambda m: m["To"] == member.email)
