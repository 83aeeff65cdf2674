"""Scheduled work through the real outbox relay and task worker: reminders, no-shows, holds."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.plugins.appointments.helpers import (
    API,
    AROUND_THE_CLOCK,
    book,
    entry_of,
    eventually,
    join_waitlist,
    open_practice,
    pending_events,
    two_days_ahead_at,
    zone_where_it_is,
)
from tests.plugins.appointments.notices import confirm_token, next_notice, notices
from tests.plugins.users.clinic import Clinic


@pytest.fixture(scope="module")
def appointments_config() -> dict[str, Any]:
    """Seconds instead of hours, so scheduled work falls due during the test."""
    return {
        "reminder_offsets": ["2s"],
        "no_show_grace": "1s",
        "waitlist_hold": "1s",
        "patient_cancel_notice": "0s",
        "slot_interval": "1s",
    }


async def test_reminder_at_its_time_and_no_show_after_grace_cancelled_sends_nothing(
    clinic: Clinic,
) -> None:
    practice = await open_practice(clinic, hours=AROUND_THE_CLOCK, timezone=zone_where_it_is(12))
    kept, cancelled = await clinic.member("patient"), await clinic.member("patient")
    start = (datetime.now(UTC) + timedelta(seconds=4)).replace(microsecond=0)
    first = (await book(clinic, practice, kept, start)).json()
    other = (await book(clinic, practice, cancelled, start + timedelta(minutes=30))).json()
    response = await clinic.client.post(
        f"{API}/{other['id']}/cancel", json={"reason": "clash"}, headers=cancelled.headers
    )
    assert response.status_code == 200
    assert await pending_events(clinic, other["id"]) == []

    reminder = await next_notice(clinic, "appointment_reminder", kept)
    assert reminder.created_at >= start - timedelta(seconds=2)
    assert confirm_token(reminder.text, first["id"])
    no_show = await eventually(
        clinic,
        "SELECT updated_at FROM appointment WHERE id = $1 AND status = 'no_show'",
        first["id"],
    )
    assert no_show["updated_at"] >= start + timedelta(seconds=1)
    assert await notices(clinic, "appointment_reminder", cancelled) == []
    events = await clinic.fetch(
        "SELECT payload->>'marked_by' AS by FROM outbox WHERE name = 'appointment.no_show' "
        "AND payload->>'appointment_id' = $1",
        first["id"],
    )
    assert [row["by"] for row in events] == [None]


async def test_an_unclaimed_hold_lapses_and_passes_to_the_next_patient(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    holder, first, second = [await clinic.member("patient") for _ in range(3)]
    booked = (await book(clinic, practice, holder, two_days_ahead_at(10))).json()
    for patient in (first, second):
        await join_waitlist(clinic, practice, patient, two_days_ahead_at(10).date())
    cancel = await clinic.client.post(
        f"{API}/{booked['id']}/cancel", json={"reason": "away"}, headers=holder.headers
    )
    assert cancel.status_code == 200
    offered = await entry_of(clinic, first)
    assert offered["status"] == "offered"

    await eventually(
        clinic,
        "SELECT 1 FROM waitlist_entry WHERE patient = $1 AND status = 'offered'",
        second.id,
    )
    assert (await entry_of(clinic, first))["status"] == "lapsed"
    late = await clinic.client.post(f"{API}/waitlist/{offered['id']}/claim", headers=first.headers)
    assert (late.status_code, late.json()["type"]) == (
        409,
        "https://hduce.dev/problems/invalid-transition",
    )
    assert len(await notices(clinic, "waitlist_offer", second)) == 1
