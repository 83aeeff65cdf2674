"""Clinic analytics over the real app: appointments, accounts and deliveries for a period."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from hduce.core.config import Settings
from tests.plugins.appointments.helpers import (
    API,
    Practice,
    appointment_settings,
    book,
    iso,
    open_practice,
)
from tests.plugins.users.clinic import Clinic, Member, running_clinic
from tests.plugins.web.helpers import PASSWORD, person
from tests.support.analytics import ANALYTICS, analytics_sections, this_hour


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """The app with identity, notifications and appointments; no global rate limit."""
    server = msgspec.structs.replace(settings.server, rate_limit_per_minute=100_000)
    configured = appointment_settings(
        msgspec.structs.replace(settings, server=server), notifications={}
    )
    async with running_clinic(configured) as running:
        yield running


def far_day() -> datetime:
    """Midnight UTC of a day no other test books on."""
    day = datetime.now(UTC).date() + timedelta(days=301)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


async def test_a_day_of_appointments_in_figures(clinic: Clinic) -> None:
    practice = await open_practice(clinic)  # 30-minute visits, 08:00-18:00 every day
    admin = practice.admin
    await clinic.member("receptionist")  # staff per role: not left to other tests' accounts
    recent = this_hour()
    before = await analytics_sections(clinic, admin, *recent)
    patients = [await clinic.member("patient") for _ in range(3)]
    day = far_day()
    ids = []
    for hour, patient in zip((9, 10, 11), patients, strict=True):
        response = await book(clinic, practice, patient, day + timedelta(hours=hour))
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    cancelled = await clinic.client.post(
        f"{API}/{ids[0]}/cancel", json={"reason": "away"}, headers=practice.admin.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    # As if the visit had taken place: check-in waits for its day, 301 days ahead.
    await clinic.execute("UPDATE appointment SET status = 'completed' WHERE id = $1::uuid", ids[1])

    period = {"start": iso(day), "end": iso(day + timedelta(days=1))}
    response = await clinic.client.get(ANALYTICS, params=period, headers=practice.admin.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["start"], body["end"]) == (iso(day), iso(day + timedelta(days=1)))
    figures = body["sections"]["appointments"]
    assert figures["total"] == 3
    assert figures["by_status"] == {"booked": 1, "cancelled": 1, "completed": 1}
    assert figures["cancellation_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert figures["no_show_rate"] == 0.0
    assert figures["median_lead_time_hours"] == pytest.approx(301 * 24, rel=0.01)
    (load,) = [p for p in figures["practitioners"] if p["practitioner_id"] == practice.doctor_id]
    assert load == {
        "practitioner_id": practice.doctor_id,
        "appointments": 2,
        "booked_minutes": 60,
        "open_minutes": 600,
        "utilization": 0.1,
    }

    after = await analytics_sections(clinic, admin, *recent)
    accounts = after["accounts"]
    assert accounts["new_patients"] - before["accounts"]["new_patients"] == 3
    assert accounts["active_patients"] - before["accounts"]["active_patients"] == 3
    assert accounts["active_staff"]["receptionist"] >= 1
    in_app = [
        sum(s["notifications"]["by_channel"].get("in_app", {}).values()) for s in (before, after)
    ]
    assert in_app[1] - in_app[0] == 4  # three bookings, one cancellation


async def practitioner_load(
    clinic: Clinic, practice: Practice, start: datetime, end: datetime
) -> dict[str, Any]:
    """The practice doctor's load for `[start, end)`, without their id."""
    sections = await analytics_sections(clinic, practice.admin, start, end)
    loads = sections["appointments"]["practitioners"]
    (load,) = [p for p in loads if p.pop("practitioner_id") == practice.doctor_id]
    return load


async def test_a_load_counts_only_the_minutes_inside_the_period(clinic: Clinic) -> None:
    practice = await open_practice(clinic)  # 30-minute visits, 08:00-18:00 every day
    day = far_day()
    for start in (day + timedelta(hours=9), day + timedelta(hours=9, minutes=30)):
        response = await book(clinic, practice, await clinic.member("patient"), start)
        assert response.status_code == 201, response.text

    # 09:15-10:00: a quarter of the first visit, all of the second, 45 of the 600 open minutes.
    straddling = day + timedelta(hours=9, minutes=15), day + timedelta(hours=10)
    assert await practitioner_load(clinic, practice, *straddling) == {
        "appointments": 2,
        "booked_minutes": 45,
        "open_minutes": 45,
        "utilization": 1.0,
    }
    one_hour = day + timedelta(hours=12), day + timedelta(hours=13)
    assert await practitioner_load(clinic, practice, *one_hour) == {
        "appointments": 0,
        "booked_minutes": 0,
        "open_minutes": 60,
        "utilization": 0.0,
    }
    # From 13:00 to 13:00 the next day: the afternoon of one opening and the morning of the next.
    across_days = day + timedelta(hours=13), day + timedelta(days=1, hours=13)
    load = await practitioner_load(clinic, practice, *across_days)
    assert (load["open_minutes"], load["booked_minutes"]) == (600, 0)


