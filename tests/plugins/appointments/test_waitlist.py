"""The waitlist with a long hold: offers on cancellation and rescheduling, leaving, claiming."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.plugins.appointments.helpers import (
    API,
    DOCTOR_NAME,
    Practice,
    ask_to_wait,
    book,
    entry_of,
    eventually,
    iso,
    join_waitlist,
    open_practice,
    two_days_ahead_at,
)
from tests.plugins.appointments.notices import claimed_entry, local_time, notices
from tests.plugins.users.clinic import Clinic, Member


async def test_cancellation_offers_the_slot_and_leaving_passes_it_on_to_the_next(
    clinic: Clinic,
) -> None:
    practice = await open_practice(clinic)
    holder, first, second, outsider = [await clinic.member("patient") for _ in range(4)]
    start = two_days_ahead_at(10)
    booked = (await book(clinic, practice, holder, start)).json()
    for patient in (first, second):
        await join_waitlist(clinic, practice, patient, start.date())

    cancel = await clinic.client.post(
        f"{API}/{booked['id']}/cancel", json={"reason": "away"}, headers=holder.headers
    )
    assert cancel.status_code == 200
    offered = await entry_of(clinic, first)
    assert (offered["status"], (await entry_of(clinic, second))["status"]) == (
        "offered",
        "waiting",
    )
    (offer,) = await notices(clinic, "waitlist_offer", first)
    assert offer.subject == f"A slot opened up: {local_time(start, 'UTC')} with {DOCTOR_NAME}"
    assert claimed_entry(offer.text) == offered["id"]
    hold = local_time(datetime.fromisoformat(offered["offer_expires_at"]), "UTC")
    assert f"holding it for you until {hold}" in offer.text
    assert (await book(clinic, practice, outsider, start)).status_code == 409

    left = await clinic.client.delete(f"{API}/waitlist/{offered['id']}", headers=first.headers)
    assert left.status_code == 204
    assert (await entry_of(clinic, second))["status"] == "offered"
    (handed_over,) = await notices(clinic, "waitlist_offer", second)
    claim = f"{API}/waitlist/{claimed_entry(handed_over.text)}/claim"
    claimed = await clinic.client.post(claim, headers=second.headers)
    assert claimed.status_code == 200, claimed.text
    assert (claimed.json()["status"], claimed.json()["starts_at"]) == ("booked", iso(start))
    assert (await entry_of(clinic, second))["status"] == "booked"
    assert len(await notices(clinic, "appointment_booked", second)) == 1
    again = await clinic.client.post(claim, headers=second.headers)
    assert again.status_code == 409


async def test_rescheduling_offers_the_old_slot(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    mover, waiting = await clinic.member("patient"), await clinic.member("patient")
    start = two_days_ahead_at(14) + timedelta(days=2)
    booked = (await book(clinic, practice, mover, start)).json()
    await join_waitlist(clinic, practice, waiting, start.date())
    moved = await clinic.client.post(
        f"{API}/{booked['id']}/reschedule",
        json={"starts_at": iso(start + timedelta(hours=1))},
        headers=mover.headers,
    )
    assert moved.status_code == 200, moved.text
    entry = await entry_of(clinic, waiting)
    assert entry["status"] == "offered"
    held = await clinic.client.get(
        f"{API}/{entry['offered_appointment_id']}", headers=waiting.headers
    )
    assert (held.json()["status"], held.json()["starts_at"]) == ("held", iso(start))


async def test_a_range_that_has_ended_is_refused(clinic: Clinic) -> None:
    # The practitioner's today: in Kiritimati (UTC+14) yesterday in UTC may not have ended yet.
    practice = await open_practice(clinic, timezone="Pacific/Kiritimati")
    patient = await clinic.member("patient")
    today = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    for day, expected in ((today - timedelta(days=1), 422), (today, 201)):
        joined = await ask_to_wait(clinic, practice, patient, date(2020, 1, 1), day)
        assert joined.status_code == expected, joined.text
        if expected == 422:
            assert "has already ended" in joined.json()["detail"]


async def test_the_same_wait_twice_is_a_conflict_naming_the_first_entry(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    day = two_days_ahead_at(10).date()
    await join_waitlist(clinic, practice, patient, day)
    first = await entry_of(clinic, patient)
    again = await ask_to_wait(clinic, practice, patient, day, day)
    assert again.status_code == 409, again.text
    assert again.json()["type"].endswith("/already-waiting")
    assert first["id"] in again.json()["detail"]
    left = await clinic.client.delete(f"{API}/waitlist/{first['id']}", headers=patient.headers)
    assert left.status_code == 204, left.text
    await join_waitlist(clinic, practice, patient, day)  # once left, joining again is fine


async def test_a_slot_freed_on_a_day_since_taken_off_is_offered_to_no_one(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    holder, waiting = await clinic.member("patient"), await clinic.member("patient")
    desk = await clinic.member("receptionist")
    start = two_days_ahead_at(10) + timedelta(days=3)
    booked = (await book(clinic, practice, holder, start)).json()
    day_off = {"on_date": str(start.date()), "kind": "time_off", "reason": "conference"}
    hours = f"{API}/availability/{practice.doctor_id}/exceptions"
    added = await clinic.client.post(hours, json=day_off, headers=practice.doctor.headers)
    assert added.status_code == 201, added.text
    await join_waitlist(clinic, practice, waiting, start.date())

    cancel = await clinic.client.post(
        f"{API}/{booked['id']}/cancel", json={"reason": "doctor away"}, headers=desk.headers
    )
    assert cancel.status_code == 200, cancel.text
    entry = await entry_of(clinic, waiting)
    assert (entry["status"], entry["offered_appointment_id"]) == ("waiting", None)
    assert await notices(clinic, "waitlist_offer", waiting) == []


async def offer_freed_slot(clinic: Clinic, practice: Practice, waiting: list[Member]) -> datetime:
    """Book a visit, put `waiting` on the waitlist for its day in turn, cancel it: its start."""
    start = two_days_ahead_at(11) + timedelta(days=4)
    holder = await clinic.member("patient")
    booked = (await book(clinic, practice, holder, start)).json()
    for patient in waiting:
        await join_waitlist(clinic, practice, patient, start.date())
    cancel = await clinic.client.post(
        f"{API}/{booked['id']}/cancel", json={"reason": "away"}, headers=holder.headers
    )
    assert cancel.status_code == 200, cancel.text
    return start


async def deactivate(clinic: Clinic, practice: Practice, member: Member) -> None:
    """An admin deactivates `member`'s account."""
    users = f"/api/v1/users/{member.id}/deactivate"
    left = await clinic.client.post(users, headers=practice.admin.headers)
    assert left.status_code == 200, left.text


