"""Notice before a booking: patients book `min_notice` ahead, staff up to the start (walk-ins)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.plugins.appointments.helpers import (
    API,
    AROUND_THE_CLOCK,
    book,
    hours_ahead,
    iso,
    open_practice,
)
from tests.plugins.users.clinic import Clinic


@pytest.fixture(scope="module")
def appointments_config() -> dict[str, Any]:
    """Patients two hours ahead; staff with the default (no notice)."""
    return {"min_notice": "2h"}


async def test_patients_need_the_notice_and_the_front_desk_books_a_walk_in(clinic: Clinic) -> None:
    practice = await open_practice(clinic, hours=AROUND_THE_CLOCK)
    patient = await clinic.member("patient")
    receptionist = await clinic.member("receptionist")
    soon = hours_ahead(0.5)

    refused = await book(clinic, practice, patient, soon)
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"].endswith("/slot-not-offered")
    walk_in = await book(clinic, practice, receptionist, soon, patient=patient)
    assert walk_in.status_code == 201, walk_in.text

    window = {"start": iso(soon - timedelta(minutes=30)), "end": iso(soon + timedelta(hours=3))}
    params = {"practitioner_id": practice.doctor_id, "type_id": practice.type_id, **window}
    earliest = {}
    for caller in (patient, receptionist):
        answer = await clinic.client.get(f"{API}/slots", params=params, headers=caller.headers)
        assert answer.status_code == 200, answer.text
        earliest[caller.id] = answer.json()["slots"][0]["starts_at"]
    now = datetime.now(UTC)
    assert earliest[patient.id] >= iso(now + timedelta(hours=2) - timedelta(minutes=1))
    assert earliest[receptionist.id] < earliest[patient.id]