async def test_a_start_alone_runs_to_an_end_after_it(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    ahead = timedelta(days=30)
    later = far_day()  # beyond the default end, now + 30 days
    response = await clinic.client.get(
        ANALYTICS, params={"start": iso(later)}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert datetime.fromisoformat(body["start"]) == later
    assert datetime.fromisoformat(body["end"]) == later + ahead

    before = datetime.now(UTC)
    earlier = before - timedelta(days=60)
    response = await clinic.client.get(
        ANALYTICS, params={"start": iso(earlier)}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    end = datetime.fromisoformat(response.json()["end"])
    assert before + ahead <= end <= datetime.now(UTC) + ahead, "up to the default end"


async def test_the_default_period_is_the_last_and_the_next_30_days(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    before = datetime.now(UTC)
    body = (await clinic.client.get(ANALYTICS, headers=admin.headers)).json()
    start, end = datetime.fromisoformat(body["start"]), datetime.fromisoformat(body["end"])
    ahead = timedelta(days=30)
    assert before + ahead <= end <= datetime.now(UTC) + ahead, "upcoming visits are counted"
    assert end - start == timedelta(days=60)
    assert set(body["sections"]) == {"accounts", "appointments", "notifications"}


async def test_dates_are_whole_days_in_utc(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    params = {"start": "2026-12-01", "end": "2026-12-08"}
    response = await clinic.client.get(ANALYTICS, params=params, headers=admin.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    start, end = datetime.fromisoformat(body["start"]), datetime.fromisoformat(body["end"])
    assert (start, end) == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 8, tzinfo=UTC))
    only_start = await clinic.client.get(
        ANALYTICS, params={"start": "2026-12-01"}, headers=admin.headers
    )
    assert only_start.status_code == 200, only_start.text


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"start": "2026-12-02T00:00:00Z", "end": "2026-12-01T00:00:00Z"}, "end must be after"),
        ({"start": "2026-12-01T00:00:00"}, "start: a UTC offset is required"),
        ({"start": "2020-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, "366 days"),
        ({"start": "yesterday"}, "start"),
        ({"end": "2026-13-01"}, "end"),
        ({"start": "0001-01-01T00:00:00+14:00", "end": "0001-01-02"}, "start: "),
        ({"end": "9999-12-31T23:59:59-12:00"}, "end: "),
        ({"end": "0001-01-01T00:00:00Z"}, "end: "),
        ({"start": "9999-12-31"}, "start: "),
    ],
)
async def test_a_bad_period_is_a_clear_422(
    clinic: Clinic, params: dict[str, str], detail: str
) -> None:
    admin = await clinic.member("admin")
    response = await clinic.client.get(ANALYTICS, params=params, headers=admin.headers)
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert detail in response.text
    if detail.endswith(": "):  # a parameter's own fault: named in `errors` too
        (error,) = response.json()["errors"]
        assert (error["key"], error["source"]) == (detail[:-2], "query")


async def database_now(clinic: Clinic) -> datetime:
    """The database's clock (sign-ins are stamped by it)."""
    (row,) = await clinic.fetch("SELECT clock_timestamp() AS now")
    now: datetime = row["now"]
    return now


async def log_in(clinic: Clinic, member: Member) -> dict[str, Any]:
    """Sign in with the member's password; the token pair."""
    body = {"login": member.email, "password": PASSWORD}
    response = await clinic.client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


async def test_signed_in_counts_every_account_that_signed_in_during_the_period(
    clinic: Clinic,
) -> None:
    admin = await clinic.member("admin")
    again, once = await person(clinic, "patient"), await person(clinic, "patient")
    start = await database_now(clinic)
    await log_in(clinic, again)
    tokens = await log_in(clinic, once)
    end = await database_now(clinic)
    await log_in(clinic, again)  # a later sign-in does not take the first out of the period
    refreshed = await clinic.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text  # a refresh is no sign-in
    after = await database_now(clinic)

    during = await analytics_sections(clinic, admin, start, end)
    assert during["accounts"]["signed_in"] == 2
    since = await analytics_sections(clinic, admin, end, after)
    assert since["accounts"]["signed_in"] == 1
