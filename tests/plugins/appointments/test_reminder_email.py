"""End to end with the real notifications plugin: reminders arrive in aiosmtpd when due."""

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from hduce.core.config import Settings
from tests.plugins.appointments.helpers import (
    API,
    AROUND_THE_CLOCK,
    TEST_RULES,
    book,
    open_practice,
)
from tests.plugins.notifications.conftest import notifications_settings
from tests.plugins.notifications.test_delivery import body_of
from tests.plugins.users.clinic import Clinic, running_clinic
from tests.support.smtp import SmtpServer

RULES = {**TEST_RULES, "reminder_offsets": ["3s"], "patient_cancel_notice": "0s"}


@pytest.fixture(scope="module")
async def smtp() -> AsyncIterator[SmtpServer]:
    """A real SMTP server for the module."""
    async with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
async def clinic(settings: Settings, smtp: SmtpServer) -> AsyncIterator[Clinic]:
    """Identity, notifications (e-mail to `smtp`) and appointments with a 3-second reminder."""
    base = notifications_settings(settings, smtp.port)
    plugins = msgspec.structs.replace(
        base.plugins,
        enabled=(*base.plugins.enabled, "appointments"),
        sections={**base.plugins.sections, "appointments": RULES},
    )
    async with running_clinic(msgspec.structs.replace(base, plugins=plugins)) as running:
        yield running


def reminders_to(smtp: SmtpServer, address: str) -> list[str]:
    return [
        body_of(m) for m in smtp.messages if m["To"] == address and m["Subject"].startswith("Rem")
    ]


async def test_the_reminder_arrives_when_due_and_its_link_confirms(
    clinic: Clinic, smtp: SmtpServer
) -> None:
    practice = await open_practice(clinic, hours=AROUND_THE_CLOCK)
    patient = await clinic.member("patient", first_name="Rosa")
    cancelled = await clinic.member("patient")
    start = (datetime.now(UTC) + timedelta(seconds=6)).replace(microsecond=0)
    due = start - timedelta(seconds=3)
    appointment = (await book(clinic, practice, patient, start)).json()
    elsewhere = await open_practice(clinic, hours=AROUND_THE_CLOCK, admin=practice.admin)
    other = (await book(clinic, elsewhere, cancelled, start)).json()
    response = await clinic.client.post(
        f"{API}/{other['id']}/cancel", json={"reason": "clash"}, headers=cancelled.headers
    )
    assert response.status_code == 200

    booked = await smtp.wait_for_message(
        lambda m: m["To"] == patient.email and m["Subject"].startswith("Appointment booked")
    )
    assert "Test Member" in booked["Subject"]  # the practitioner's name
    assert reminders_to(smtp, patient.email) == [], "the reminder came before it was due"
    reminder = await smtp.wait_for_message(
        lambda m: m["To"] == patient.email and m["Subject"].startswith("Reminder")
    )
    assert datetime.now(UTC) >= due
    body = body_of(reminder)
    assert "Rosa" in body and appointment["type_name"] in body
    token = re.search(r"token=([\w.\-]+)", body)
    assert token, body
    confirmed = await clinic.client.post(
        f"{API}/{appointment['id']}/confirm", json={"token": token[1]}
    )
    assert (confirmed.status_code, confirmed.json()["status"]) == (200, "confirmed")

    cancel_mail = await smtp.wait_for_message(
        lambda m: m["To"] == cancelled.email and m["Subject"].startswith("Appointment cancelled")
    )
    assert "clash" in body_of(cancel_mail)
    # Both reminders were due at the same moment; the cancelled one was withdrawn.
    assert reminders_to(smtp, cancelled.email) == []
