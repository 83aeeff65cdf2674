"""End to end through a real SMTP server: reminders arrive in aiosmtpd when due, links confirm."""

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
    open_practice,
    zone_where_it_is,
)
from tests.plugins.appointments.notices import confirm_token
from tests.plugins.notifications.test_delivery import body_of
from tests.plugins.users.clinic import Clinic
from tests.support.smtp import SmtpServer


@pytest.fixture(scope="module")
def appointments_config() -> dict[str, Any]:
    """One reminder, three seconds before the start."""
    return {"reminder_offsets": ["3s"], "patient_cancel_notice": "0s"}


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
