"""FHIR errors name what a FHIR client sent (search parameters, elements), not REST fields."""

from tests.plugins.appointments.helpers import iso, open_practice, two_days_ahead_at
from tests.plugins.fhir.test_appointments import booking_body
from tests.plugins.fhir.test_patients import BASE, outcome
from tests.plugins.users.clinic import Clinic


async def test_a_clinician_searching_observations_names_the_patient(clinic: Clinic) -> None:
    # It said "name the patient (`patient_id`)", the REST query field.
    doctor = await clinic.member("doctor")
    answer = await clinic.client.get(f"{BASE}/Observation", headers=doctor.headers)
    message = outcome(answer, 400)
    assert "`patient`" in message and "patient_id" not in message, message


async def test_staff_booking_without_a_patient_participant_is_400(clinic: Clinic) -> None:
    # It was a 403 "staff must name the patient (`patient_id`)": incomplete, not forbidden.
    practice = await open_practice(clinic)
    body = booking_body(practice, None, iso(two_days_ahead_at(9)))
    answer = await clinic.client.post(
        f"{BASE}/Appointment", json=body, headers=practice.admin.headers
    )
    message = outcome(answer, 400)
    assert "Appointment.participant" in message and "patient_id" not in message, message


async def test_a_too_long_description_names_the_element(clinic: Clinic) -> None:
    # It said "Expected `str` of length <= 500 - at `$.reason`".
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    body = booking_body(practice, None, iso(two_days_ahead_at(9)), description="x" * 5000)
    answer = await clinic.client.post(f"{BASE}/Appointment", json=body, headers=patient.headers)
    message = outcome(answer, 400)
    assert "Appointment.description" in message and "500" in message, message
    assert "$.reason" not in message, message


async def test_a_too_long_cancellation_reason_names_the_element(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    body = booking_body(practice, None, iso(two_days_ahead_at(9)))
    created = await clinic.client.post(f"{BASE}/Appointment", json=body, headers=patient.headers)
    assert created.status_code == 201, created.text
    url = f"{BASE}/Appointment/{created.json()['id']}"
    cancel = {**created.json(), "status": "cancelled", "cancelationReason": {"text": "x" * 600}}
    message = outcome(await clinic.client.put(url, json=cancel, headers=patient.headers), 400)
    assert "Appointment.cancelationReason.text" in message and "500" in message, message
    assert "$.reason" not in message, message
