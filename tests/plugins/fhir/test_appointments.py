"""FHIR `Appointment`: search, read, book through the booking service, cancel, permissions."""

from datetime import UTC, timedelta, timezone
from typing import Any

from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle

from tests.plugins.appointments.helpers import Practice, book, iso, open_practice, two_days_ahead_at
from tests.plugins.fhir.test_patients import BASE, outcome
from tests.plugins.users.clinic import Clinic, Member

TYPE_SYSTEM = "urn:hduce:appointment-type"


def booking_body(practice: Practice, patient: Member | None, start: str, **extra: Any) -> dict:
    participants = [
        {"actor": {"reference": f"Practitioner/{practice.doctor.id}"}, "status": "accepted"}
    ]
    if patient is not None:
        participants.append({"actor": {"reference": f"Patient/{patient.id}"}, "status": "accepted"})
    return {
        "resourceType": "Appointment",
        "status": "booked",
        "start": start,
        "serviceType": [{"coding": [{"system": TYPE_SYSTEM, "code": practice.type_id}]}],
        "participant": participants,
        **extra,
    }


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    Bundle.model_validate(response.json())
    return [entry["resource"]["id"] for entry in response.json().get("entry", [])]


async def test_a_patient_books_reads_and_cancels_through_fhir(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    start = iso(two_days_ahead_at(9))
    body = booking_body(practice, None, start, description="Cough")
    created = await clinic.client.post(f"{BASE}/Appointment", json=body, headers=patient.headers)
    assert created.status_code == 201, created.text
    resource = Appointment.model_validate(created.json())
    assert resource.status == "booked" and resource.description == "Cough"
    assert created.headers["location"].endswith(f"/fhir/R4/Appointment/{resource.id}")
    refs = {p.actor.reference for p in resource.participant}
    assert refs == {f"Patient/{patient.id}", f"Practitioner/{practice.doctor.id}"}
    # The REST API sees the very same booking.
    rest = await clinic.client.get(f"/api/v1/appointments/{resource.id}", headers=patient.headers)
    assert rest.json()["status"] == "booked"

    read = await clinic.client.get(f"{BASE}/Appointment/{resource.id}", headers=patient.headers)
    assert read.status_code == 200
    Appointment.model_validate(read.json())

    cancel = {**read.json(), "status": "cancelled", "cancelationReason": {"text": "Better"}}
    cancelled = await clinic.client.put(
        f"{BASE}/Appointment/{resource.id}", json=cancel, headers=patient.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    assert Appointment.model_validate(cancelled.json()).status == "cancelled"
    rest = await clinic.client.get(f"/api/v1/appointments/{resource.id}", headers=patient.headers)
    assert rest.json()["status"] == "cancelled"


async def test_a_taken_slot_is_a_409_outcome(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    first, second = await clinic.member("patient"), await clinic.member("patient")
    start = two_days_ahead_at(10)
    assert (await book(clinic, practice, first, start)).status_code == 201
    body = booking_body(practice, None, iso(start))
    response = await clinic.client.post(f"{BASE}/Appointment", json=body, headers=second.headers)
    outcome(response, 409)


async def test_invalid_appointment_bodies_are_400_outcomes(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    post = f"{BASE}/Appointment"
    bad_start = booking_body(practice, None, "tomorrow at nine")
    assert "start" in outcome(
        await clinic.client.post(post, json=bad_start, headers=patient.headers), 400
    )
    unknown_field = booking_body(practice, None, iso(two_days_ahead_at(11)), colour="blue")
    assert "colour" in outcome(
        await clinic.client.post(post, json=unknown_field, headers=patient.headers), 400
    )
    no_type = {**booking_body(practice, None, iso(two_days_ahead_at(11))), "serviceType": []}
    assert TYPE_SYSTEM in outcome(
        await clinic.client.post(post, json=no_type, headers=patient.headers), 400
    )
    not_json = await clinic.client.post(post, content=b"{nope", headers=patient.headers)
    assert "JSON" in outcome(not_json, 400)
    patient_resource = {"resourceType": "Patient"}
    outcome(await clinic.client.post(post, json=patient_resource, headers=patient.headers), 400)


async def test_json_values_of_the_wrong_type_are_400_naming_the_element(clinic: Clinic) -> None:
    # A number as `start` booked a visit (read as Unix seconds); "30" and true were lengths.
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    post, start = f"{BASE}/Appointment", two_days_ahead_at(14)
    for extra, named in (
        ({"start": int(start.timestamp())}, "start"),
        ({"minutesDuration": "30"}, "minutesDuration"),
        ({"minutesDuration": True}, "minutesDuration"),
        ({"minutesDuration": 30.0}, "minutesDuration"),
    ):
        body = {**booking_body(practice, None, iso(start)), **extra}
        refused = await clinic.client.post(post, json=body, headers=patient.headers)
        assert named in outcome(refused, 400), extra
    mine = await clinic.client.get(f"{BASE}/Appointment", headers=patient.headers)
    assert ids(mine) == []


async def test_a_patient_cannot_book_for_someone_else(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient, other = await clinic.member("patient"), await clinic.member("patient")
    body = booking_body(practice, other, iso(two_days_ahead_at(12)))
    response = await clinic.client.post(f"{BASE}/Appointment", json=body, headers=patient.headers)
    outcome(response, 403)


async def test_search_by_patient_practitioner_date_status(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient, other = await clinic.member("patient"), await clinic.member("patient")
    day = two_days_ahead_at(8)
    mine = [
        (await book(clinic, practice, patient, day + timedelta(hours=h))).json()["id"]
        for h in (1, 25)
    ]
    theirs = (await book(clinic, practice, other, day + timedelta(hours=2))).json()["id"]
    staff = practice.admin.headers

    async def search(headers: dict[str, str], **params: str) -> list[str]:
        response = await clinic.client.get(f"{BASE}/Appointment", params=params, headers=headers)
        return ids(response)

    doctor = f"Practitioner/{practice.doctor.id}"
    assert await search(staff, practitioner=doctor) == [mine[0], theirs, mine[1]]
    assert await search(staff, patient=f"Patient/{patient.id}") == mine
    first_day = day.date().isoformat()
    assert await search(staff, practitioner=doctor, date=f"le{first_day}") == [mine[0], theirs]
    assert await search(
        staff, practitioner=doctor, date=f"ge{(day + timedelta(days=1)).date()}"
    ) == [mine[1]]
    # Date-times bound the start to the instant, with or without an offset (UTC without).
    second = (day + timedelta(hours=2)).astimezone(UTC)
    assert await search(staff, practitioner=doctor, date=f"lt{second:%Y-%m-%dT%H:%M:%SZ}") == [
        mine[0]
    ]
    shifted = second.astimezone(timezone(timedelta(hours=-5))).isoformat()
    assert await search(staff, practitioner=doctor, date=f"ge{shifted}", _count="1") == [theirs]
    assert await search(staff, practitioner=doctor, date=f"eq{second:%Y-%m-%dT%H:%M}") == [theirs]
    assert await search(staff, practitioner=doctor, status="cancelled") == []
    assert await search(staff, practitioner=doctor, status="booked", _count="1") == [mine[0]]
    # A patient sees only their own, whatever they ask for.
    assert await search(patient.headers, practitioner=doctor) == mine
    assert await search(patient.headers, patient=str(other.id)) == []
    unknown = await clinic.client.get(f"{BASE}/Appointment/{theirs}", headers=patient.headers)
    outcome(unknown, 404)
    bad = await clinic.client.get(
        f"{BASE}/Appointment", params={"status": "sleeping"}, headers=staff
    )
    assert "status" in outcome(bad, 400)


async def test_staff_book_through_fhir_only_for_an_active_patient(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    desk, gone = await clinic.member("receptionist"), await clinic.member("patient")
    users = f"/api/v1/users/{gone.id}"
    left = await clinic.client.post(f"{users}/deactivate", headers=practice.admin.headers)
    assert left.status_code == 200, left.text
    post, start = f"{BASE}/Appointment", iso(two_days_ahead_at(13))
    for caller, patient, why in [
        (desk, desk, f"{desk.id} is not a patient's account"),
        (practice.doctor, practice.doctor, f"{practice.doctor.id} is not a patient's account"),
        (desk, gone, f"the patient's account {gone.id} is deactivated"),
    ]:
        body = booking_body(practice, patient, start)
        refused = await clinic.client.post(post, json=body, headers=caller.headers)
        assert outcome(refused, 400) == why


async def test_a_participant_the_server_does_not_read_is_refused_naming_it(
    clinic: Clinic,
) -> None:
    practice = await open_practice(clinic)
    patient, other = await clinic.member("patient"), await clinic.member("patient")
    desk = await clinic.member("receptionist")
    post, here = f"{BASE}/Appointment", f"{clinic.client.base_url}".rstrip("/") + BASE
    start = iso(two_days_ahead_at(14))
    unread = [
        {"reference": f"https://elsewhere.example/fhir/R4/Patient/{other.id}"},
        {"identifier": {"system": "urn:hduce:account", "value": str(other.id)}, "type": "Patient"},
        {"reference": f"RelatedPerson/{other.id}"},
        {"reference": "#p1"},
    ]
    for caller in (patient, desk):
        for actor in unread:
            body = booking_body(practice, None, start, contained=[CONTAINED])
            body["participant"].append({"actor": actor, "status": "accepted"})
            refused = await clinic.client.post(post, json=body, headers=caller.headers)
            detail = outcome(refused, 400)
            assert detail.startswith("Appointment.participant[1].actor: "), detail
            assert "Patient/<id> or Practitioner/<id>" in detail, detail
    # This server's own absolute URL is read as the relative reference.
    absolute = booking_body(practice, None, start)
    actor = {"reference": f"{here}/Patient/{other.id}"}
    absolute["participant"].append({"actor": actor, "status": "accepted"})
    outcome(await clinic.client.post(post, json=absolute, headers=patient.headers), 403)
    booked = await clinic.client.post(post, json=absolute, headers=desk.headers)
    assert booked.status_code == 201, booked.text
    refs = {p["actor"]["reference"] for p in booked.json()["participant"]}
    assert f"Patient/{other.id}" in refs


CONTAINED = {"resourceType": "Patient", "id": "p1", "name": [{"family": "Else"}]}


async def test_a_booking_refuses_what_it_would_not_keep_naming_it(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    post, start = f"{BASE}/Appointment", two_days_ahead_at(15)
    doctor = {"actor": {"reference": f"Practitioner/{practice.doctor.id}"}, "status": "declined"}
    for extra, named in (
        ({"end": iso(start + timedelta(hours=5))}, "Appointment.end"),
        ({"minutesDuration": 90}, "Appointment.minutesDuration"),
        ({"comment": "hello"}, "Appointment.comment"),
        ({"contained": [CONTAINED]}, "Appointment.contained"),
        ({"participant": [doctor]}, "Appointment.participant[0].status"),
    ):
        body = booking_body(practice, None, iso(start), **extra)
        refused = await clinic.client.post(post, json=body, headers=patient.headers)
        assert named in outcome(refused, 400), extra
    # Given as the visit's length, in any offset, they are what is booked.
    agreeing = booking_body(
        practice,
        None,
        iso(start),
        end=(start + timedelta(minutes=30)).astimezone(timezone(timedelta(hours=2))).isoformat(),
        minutesDuration=30,
    )
    booked = await clinic.client.post(post, json=agreeing, headers=patient.headers)
    assert booked.status_code == 201, booked.text
    assert Appointment.model_validate(booked.json()).end == start + timedelta(minutes=30)
