"""Opening hours as clinics write them: `HH:MM` in and out, whole minutes (`:00` seconds taken)."""

import asyncio
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from tests.plugins.appointments.helpers import (
    API,
    WAITING,
    book,
    free_slots,
    open_practice,
    send_all,
    two_days_ahead_at,
)
from tests.plugins.users.clinic import Clinic


async def test_hours_are_written_and_answered_as_hh_mm(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    doctor = practice.doctor
    hours = f"{API}/availability/{doctor.id}"
    weekly = [
        {"weekday": 0, "start": "08:30", "end": "12:00:00"},
        {"weekday": 1, "start": "13:00", "end": "23:59:59"},
    ]
    answer = await clinic.client.put(
        hours, json={"timezone": "UTC", "weekly_hours": weekly}, headers=doctor.headers
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["weekly_hours"] == [
        {"weekday": 0, "start": "08:30", "end": "12:00"},
        {"weekday": 1, "start": "13:00", "end": "23:59:59"},
    ]
    day = str((two_days_ahead_at(0) + timedelta(days=1)).date())
    extra = {"on_date": day, "kind": "extra_hours", "start": "18:00", "end": "19:30:00"}
    added = await clinic.client.post(f"{hours}/exceptions", json=extra, headers=doctor.headers)
    assert added.status_code == 201, added.text
    assert (added.json()["start"], added.json()["end"]) == ("18:00", "19:30")
    read = (await clinic.client.get(hours, headers=doctor.headers)).json()
    assert read["weekly_hours"] == answer.json()["weekly_hours"]
    assert [(e["start"], e["end"]) for e in read["exceptions"]] == [("18:00", "19:30")]

    for start, end in (("9:00", "12:00"), ("24:00", "12:00"), ("09:00", "12:60"), ("09", "12")):
        item = {"weekday": 0, "start": start, "end": end}
        refused = await clinic.client.put(
            hours, json={"timezone": "UTC", "weekly_hours": [item]}, headers=doctor.headers
        )
        assert refused.status_code == 422, (start, end, refused.text)
    for zone in ("localtime", "Factory", "Mars/Olympus"):  # the server's own zone is no IANA name
        refused = await clinic.client.put(
            hours, json={"timezone": zone, "weekly_hours": weekly}, headers=doctor.headers
        )
        assert refused.status_code == 422, (zone, refused.text)
        assert "unknown time zone" in refused.json()["detail"]


async def test_a_day_off_with_an_evening_clinic_instead_offers_the_evening(
    clinic: Clinic,
) -> None:
    practice = await open_practice(clinic)  # 08:00-18:00 every day, UTC
    doctor, patient = practice.doctor, await clinic.member("patient")
    hours = f"{API}/availability/{doctor.id}"
    day = two_days_ahead_at(0) + timedelta(days=2)
    for body in (
        {"on_date": str(day.date()), "kind": "time_off", "reason": "conference"},
        {"on_date": str(day.date()), "kind": "extra_hours", "start": "18:00", "end": "19:00"},
    ):
        added = await clinic.client.post(f"{hours}/exceptions", json=body, headers=doctor.headers)
        assert added.status_code == 201, added.text
    again = {"on_date": str(day.date()), "kind": "time_off", "reason": "said twice"}
    twice = await clinic.client.post(f"{hours}/exceptions", json=again, headers=doctor.headers)
    assert (twice.status_code, twice.json()["type"]) == (409, "https://hduce.dev/problems/conflict")
    assert "already recorded" in twice.json()["detail"]
    slots = await free_slots(clinic, practice, patient, day, days=1)
    assert [s["starts_at"][11:16] for s in slots] == ["18:00", "18:15", "18:30"]
    booked = await book(clinic, practice, patient, day + timedelta(hours=18))
    assert booked.status_code == 201, booked.text
    refused = await book(clinic, practice, patient, day + timedelta(hours=9))
    assert refused.status_code == 422, refused.text


async def test_the_same_exception_sent_twice_at_once_is_recorded_once(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    """Regression: a double click (the same time off posted twice at the same moment) recorded
    it twice: the check for an identical exception did not see the other request's row before
    it committed. Here the first request's row is written and committed by hand around the API's."""
    practice = await open_practice(clinic)
    doctor = practice.doctor
    hours = f"{API}/availability/{doctor.id}"
    day = (two_days_ahead_at(0) + timedelta(days=3)).date()
    body = {"on_date": str(day), "kind": "extra_hours", "start": "18:00", "end": "19:00"}
    async with raw_pool.acquire() as first, first.transaction():
        await first.execute(
            "INSERT INTO availability_exception (id, practitioner, on_date, kind, start_time, "
            "end_time) VALUES ($1, $2, $3, 'extra_hours', '18:00', '19:00')",
            uuid.uuid4(),
            doctor.id,
            day,
        )
        call = ("POST", f"{hours}/exceptions", body, doctor.headers)
        second = asyncio.ensure_future(clinic.in_app(send_all, clinic.client.app, [call]))
        async with asyncio.timeout(10):  # the second request waits for the first one's row
            while not second.done() and not await raw_pool.fetchval(WAITING):
                await asyncio.sleep(0.05)
    [(status, answer)] = await second
    assert status == 409, answer
    assert "already recorded" in answer["detail"]
    read = await clinic.client.get(hours, headers=doctor.headers)
    assert [e["on_date"] for e in read.json()["exceptions"]] == [str(day)]


async def test_time_off_is_dated_from_the_practitioners_today_to_the_exceptions_horizon(
    clinic: Clinic,
) -> None:
    zone = "Etc/GMT-14"  # UTC+14: its today is often UTC's tomorrow
    practice = await open_practice(clinic, timezone=zone)
    hours = f"{API}/availability/{practice.doctor.id}/exceptions"
    today = datetime.now(ZoneInfo(zone)).date()
    last = today + timedelta(days=730)  # `exception_horizon`'s default, beyond the test's horizon
    for on_date in ("0001-01-01", "9999-12-31", today - timedelta(days=1), last + timedelta(1)):
        off = {"on_date": str(on_date), "kind": "time_off"}
        refused = await clinic.client.post(hours, json=off, headers=practice.admin.headers)
        assert refused.status_code == 422, (on_date, refused.text)
        assert refused.json()["errors"] == [
            {
                "message": f"from {today} (today in {zone}) to {last}",
                "key": "on_date",
                "source": "body",
            }
        ], on_date
    for on_date in (today, last):
        off = {"on_date": str(on_date), "kind": "time_off"}
        added = await clinic.client.post(hours, json=off, headers=practice.admin.headers)
        assert added.status_code == 201, (on_date, added.text)


async def test_hours_are_whole_minutes_and_a_refusal_names_the_time(clinic: Clinic) -> None:
    # Seen: "09:00:30" gave visits at 09:00:30 whose mail said 09:00; a reversed row's key read
    # "weekly_hours[].end` - at `$.weekly_hours[0]".
    practice = await open_practice(clinic)
    doctor = practice.doctor
    hours = f"{API}/availability/{doctor.id}"
    for row, key in (
        ({"weekday": 1, "start": "09:00:30", "end": "10:00"}, "weekly_hours[1].start"),
        ({"weekday": 1, "start": "09:00", "end": "10:00:30"}, "weekly_hours[1].end"),
        ({"weekday": 1, "start": "10:00", "end": "09:00"}, "weekly_hours[1].end"),
    ):
        first = {"weekday": 0, "start": "08:00", "end": "12:00"}
        body = {"timezone": "UTC", "weekly_hours": [first, row]}
        refused = await clinic.client.put(hours, json=body, headers=doctor.headers)
        assert refused.status_code == 422, refused.text
        (error,) = refused.json()["errors"]
        assert (error["key"], error["source"]) == (key, "body"), error
        assert "`" not in error["message"] and "regex" not in error["message"], error
    day = str((two_days_ahead_at(0) + timedelta(days=1)).date())
    for start, end, key in (("10:07:30", "10:13", "start"), ("10:07", "10:13:30", "end")):
        body = {"on_date": day, "kind": "time_off", "start": start, "end": end}
        refused = await clinic.client.post(f"{hours}/exceptions", json=body, headers=doctor.headers)
        assert refused.status_code == 422, refused.text
        (error,) = refused.json()["errors"]
        assert error["key"] == key and "whole minutes" in error["message"], error
