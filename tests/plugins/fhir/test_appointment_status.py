"""FHIR `Appointment` updates: confirm, check in, start, complete, no-show, as the REST API lets."""

from datetime import datetime, timedelta, timezone
from typing import Any

from fhir.resources.R4B.appointment import Appointment

from tests.plugins.appointments.helpers import (
    API,
    AS_IF_TODAY,
    Practice,
    book,
    events_named,
    open_practice,
    two_days_ahead_at,
)
from tests.plugins.fhir.test_patients import BASE, outcome
from tests.plugins.users.clinic import Clinic, Member


async def booked(clinic: Clinic, practice: Practice, patient: Member, hour: int) -> str:
    """The id of an appointment booked through the REST API."""
    response = await book(clinic, practice, patient, two_days_ahead_at(hour))
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def put(clinic: Clinic, appointment_id: str, caller: Member, **changes: Any) -> Any:
    """PUT the appointment as `caller` read it, with `changes` applied."""
    url = f"{BASE}/Appointment/{appointment_id}"
    current = await clinic.client.get(url, headers=caller.headers)
    assert current.status_code == 200, current.text
    return await clinic.client.put(url, json={**current.json(), **changes}, headers=caller.headers)


def accepted_by_patient(resource: dict[str, Any]) -> list[dict[str, Any]]:
    """The participants with the patient's status set to `accepted` (a confirmation)."""
    return [
        {**p, "status": "accepted"} if p["actor"]["type"] == "Patient" else p
        for p in resource["participant"]
    ]


async def rest_status(clinic: Clinic, appointment_id: str, caller: Member) -> str:
    response = await clinic.client.get(f"{API}/{appointment_id}", headers=caller.headers)
    return response.json()["status"]


def patient_status(resource: dict[str, Any]) -> str:
    Appointment.model_validate(resource)
    (patient,) = [p for p in resource["participant"] if p["actor"]["type"] == "Patient"]
    return patient["status"]


async def test_the_patient_confirms_by_accepting_and_staff_cannot(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient, desk = await clinic.member("patient"), await clinic.member("receptionist")
    appointment_id = await booked(clinic, practice, patient, 9)
    url = f"{BASE}/Appointment/{appointment_id}"
    before = (await clinic.client.get(url, headers=patient.headers)).json()
    assert (before["status"], patient_status(before)) == ("booked", "needs-action")

    participants = accepted_by_patient(before)
    refused = await put(clinic, appointment_id, desk, participant=participants)
    assert "patient" in outcome(refused, 403)
    confirmed = await put(clinic, appointment_id, patient, participant=participants)
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["status"], patient_status(confirmed.json())) == ("booked", "accepted")
    assert await rest_status(clinic, appointment_id, patient) == "confirmed"
    assert len(await events_named(clinic, "appointment.confirmed", appointment_id)) == 1
    # Sending the same resource again changes nothing.
    again = await put(clinic, appointment_id, patient, participant=participants)
    assert again.status_code == 200, again.text
    assert len(await events_named(clinic, "appointment.confirmed", appointment_id)) == 1


