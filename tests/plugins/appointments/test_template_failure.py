"""A message that cannot be rendered never fails the request that sent it."""

from pathlib import Path
from typing import Any

import pytest

from tests.plugins.appointments.helpers import book, eventually, open_practice, two_days_ahead_at
from tests.plugins.users.clinic import Clinic


@pytest.fixture(scope="module")
def notifications_config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A clinic's subject that passes the start-up check but fails when rendered."""
    folder = tmp_path_factory.mktemp("templates")
    subject = Path(folder, "appointment_booked", "subject.txt")
    subject.parent.mkdir()
    subject.write_text("Booked {{ starts_at.weekday }}", encoding="utf-8")
    return {"template_dirs": [str(folder)]}


async def test_the_booking_succeeds_and_its_message_fails_with_the_reason(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    booked = await book(clinic, practice, patient, two_days_ahead_at(10))
    assert booked.status_code == 201, booked.text

    inbox = await eventually(
        clinic,
        "SELECT d.status, d.last_error FROM delivery d JOIN notification n "
        "ON n.id = d.notification WHERE n.recipient = $1 AND n.template = 'appointment_booked' "
        "AND d.channel = 'in_app'",
        patient.id,
    )
    assert inbox["status"] == "failed"
    assert "appointment_booked/subject.txt" in inbox["last_error"]
