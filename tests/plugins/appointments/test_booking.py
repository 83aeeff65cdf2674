"""Booking through the API: slots, 201, problem+json refusals, and the 100-way race."""

import asyncio
from collections import Counter
from datetime import timedelta

from tests.plugins.appointments.helpers import (
    API,
    ask_to_wait,
    book,
    free_slots,
    iso,
    open_practice,
    two_days_ahead_at,
)
from tests.plugins.users.clinic import Clinic


async def test_a_patient_books_a_free_slot_and_it_is_no_longer_offered(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    start = two_days_ahead_at(9)
    slots = await free_slots(clinic, practice, patient, start, days=0.5)
    assert slots[0] == {"starts_at": iso(start), "ends_at": iso(start + timedelta(minutes=30))}
    response = await book(clinic, practice, patient, slots[0]["starts_at"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["patient_id"]) == ("booked", str(patient.id))
    assert "notes" not in body
    after = await free_slots(clinic, practice, patient, start, days=0.5)
    # 09:00 is taken and 09:15 would overlap it; 09:30 is free.
    assert [s["starts_at"] for s in after[:1]] == [iso(start + timedelta(minutes=30))]


async def test_one_hundred_concurrent_bookings_of_one_slot_give_one_201(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patients = [await clinic.member("patient") for _ in range(100)]
    start = two_days_ahead_at(10)
    responses = await asyncio.gather(*(book(clinic, practice, p, start) for p in patients))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 99}, statuses
    refused = [r for r in responses if r.status_code == 409]
    assert all(r.headers["content-type"].startswith("application/problem+json") for r in refused)
    assert {r.json()["type"] for r in refused} == {"https://hduce.dev/problems/slot-unavailable"}
    rows = await clinic.fetch(
        "SELECT count(*) AS n FROM appointment WHERE practitioner = $1", practice.doctor.id
    )
    assert rows[0]["n"] == 1


async def test_only_starts_the_slot_search_offers_can_be_booked_or_moved_to(
    clinic: Clinic,
) -> None:
    practice = await open_practice(clinic)
    patient, desk = await clinic.member("patient"), await clinic.member("receptionist")
    nine = two_days_ahead_at(9)
    off_grid = [nine + timedelta(minutes=7), nine + timedelta(hours=1, minutes=53, seconds=17)]
    for caller, start in [(patient, s) for s in off_grid] + [(desk, off_grid[0])]:
        refused = await book(clinic, practice, caller, start, patient=patient)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        problem = refused.json()
        assert problem["type"] == "https://hduce.dev/problems/slot-not-offered"
        assert problem["detail"].startswith("starts are offered every 15 minutes from 08:00"), (
            problem
        )
        assert problem["detail"].endswith(": choose one of the times offered"), problem
    booked = await book(clinic, practice, patient, nine + timedelta(minutes=15))
    assert booked.status_code == 201, booked.text
    moved = await clinic.client.post(
        f"{API}/{booked.json()['id']}/reschedule",
        json={"starts_at": iso(nine + timedelta(hours=2, minutes=1))},
        headers=desk.headers,
    )
    assert (moved.status_code, moved.json()["type"]) == (
        422,
        "https://hduce.dev/problems/slot-not-offered",
    )


async def test_a_deactivated_practitioner_offers_nothing_and_keeps_their_bookings(
    clinic: Clinic,
) -> None:
    practice, start = await open_practice(clinic), two_days_ahead_at(9)
    patient, other = [await clinic.member("patient") for _ in range(2)]
    booked = await book(clinic, practice, patient, start)
    assert booked.status_code == 201, booked.text
    users = f"/api/v1/users/{practice.doctor_id}"
    left = await clinic.client.post(f"{users}/deactivate", headers=practice.admin.headers)
    assert left.status_code == 200, left.text

    params = {
        "practitioner_id": practice.doctor_id,
        "type_id": practice.type_id,
        "start": iso(start),
        "end": iso(start + timedelta(days=1)),
    }
    search = await clinic.client.get(f"{API}/slots", params=params, headers=other.headers)
    moved = await clinic.client.post(
        f"{API}/{booked.json()['id']}/reschedule",
        json={"starts_at": iso(start + timedelta(hours=1))},
        headers=patient.headers,
    )
    refused = [
        search,
        await book(clinic, practice, other, start + timedelta(hours=2)),
        moved,
        await ask_to_wait(clinic, practice, other, start.date(), start.date()),
    ]
    assert [r.status_code for r in refused] == [422] * 4, [r.text for r in refused]
    gone = "this practitioner's account is deactivated: they take no visits"
    assert [r.json()["detail"] for r in refused] == [gone] * 4
    kept = await clinic.client.get(f"{API}/{booked.json()['id']}", headers=patient.headers)
    assert (kept.json()["status"], kept.json()["starts_at"]) == ("booked", iso(start))


async def test_staff_book_and_wait_only_for_active_patients_never_for_themselves(
    clinic: Clinic,
) -> None:
    practice, start = await open_practice(clinic), two_days_ahead_at(9)
    desk = await clinic.member("receptionist")
    gone = await clinic.member("patient")
    users = f"/api/v1/users/{gone.id}"
    left = await clinic.client.post(f"{users}/deactivate", headers=practice.admin.headers)
    assert left.status_code == 200, left.text
    for caller, patient in [(desk, desk), (practice.doctor, practice.doctor), (desk, gone)]:
        booked = await book(clinic, practice, caller, start, patient=patient)
        body = {
            "practitioner_id": practice.doctor_id,
            "type_id": practice.type_id,
            "from_date": str(start.date()),
            "to_date": str(start.date()),
            "patient_id": str(patient.id),
        }
        waits = await clinic.client.post(f"{API}/waitlist", json=body, headers=caller.headers)
        for refused in (booked, waits):
            assert refused.status_code == 422, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            detail = refused.json()["detail"]
            if patient is gone:
                assert detail == f"the patient's account {gone.id} is deactivated", detail
            else:
                assert detail == f"{patient.id} is not a patient's account", detail
    rows = await clinic.fetch(
        "SELECT 1 FROM appointment WHERE practitioner = $1", practice.doctor.id
    )
    assert rows == []