async def test_check_in_start_and_complete_with_the_rest_apis_roles(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient, desk = await clinic.member("patient"), await clinic.member("receptionist")
    doctor = practice.doctor
    appointment_id = await booked(clinic, practice, patient, 10)
    await clinic.execute(AS_IF_TODAY, appointment_id)

    assert "staff" in outcome(await put(clinic, appointment_id, patient, status="checked-in"), 403)
    checked_in = await put(clinic, appointment_id, desk, status="checked-in")
    assert checked_in.status_code == 200, checked_in.text
    assert Appointment.model_validate(checked_in.json()).status == "checked-in"
    assert await rest_status(clinic, appointment_id, desk) == "checked_in"

    outcome(await put(clinic, appointment_id, desk, status="arrived"), 403)
    started = await put(clinic, appointment_id, doctor, status="arrived")
    assert started.status_code == 200, started.text
    assert await rest_status(clinic, appointment_id, doctor) == "in_progress"
    done = await put(clinic, appointment_id, doctor, status="fulfilled")
    assert Appointment.model_validate(done.json()).status == "fulfilled"
    assert await rest_status(clinic, appointment_id, doctor) == "completed"
    assert len(await events_named(clinic, "appointment.checked_in", appointment_id)) == 1
    assert len(await events_named(clinic, "appointment.completed", appointment_id)) == 1

    late = await put(clinic, appointment_id, desk, status="checked-in")
    assert "completed" in outcome(late, 409)


async def test_no_show_only_by_staff_and_after_the_start(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    appointment_id = await booked(clinic, practice, patient, 11)
    outcome(await put(clinic, appointment_id, patient, status="noshow"), 403)
    early = await put(clinic, appointment_id, practice.doctor, status="noshow")
    assert "not started" in outcome(early, 409)
    assert await rest_status(clinic, appointment_id, patient) == "booked"


async def test_a_no_show_patient_participant_did_not_take_part(clinic: Clinic) -> None:
    # The patient participant of a `noshow` read `accepted`, as if they had come.
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    appointment_id = await booked(clinic, practice, patient, 11)
    await clinic.execute(AS_IF_TODAY, appointment_id)
    marked = await put(clinic, appointment_id, practice.doctor, status="noshow")
    assert marked.status_code == 200, marked.text
    assert (marked.json()["status"], patient_status(marked.json())) == ("noshow", "declined")
    assert await rest_status(clinic, appointment_id, patient) == "no_show"


async def test_statuses_no_one_sets_are_400_and_strangers_get_404(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient, other = await clinic.member("patient"), await clinic.member("patient")
    appointment_id = await booked(clinic, practice, patient, 12)
    for status in ("proposed", "pending", "entered-in-error"):
        refused = await put(clinic, appointment_id, practice.admin, status=status)
        assert "checked-in" in outcome(refused, 400), status
    url = f"{BASE}/Appointment/{appointment_id}"
    mine = (await clinic.client.get(url, headers=patient.headers)).json()
    stranger = await clinic.client.put(
        url, json={**mine, "status": "checked-in"}, headers=other.headers
    )
    outcome(stranger, 404)


async def test_a_put_changing_what_it_cannot_change_is_400_naming_each_element(
    clinic: Clinic,
) -> None:
    # A new start, end, reason or participant answered 200 with the appointment unchanged.
    practice, other = await open_practice(clinic), await open_practice(clinic)
    patient = await clinic.member("patient")
    appointment_id = await booked(clinic, practice, patient, 13)
    url = f"{BASE}/Appointment/{appointment_id}"
    before = (await clinic.client.get(url, headers=patient.headers)).json()

    moved = {"start": "2030-12-20T10:00:00Z", "end": "2030-12-20T10:30:00Z"}
    message = outcome(await put(clinic, appointment_id, patient, **moved, description="x"), 400)
    for element in ("Appointment.start", "Appointment.end", "Appointment.description"):
        assert element in message, message
    assert "reschedule" in message and "cancel" in message, message
    doctor = f"Practitioner/{other.doctor.id}"
    swapped = [
        {**p, "actor": {"reference": doctor}} if p["actor"]["type"] == "Practitioner" else p
        for p in before["participant"]
    ]
    message = outcome(await put(clinic, appointment_id, patient, participant=swapped), 400)
    assert "Appointment.participant" in message and "start" not in message, message
    # Cancelling with a changed reason cancels nothing either; elements HDuce keeps not: 400.
    cancel = {"status": "cancelled", "cancelationReason": {"text": "Better"}}
    message = outcome(await put(clinic, appointment_id, patient, **cancel, description="x"), 400)
    assert "Appointment.description" in message, message
    message = outcome(await put(clinic, appointment_id, patient, comment="call me"), 400)
    assert "Appointment.comment" in message, message
    assert (await clinic.client.get(url, headers=patient.headers)).json() == before
    assert await rest_status(clinic, appointment_id, patient) == "booked"

    # The same instants written with another offset are the same: the cancel goes through.
    start = datetime.fromisoformat(before["start"]).astimezone(timezone(timedelta(hours=2)))
    done = await put(clinic, appointment_id, patient, **cancel, start=start.isoformat())
    assert done.status_code == 200, done.text
    assert await rest_status(clinic, appointment_id, patient) == "cancelled"
    # Never confirmed, the patient read as `accepted` once it was cancelled: they take no part.
    assert patient_status(done.json()) == "declined"


async def test_a_put_with_json_values_of_the_wrong_type_is_400(clinic: Clinic) -> None:
    # The start as Unix seconds read as the same instant, so the cancel went through.
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    appointment_id = await booked(clinic, practice, patient, 16)
    seconds = int(two_days_ahead_at(16).timestamp())
    cancel = {"status": "cancelled", "cancelationReason": {"text": "Better"}, "start": seconds}
    assert "start" in outcome(await put(clinic, appointment_id, patient, **cancel), 400)
    assert await rest_status(clinic, appointment_id, patient) == "booked"


async def test_a_put_names_the_appointment_of_its_url(clinic: Clinic) -> None:
    # A body without an id was taken (FHIR: 400 when it is missing or differs from the URL's).
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    appointment_id = await booked(clinic, practice, patient, 14)
    url = f"{BASE}/Appointment/{appointment_id}"
    current = (await clinic.client.get(url, headers=patient.headers)).json()
    for body in ({k: v for k, v in current.items() if k != "id"}, {**current, "id": "other"}):
        changed = {**body, "status": "cancelled", "cancelationReason": {"text": "Better"}}
        answer = await clinic.client.put(url, json=changed, headers=patient.headers)
        assert "Appointment.id" in outcome(answer, 400)
    assert await rest_status(clinic, appointment_id, patient) == "booked"
