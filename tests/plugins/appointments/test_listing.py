"""Listing: patients see theirs, practitioners their schedule, the front desk everything."""

from datetime import timedelta

from tests.plugins.appointments.helpers import API, book, iso, open_practice, two_days_ahead_at
from tests.plugins.users.clinic import Clinic, Member


async def test_who_sees_which_appointments_with_filters_and_pages(clinic: Clinic) -> None:
    first, second = await open_practice(clinic), await open_practice(clinic)
    alice, bob = await clinic.member("patient"), await clinic.member("patient")
    desk = await clinic.member("receptionist")
    start = two_days_ahead_at(9) + timedelta(days=20)
    ids = {
        "alice-first": (await book(clinic, first, alice, start)).json()["id"],
        "bob-first": (await book(clinic, first, bob, start + timedelta(hours=1))).json()["id"],
        "bob-second": (await book(clinic, second, bob, start + timedelta(hours=3))).json()["id"],
    }
    window = {"start": iso(start), "end": iso(start + timedelta(days=1))}

    async def listed(member: Member, **params: str) -> list[str]:
        response = await clinic.client.get(API, params={**window, **params}, headers=member.headers)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await listed(alice) == [ids["alice-first"]]
    assert await listed(alice, patient_id=str(bob.id)) == []
    assert await listed(first.doctor) == [ids["alice-first"], ids["bob-first"]]
    assert await listed(second.doctor) == [ids["bob-second"]]
    assert await listed(desk, patient_id=str(bob.id)) == [ids["bob-first"], ids["bob-second"]]
    assert await listed(desk, practitioner_id=first.doctor_id, status="booked") == [
        ids["alice-first"],
        ids["bob-first"],
    ]
    page = await clinic.client.get(
        API, params={**window, "limit": 1, "offset": 1}, headers=bob.headers
    )
    body = page.json()
    assert (body["total"], [i["id"] for i in body["items"]]) == (2, [ids["bob-second"]])
    beyond = await clinic.client.get(API, params={**window, "offset": 5}, headers=bob.headers)
    assert (beyond.json()["total"], beyond.json()["items"]) == (2, [])
    too_big = await clinic.client.get(API, params={"limit": 1000}, headers=bob.headers)
    assert too_big.status_code == 422


async def test_a_window_ending_before_it_starts_is_refused_like_the_slot_search(
    clinic: Clinic,
) -> None:
    patient = await clinic.member("patient")
    start = two_days_ahead_at(9)
    for end in (start - timedelta(days=1), start):
        window = {"start": iso(start), "end": iso(end)}
        refused = await clinic.client.get(API, params=window, headers=patient.headers)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["detail"] == "end: must be after start"
    naive = {"start": "2030-01-02T09:00:00", "end": iso(start)}
    refused = await clinic.client.get(API, params=naive, headers=patient.headers)
    assert (refused.status_code, refused.json()["detail"]) == (
        422,
        "start: a UTC offset is required",
    )