async def test_an_offer_whose_slot_is_no_longer_offered_cannot_be_claimed(clinic: Clinic) -> None:
    practice, patient = await open_practice(clinic), await clinic.member("patient")
    start = await offer_freed_slot(clinic, practice, [patient])
    offered = await entry_of(clinic, patient)
    assert offered["status"] == "offered"
    day_off = {"on_date": str(start.date()), "kind": "time_off", "reason": "ill"}
    hours = f"{API}/availability/{practice.doctor_id}/exceptions"
    added = await clinic.client.post(hours, json=day_off, headers=practice.doctor.headers)
    assert added.status_code == 201, added.text
    claim = f"{API}/waitlist/{offered['id']}/claim"
    refused = await clinic.client.post(claim, headers=patient.headers)
    assert (refused.status_code, refused.json()["type"]) == (
        422,
        "https://hduce.dev/problems/slot-not-offered",
    )
    assert (await entry_of(clinic, patient))["status"] == "offered"


async def test_a_deactivated_practitioners_offers_are_withdrawn_and_cannot_be_claimed(
    clinic: Clinic,
) -> None:
    practice, patient = await open_practice(clinic), await clinic.member("patient")
    await offer_freed_slot(clinic, practice, [patient])
    offered = await entry_of(clinic, patient)
    await deactivate(clinic, practice, practice.doctor)
    claim = f"{API}/waitlist/{offered['id']}/claim"
    refused = await clinic.client.post(claim, headers=patient.headers)
    assert refused.status_code in (409, 422), refused.text  # withdrawn already, or not offered
    await eventually(
        clinic,
        "SELECT 1 FROM waitlist_entry WHERE id = $1 AND status = 'waiting' "
        "AND offered_appointment IS NULL AND offer_expires_at IS NULL",
        offered["id"],
    )
    held = "SELECT 1 FROM appointment WHERE practitioner = $1 AND status = 'held'"
    assert await clinic.fetch(held, practice.doctor.id) == []


async def test_a_deactivated_patient_is_passed_over_and_their_offer_passed_on(
    clinic: Clinic,
) -> None:
    practice = await open_practice(clinic)
    gone, holding, next_one = [await clinic.member("patient") for _ in range(3)]
    day = two_days_ahead_at(11).date() + timedelta(days=4)
    await join_waitlist(clinic, practice, gone, day)
    await deactivate(clinic, practice, gone)
    await offer_freed_slot(clinic, practice, [holding, next_one])
    assert await statuses(clinic, gone) == ["waiting"]
    assert await notices(clinic, "waitlist_offer", gone) == []
    assert (await entry_of(clinic, holding))["status"] == "offered"

    await deactivate(clinic, practice, holding)
    await eventually(
        clinic,
        "SELECT 1 FROM waitlist_entry WHERE patient = $1 AND status = 'offered'",
        next_one.id,
    )
    assert await statuses(clinic, holding) == ["waiting"]


async def statuses(clinic: Clinic, patient: Member) -> list[str]:
    """The statuses of a patient's waitlist entries (read in the database: they cannot log in)."""
    rows = await clinic.fetch("SELECT status FROM waitlist_entry WHERE patient = $1", patient.id)
    return [row["status"] for row in rows]
