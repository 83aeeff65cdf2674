"""Free-slot search through the API: local time across DST, exceptions, buffers, bad input."""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.plugins.appointments.helpers import (
    API,
    book,
    free_slots,
    iso,
    open_practice,
    two_days_ahead_at,
)
from tests.plugins.users.clinic import Clinic

PARIS = ZoneInfo("Europe/Paris")
MORNINGS = [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(7)]


def next_dst_change(zone: ZoneInfo) -> date:
    """The first local date from tomorrow on whose UTC offset differs from the day before."""
    day = datetime.now(UTC).date() + timedelta(days=2)
    while True:
        before = datetime.combine(day - timedelta(days=1), time(12), zone).utcoffset()
        if datetime.combine(day, time(12), zone).utcoffset() != before:
            return day
        day += timedelta(days=1)


async def test_slots_stay_at_local_opening_hours_across_a_dst_change(clinic: Clinic) -> None:
    practice = await open_practice(clinic, timezone="Europe/Paris", hours=MORNINGS)
    patient = await clinic.member("patient")
    change = next_dst_change(PARIS)
    start = datetime.combine(change - timedelta(days=1), time(0), PARIS)
    slots = await free_slots(clinic, practice, patient, start, days=3)

    by_day: dict[date, list[str]] = defaultdict(list)
    first_in_utc: dict[date, time] = {}
    for slot in slots:
        local = datetime.fromisoformat(slot["starts_at"])
        assert local.utcoffset() == local.astimezone(PARIS).utcoffset()
        assert datetime.fromisoformat(slot["ends_at"]) - local == timedelta(minutes=30)
        by_day[local.date()].append(local.strftime("%H:%M"))
        first_in_utc.setdefault(local.date(), local.astimezone(UTC).time())
    expected = ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00"]
    expected += ["11:15", "11:30"]
    days = [change - timedelta(days=1), change, change + timedelta(days=1)]
    assert [by_day[day] for day in days] == [expected] * 3
    # Same local hours, one hour apart in UTC on either side of the change.
    assert first_in_utc[days[0]] != first_in_utc[days[2]]


async def test_time_off_extra_hours_and_buffers_shape_the_slots(clinic: Clinic) -> None:
    practice = await open_practice(clinic, hours=MORNINGS, buffer_after=10)
    doctor, patient = practice.doctor, await clinic.member("patient")
    day = two_days_ahead_at(0) + timedelta(days=1)
    exceptions = f"{API}/availability/{doctor.id}/exceptions"
    for body in (
        {"on_date": str(day.date()), "kind": "time_off", "start": "09:00", "end": "10:00"},
        {"on_date": str(day.date()), "kind": "extra_hours", "start": "14:00", "end": "15:00"},
        {"on_date": str((day + timedelta(days=1)).date()), "kind": "time_off"},
    ):
        added = await clinic.client.post(exceptions, json=body, headers=doctor.headers)
        assert added.status_code == 201, added.text
    assert (await book(clinic, practice, patient, day + timedelta(hours=10))).status_code == 201

    starts = [s["starts_at"] for s in await free_slots(clinic, practice, patient, day, days=2)]
    hours = [s[11:16] for s in starts]
    # 10:00 is booked and blocks until 10:40 with its buffer; the next day is off.
    assert hours == ["10:45", "11:00", "11:15", "11:30", "14:00", "14:15", "14:30"]
    outside = await book(clinic, practice, patient, day + timedelta(hours=9))
    assert (outside.status_code, outside.json()["type"]) == (
        422,
        "https://hduce.dev/problems/slot-not-offered",
    )
    read = await clinic.client.get(f"{API}/availability/{doctor.id}", headers=patient.headers)
    assert [e["kind"] for e in read.json()["exceptions"]] == ["time_off", "extra_hours", "time_off"]


async def test_bad_searches_and_bookings_are_problems_not_errors(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    start = two_days_ahead_at(9)
    base = {"practitioner_id": practice.doctor_id, "type_id": practice.type_id}
    for params in (
        {**base, "start": iso(start), "end": iso(start - timedelta(hours=1))},
        {**base, "start": iso(start), "end": iso(start + timedelta(days=100))},
        {**base, "start": "2030-01-01T09:00:00", "end": "2030-01-02T09:00:00"},
        {**base, "type_id": practice.doctor_id, "start": iso(start), "end": iso(start)},
        {**base, "start": "yesterday", "end": iso(start)},
    ):
        response = await clinic.client.get(f"{API}/slots", params=params, headers=patient.headers)
        assert response.status_code in (400, 422), (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    naive = await book(clinic, practice, patient, "2030-01-01T09:00:00")
    far = await book(clinic, practice, patient, datetime.now(UTC) + timedelta(days=500))
    past = await book(clinic, practice, patient, datetime.now(UTC) - timedelta(days=1))
    for response in (naive, far, past):
        assert response.status_code == 422, response.text
    bad_zone = await clinic.client.put(
        f"{API}/availability/{practice.doctor.id}",
        json={"timezone": "Mars/Olympus", "weekly_hours": []},
        headers=practice.doctor.headers,
    )
    assert bad_zone.status_code == 422
    assert "timezone" in bad_zone.json()["detail"]
