"""FHIR `PractitionerRole`, `Schedule` and `Slot`: reads, searches, paging, booking from a slot."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.slot import Slot

from hduce.plugins.fhir.schemas._slot_ids import SlotKey, slot_id
from tests.plugins.appointments.helpers import (
    Practice,
    book,
    free_slots,
    iso,
    open_practice,
    two_days_ahead_at,
)
from tests.plugins.fhir.test_patients import BASE, outcome
from tests.plugins.users.clinic import Clinic, Member

TYPE_SYSTEM = "urn:hduce:appointment-type"


async def get(clinic: Clinic, caller: Member, path: str, **params: Any) -> dict[str, Any]:
    """A 200 answer's JSON."""
    response = await clinic.client.get(f"{BASE}/{path}", params=params, headers=caller.headers)
    assert response.status_code == 200, response.text
    return response.json()


def entries(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """The resources of a valid searchset."""
    Bundle.model_validate(bundle)
    return [entry["resource"] for entry in bundle.get("entry", [])]


async def slots(
    clinic: Clinic, caller: Member, practice: Practice, hours: tuple[int, int], **params: Any
) -> list[dict[str, Any]]:
    """The `Slot`s of the practice's doctor from `hours[0]` to `hours[1]` two days ahead."""
    window = [f"ge{iso(two_days_ahead_at(hours[0]))}", f"lt{iso(two_days_ahead_at(hours[1]))}"]
    found = await get(
        clinic, caller, "Slot", schedule=f"Schedule/{practice.doctor.id}", start=window, **params
    )
    for resource in entries(found):
        Slot.model_validate(resource)
    return entries(found)


def times(found: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(start hour:minute, status) of each slot."""
    return [(slot["start"][11:16], slot["status"]) for slot in found]


async def test_a_patient_reads_the_practitioner_role_and_schedule(clinic: Clinic) -> None:
    practice = await open_practice(clinic, timezone="Europe/Paris")
    await clinic.execute(
        "UPDATE profile SET specialty = 'Cardiology' WHERE account = $1", practice.doctor.id
    )
    patient = await clinic.member("patient")
    doctor = str(practice.doctor.id)

    role = PractitionerRole.model_validate(await get(clinic, patient, f"PractitionerRole/{doctor}"))
    assert role.practitioner.reference == f"Practitioner/{doctor}"
    assert role.active is True
    assert role.code[0].coding[0].code == "doctor"
    assert role.specialty[0].text == "Cardiology"
    assert len(role.availableTime) == 7
    assert str(role.availableTime[0].availableStartTime) == "08:00:00"
    assert {e.valueCoding.code for e in role.extension} == {practice.type_id}
    assert role.meta.lastUpdated is not None

    schedule = Schedule.model_validate(await get(clinic, patient, f"Schedule/{doctor}"))
    assert {a.reference for a in schedule.actor} == {
        f"PractitionerRole/{doctor}",
        f"Practitioner/{doctor}",
    }
    assert schedule.active is True
    types = [c for concept in schedule.serviceType for c in concept.coding]
    assert [(c.system, c.code) for c in types] == [(TYPE_SYSTEM, practice.type_id)]
    assert "Europe/Paris" in schedule.comment
    assert schedule.meta.lastUpdated is not None

    for actor in (f"Practitioner/{doctor}", f"PractitionerRole/{doctor}", doctor):
        by_actor = await get(clinic, patient, "Schedule", actor=actor)
        assert [s["id"] for s in entries(by_actor)] == [doctor]
    assert entries(await get(clinic, patient, "Schedule", actor=f"Patient/{doctor}")) == []
    roles = await get(clinic, patient, "PractitionerRole", practitioner=doctor)
    assert [r["id"] for r in entries(roles)] == [doctor]
    cardiology = await get(clinic, patient, "PractitionerRole", specialty="cardio", _id=doctor)
    assert [r["id"] for r in entries(cardiology)] == [doctor]
    other = await get(clinic, patient, "PractitionerRole", specialty="dermatology", _id=doctor)
    assert entries(other) == []


async def test_someone_who_is_no_practitioner_has_no_role_or_schedule(clinic: Clinic) -> None:
    patient = await clinic.member("patient")
    for kind in ("PractitionerRole", "Schedule"):
        response = await clinic.client.get(f"{BASE}/{kind}/{patient.id}", headers=patient.headers)
        outcome(response, 404)
    missing = await clinic.client.get(f"{BASE}/Schedule/not-an-id", headers=patient.headers)
    outcome(missing, 404)


async def test_slots_are_the_free_slot_search_and_bookings_are_busy(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient, other = await clinic.member("patient"), await clinic.member("patient")
    assert (await book(clinic, practice, other, two_days_ahead_at(9))).status_code == 201

    staff_view = await slots(clinic, practice.admin, practice, (8, 10))
    # 30-minute visits on the 15-minute grid; 08:45 and 09:15 would overlap the 09:00 visit.
    assert times(staff_view) == [
        ("08:00", "free"),
        ("08:15", "free"),
        ("08:30", "free"),
        ("09:00", "busy"),
        ("09:30", "free"),
        ("09:45", "free"),
    ]
    first = staff_view[0]
    assert first["schedule"]["reference"] == f"Schedule/{practice.doctor.id}"
    assert first["serviceType"][0]["coding"][0]["code"] == practice.type_id
    assert first["end"][11:16] == "08:30"
    # The same starts as the REST API's free-slot search.
    rest = await free_slots(clinic, practice, patient, two_days_ahead_at(8), days=2 / 24)
    free = [start for start, status in times(staff_view) if status == "free"]
    assert [s["starts_at"][11:16] for s in rest] == free
    # Patients see free slots only (the REST API shows them no one's bookings).
    assert times(await slots(clinic, patient, practice, (8, 10))) == [(t, "free") for t in free]
    busy = await slots(clinic, practice.admin, practice, (8, 10), status="busy")
    assert times(busy) == [("09:00", "busy")]
    typed = await slots(
        clinic, patient, practice, (8, 9), **{"service-type": f"{TYPE_SYSTEM}|{practice.type_id}"}
    )
    assert times(typed) == [("08:00", "free"), ("08:15", "free"), ("08:30", "free")]

    read = await get(clinic, patient, f"Slot/{first['id']}")
    assert Slot.model_validate(read).status == "free"
    busy_read = await get(clinic, practice.admin, f"Slot/{busy[0]['id']}")
    assert busy_read["status"] == "busy"


async def test_an_appointment_is_booked_from_a_slot_id(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    free = await slots(clinic, patient, practice, (11, 12))
    assert [start for start, _ in times(free)] == ["11:00", "11:15", "11:30", "11:45"]
    body = {
        "resourceType": "Appointment",
        "status": "booked",
        "slot": [{"reference": f"Slot/{free[2]['id']}"}],
        "participant": [{"actor": {"reference": f"Patient/{patient.id}"}, "status": "accepted"}],
        "description": "Check-up",
    }
    created = await clinic.client.post(f"{BASE}/Appointment", json=body, headers=patient.headers)
    assert created.status_code == 201, created.text
    appointment = Appointment.model_validate(created.json())
    assert appointment.start == two_days_ahead_at(11, 30)
    assert appointment.serviceType[0].coding[0].code == practice.type_id
    actors = {p.actor.reference for p in appointment.participant}
    assert actors == {f"Patient/{patient.id}", f"Practitioner/{practice.doctor.id}"}
    assert times(await slots(clinic, patient, practice, (11, 12))) == [("11:00", "free")]
    taken = await clinic.client.post(f"{BASE}/Appointment", json=body, headers=patient.headers)
    outcome(taken, 409)
    rest = await clinic.client.get(
        f"/api/v1/appointments/{appointment.id}", headers=patient.headers
    )
    assert rest.json()["starts_at"].startswith(iso(two_days_ahead_at(11, 30))[:16])


async def test_slot_ids_that_disagree_or_do_not_exist_are_outcomes(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    free = await slots(clinic, patient, practice, (13, 14))
    body = {
        "resourceType": "Appointment",
        "status": "booked",
        "slot": [{"reference": f"Slot/{free[0]['id']}"}],
        "start": iso(two_days_ahead_at(15)),
        "participant": [{"actor": {"reference": f"Patient/{patient.id}"}, "status": "accepted"}],
    }
    post = f"{BASE}/Appointment"
    assert "start" in outcome(
        await clinic.client.post(post, json=body, headers=patient.headers), 400
    )
    bogus = {**body, "slot": [{"reference": "Slot/abc"}]}
    del bogus["start"]
    assert "Slot" in outcome(
        await clinic.client.post(post, json=bogus, headers=patient.headers), 400
    )
    # An `end` is not dropped: it must be the slot's.
    longer = {**body, "start": free[0]["start"], "end": iso(two_days_ahead_at(23))}
    assert "Appointment.end" in outcome(
        await clinic.client.post(post, json=longer, headers=patient.headers), 400
    )
    agreeing = {**longer, "end": free[0]["end"]}
    booked = await clinic.client.post(post, json=agreeing, headers=patient.headers)
    assert booked.status_code == 201, booked.text
    outcome(await clinic.client.get(f"{BASE}/Slot/abc", headers=patient.headers), 404)
    # A forged id at either end of the calendar names no slot either: it was a 400.
    doctor, type_id = practice.doctor.id, uuid.UUID(practice.type_id)
    for moment in (datetime(9999, 12, 31, 23, 59, 59), datetime(1, 1, 1, 0, 0, 1)):
        forged = slot_id(SlotKey(doctor, type_id, moment.replace(tzinfo=UTC)))
        for caller in (patient, practice.admin):
            outcome(await clinic.client.get(f"{BASE}/Slot/{forged}", headers=caller.headers), 404)


async def test_slot_pages_follow_next_links(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    everything = times(await slots(clinic, patient, practice, (8, 12)))
    assert len(everything) == 16
    window = [f"ge{iso(two_days_ahead_at(8))}", f"lt{iso(two_days_ahead_at(12))}"]
    params = {"schedule": str(practice.doctor.id), "start": window, "_count": "5"}
    page = await get(clinic, patient, "Slot", **params)
    seen = times(entries(page))
    while next_link := [link["url"] for link in page["link"] if link["relation"] == "next"]:
        response = await clinic.client.get(next_link[0], headers=patient.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(entries(page)) <= 5
        seen += times(entries(page))
    assert seen == everything
    assert page["total"] == 16


async def test_bad_slot_searches_are_400_outcomes(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    schedule = f"Schedule/{practice.doctor.id}"
    start = iso(two_days_ahead_at(8))
    far = iso(two_days_ahead_at(8) + timedelta(days=400))
    for params, word in (
        ({}, "schedule"),
        ({"schedule": schedule, "status": "maybe"}, "status"),
        ({"schedule": schedule, "start": "ge-yesterday"}, "start"),
        ({"schedule": schedule, "colour": "blue"}, "colour"),
        ({"schedule": schedule, "start": [f"ge{start}", f"lt{far}"]}, "range"),
        ({"schedule": schedule, "_count": "101"}, "_count"),
        ({"schedule": "Schedule/nobody"}, "schedule"),
    ):
        response = await clinic.client.get(f"{BASE}/Slot", params=params, headers=patient.headers)
        assert word in outcome(response, 400)
    unauthenticated = await clinic.client.get(f"{BASE}/Slot", params={"schedule": schedule})
    outcome(unauthenticated, 401)


async def test_the_capability_statement_lists_the_new_types(clinic: Clinic) -> None:
    response = await clinic.client.get(f"{BASE}/metadata")
    statement = CapabilityStatement.model_validate(response.json())
    resources = {r.type: r for r in statement.rest[0].resource}
    for kind, params in (
        ("PractitionerRole", {"practitioner", "specialty", "_lastUpdated"}),
        ("Schedule", {"actor", "service-type", "_lastUpdated"}),
        ("Slot", {"schedule", "start", "status", "service-type"}),
    ):
        assert {i.code for i in resources[kind].interaction} == {"read", "search-type"}
        assert params <= {p.name for p in resources[kind].searchParam}


async def test_bad_role_and_schedule_searches_are_400_outcomes(clinic: Clinic) -> None:
    patient = await clinic.member("patient")
    for kind, params, word in (
        ("PractitionerRole", {"role": "surgeon"}, "role"),
        ("PractitionerRole", {"role": "http://other|doctor"}, "role"),
        ("Schedule", {"active": "maybe"}, "active"),
        ("Schedule", {"service-type": "not-an-id"}, "service-type"),
        ("Schedule", {"status": "free"}, "status"),
        ("PractitionerRole", {"_count": "101"}, "_count"),
    ):
        response = await clinic.client.get(f"{BASE}/{kind}", params=params, headers=patient.headers)
        assert word in outcome(response, 400), (kind, params)


async def test_a_deactivated_practitioner_offers_no_slots(clinic: Clinic) -> None:
    """Still listed on the type, they break no search: no slots, and their slot ids are 404."""
    practice, gone = await open_practice(clinic), await open_practice(clinic)
    patient = await clinic.member("patient")
    earlier = (await slots(clinic, patient, gone, (8, 9)))[0]["id"]
    admin = practice.admin.headers
    left = await clinic.client.post(f"/api/v1/users/{gone.doctor.id}/deactivate", headers=admin)
    assert left.status_code == 200, left.text
    window = [f"ge{iso(two_days_ahead_at(8))}", f"lt{iso(two_days_ahead_at(9))}"]
    alone = await get(clinic, patient, "Slot", schedule=f"Schedule/{gone.doctor.id}", start=window)
    assert entries(alone) == []
    schedules = f"Schedule/{practice.doctor.id},Schedule/{gone.doctor.id}"
    ored = await get(clinic, patient, "Slot", schedule=schedules, start=window)
    assert {s["schedule"]["reference"] for s in entries(ored)} == {f"Schedule/{practice.doctor.id}"}
    outcome(await clinic.client.get(f"{BASE}/Slot/{earlier}", headers=patient.headers), 404)


async def test_slot_pages_without_start_keep_the_first_pages_window(clinic: Clinic) -> None:
    """The "next 7 days" are pinned in the links: later pages do not move with the clock."""
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    before = datetime.now(UTC)
    first = await get(clinic, patient, "Slot", schedule=str(practice.doctor.id), _count="5")
    after = datetime.now(UTC)
    link = next(link["url"] for link in first["link"] if link["relation"] == "next")
    low, high = parse_qs(urlsplit(link).query)["start"]
    assert low.startswith("ge") and high.startswith("lt"), link
    start = datetime.fromisoformat(low[2:].replace("Z", "+00:00"))
    assert before <= start <= after
    assert datetime.fromisoformat(high[2:].replace("Z", "+00:00")) == start + timedelta(days=7)
    second = (await clinic.client.get(link, headers=patient.headers)).json()
    assert second["total"] == first["total"]
    pinned = await get(
        clinic, patient, "Slot", schedule=str(practice.doctor.id), start=[low, high], _count="10"
    )
    assert entries(pinned) == entries(first) + entries(second)
