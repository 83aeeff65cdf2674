"""End to end through a real SMTP server: reminders arrive in aiosmtpd when due, links confirm."""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest

from tests.plugins.appointments.helpers import (
    API,
    AROUND_THE_CLOCK,
    DOCTOR_NAME,
    book,
    bring_forward,
    eventually,
    open_practice,
    two_days_ahead_at,
    zone_where_it_is,
)
from tests.plugins.appointments.notices import confirm_token
from tests.plugins.notifications.test_delivery import body_of, quiet_now, send_now
from tests.plugins.users.clinic import Clinic, Member
from tests.support.smtp import SmtpServer


@pytest.fixture(scope="module")
def appointments_config() -> dict[str, Any]:
    """One reminder, three seconds before the start; starts on any whole second."""
    return {"reminder_offsets": ["3s"], "patient_cancel_notice": "0s", "slot_interval": "1s"}


@pytest.fixture(scope="module")
async def smtp() -> AsyncIterator[SmtpServer]:
    """A real SMTP server for the module."""
    async with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def notifications_config(smtp: SmtpServer) -> dict[str, Any]:
    """E-mail goes to `smtp`."""
    sender = "Clinic <noreply@clinic.test>"
    return {"email": {"url": f"smtp://{smtp.host}:{smtp.port}", "from_address": sender}}


def mail(address: str, subject: str) -> Callable[[EmailMessage], bool]:
    """Matches mail to `address` whose subject starts with `subject`."""
    # aiosmtplib folds an ASCII subject of 70-77 characters onto a continuation line of its own;
    # Python's parser keeps the folding space there (mail clients drop it).
    return lambda m: m["To"] == address and m["Subject"].lstrip().startswith(subject)


def reminders_to(smtp: SmtpServer, address: str) -> list[str]:
    """The bodies of the reminders `address` has received."""
    return [body_of(m) for m in smtp.messages if mail(address, "Reminder")(m)]


async def test_the_reminder_arrives_when_due_and_its_link_confirms(
    clinic: Clinic, smtp: SmtpServer
) -> None:
    midday = zone_where_it_is(12)  # the visit, seconds away, must not cross local midnight
    practice = await open_practice(clinic, hours=AROUND_THE_CLOCK, timezone=midday)
    patient = await clinic.member("patient", first_name="Rosa")
    cancelled = await clinic.member("patient")
    start = (datetime.now(UTC) + timedelta(seconds=6)).replace(microsecond=0)
    due = start - timedelta(seconds=3)
    appointment = (await book(clinic, practice, patient, start)).json()
    elsewhere = await open_practice(
        clinic, hours=AROUND_THE_CLOCK, timezone=midday, admin=practice.admin
    )
    other = (await book(clinic, elsewhere, cancelled, start)).json()
    response = await clinic.client.post(
        f"{API}/{other['id']}/cancel", json={"reason": "clash"}, headers=cancelled.headers
    )
    assert response.status_code == 200

    booked = await smtp.wait_for_message(mail(patient.email, "Appointment booked"))
    assert DOCTOR_NAME in booked["Subject"]
    assert reminders_to(smtp, patient.email) == [], "the reminder came before it was due"
    reminder = await smtp.wait_for_message(mail(patient.email, "Reminder"))
    assert datetime.now(UTC) >= due
    body = body_of(reminder)
    assert "Rosa" in body and appointment["type_name"] in body
    token = confirm_token(body, appointment["id"])
    confirmed = await clinic.client.post(
        f"{API}/{appointment['id']}/confirm", json={"token": token}
    )
    assert (confirmed.status_code, confirmed.json()["status"]) == (200, "confirmed")

    cancel_mail = await smtp.wait_for_message(mail(cancelled.email, "Appointment cancelled"))
    assert "clash" in body_of(cancel_mail)
    # Both reminders were due at the same moment; the cancelled one was withdrawn.
    assert reminders_to(smtp, cancelled.email) == []


REMINDER_EMAIL = """
SELECT d.id, d.status, d.last_error FROM delivery d JOIN notification n ON n.id = d.notification
WHERE n.recipient = $1 AND n.template = 'appointment_reminder' AND d.channel = 'email' AND {}
"""


async def deferred_reminder(clinic: Clinic, patient: Member, appointment_id: str) -> Any:
    """Make the reminder due now; its e-mail, held back by the patient's quiet hours."""
    await bring_forward(clinic, appointment_id, "appointments.reminder_due")
    query = REMINDER_EMAIL.format("d.status = 'deferred'")
    return await eventually(clinic, query, patient.id)


async def reminder_email(clinic: Clinic, patient: Member, delivery_id: Any) -> Any:
    """The reminder e-mail's row."""
    return await eventually(clinic, REMINDER_EMAIL.format("d.id = $2"), patient.id, delivery_id)


async def reminder_after_quiet_hours(clinic: Clinic, patient: Member, delivery_id: Any) -> Any:
    """The reminder e-mail's row once quiet hours are over and its delivery task has run."""
    await send_now(clinic, delivery_id)
    return await reminder_email(clinic, patient, delivery_id)


@pytest.mark.parametrize(
    ("change", "body", "reason"),
    [
        ("cancel", {"reason": "changed plans"}, "the appointment was cancelled"),
        (
            "reschedule",
            {"starts_at": two_days_ahead_at(11).isoformat()},
            "the appointment was rescheduled",
        ),
    ],
)
async def test_a_reminder_held_by_quiet_hours_is_withdrawn_when_the_visit_changes(
    clinic: Clinic, smtp: SmtpServer, change: str, body: dict[str, str], reason: str
) -> None:
    practice = await open_practice(clinic, hours=AROUND_THE_CLOCK)
    patient = await clinic.member("patient")
    await quiet_now(clinic, patient)
    appointment = (await book(clinic, practice, patient, two_days_ahead_at(9))).json()
    deferred = await deferred_reminder(clinic, patient, appointment["id"])

    changed = await clinic.client.post(
        f"{API}/{appointment['id']}/{change}", json=body, headers=practice.admin.headers
    )
    assert changed.status_code == 200, changed.text
    withdrawn = await reminder_email(clinic, patient, deferred["id"])
    assert (withdrawn["status"], withdrawn["last_error"]) == ("skipped", reason)

    after = await reminder_after_quiet_hours(clinic, patient, deferred["id"])
    assert after["status"] == "skipped"
    assert reminders_to(smtp, patient.email) == []


async def test_a_reminder_held_by_quiet_hours_past_the_start_is_never_sent(
    clinic: Clinic, smtp: SmtpServer
) -> None:
    practice = await open_practice(clinic, hours=AROUND_THE_CLOCK, timezone=zone_where_it_is(12))
    patient = await clinic.member("patient")
    await quiet_now(clinic, patient)
    start = (datetime.now(UTC) + timedelta(seconds=5)).replace(microsecond=0)
    appointment = (await book(clinic, practice, patient, start)).json()
    deferred = await deferred_reminder(clinic, patient, appointment["id"])

    await asyncio.sleep((start - datetime.now(UTC)).total_seconds() + 0.1)
    after = await reminder_after_quiet_hours(clinic, patient, deferred["id"])
    assert after["status"] == "skipped"
    assert "too late" in after["last_error"]
    assert reminders_to(smtp, patient.email) == []
