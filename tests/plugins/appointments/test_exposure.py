"""What the appointments API must not give away: time-off reasons, clinical fields, dead feeds."""

import uuid

from hduce.plugins.appointments.services._tokens import ConfirmationTokens
from tests.plugins.appointments.helpers import (
    API,
    DOCTOR_NAME,
    book,
    open_practice,
    two_days_ahead_at,
)
from tests.plugins.users.clinic import Clinic

PRIVATE_REASON = "chemotherapy session"


async def test_only_staff_see_why_a_practitioner_is_away(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    hours = f"{API}/availability/{practice.doctor_id}"
    day = str(two_days_ahead_at(0).date())
    away = {"on_date": day, "kind": "time_off", "reason": PRIVATE_REASON}
    added = await clinic.client.post(
        f"{hours}/exceptions", json=away, headers=practice.doctor.headers
    )
    assert added.status_code == 201, added.text

    patient = await clinic.member("patient")
    seen = (await clinic.client.get(hours, headers=patient.headers)).json()["exceptions"]
    assert [(e["on_date"], e["kind"]) for e in seen] == [(day, "time_off")]
    assert PRIVATE_REASON not in str(seen)
    for staff in (practice.doctor, await clinic.member("receptionist"), practice.admin):
        shown = (await clinic.client.get(hours, headers=staff.headers)).json()["exceptions"]
        assert [e["reason"] for e in shown] == [PRIVATE_REASON]


async def test_confirming_by_link_answers_without_clinical_fields(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    start = two_days_ahead_at(10)
    body = {
        "practitioner_id": practice.doctor_id,
        "type_id": practice.type_id,
        "starts_at": start.isoformat(),
        "reason": PRIVATE_REASON,
    }
    booked = await clinic.client.post(API, json=body, headers=patient.headers)
    assert booked.status_code == 201, booked.text
    appointment = booked.json()
    token = ConfirmationTokens(clinic.context.settings.auth.jwt_secret).issue(
        uuid.UUID(appointment["id"]), start
    )
    confirmed = await clinic.client.post(
        f"{API}/{appointment['id']}/confirm", json={"token": token}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json() == {
        "id": appointment["id"],
        "status": "confirmed",
        "starts_at": appointment["starts_at"],
        "ends_at": appointment["ends_at"],
        "practitioner_name": DOCTOR_NAME,
        "already_confirmed": False,
    }


async def test_the_feed_of_a_deactivated_practitioner_is_refused(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    assert (await book(clinic, practice, patient, two_days_ahead_at(9))).status_code == 201
    created = await clinic.client.post(f"{API}/feeds", json={}, headers=practice.doctor.headers)
    url = created.json()["url"]
    path = url[url.index("/api/") :]
    assert (await clinic.client.get(path)).status_code == 200

    users = f"/api/v1/users/{practice.doctor_id}"
    left = await clinic.client.post(f"{users}/deactivate", headers=practice.admin.headers)
    assert left.status_code == 200, left.text
    assert (await clinic.client.get(path)).status_code == 404
