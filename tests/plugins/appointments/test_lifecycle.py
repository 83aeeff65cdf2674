"""The lifecycle through the API: confirm, check in, start, complete, cancel, reschedule, notes."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.plugins.appointments.helpers import (
    API,
    AROUND_THE_CLOCK,
    AS_IF_TODAY,
    DOCTOR_NAME,
    book,
    bring_forward,
    events_named,
    eventually,
    free_slots,
    hours_ahead,
    iso,
    open_practice,
    pending_events,
    two_days_ahead_at,
)
from tests.plugins.appointments.notices import (
    SENT,
    Notice,
    confirm_token,
    local_time,
    next_notice,
    notices,
)
from tests.plugins.users.clinic import Clinic

REMINDER = "appointments.reminder_due"
VISIT_STEPS = (  # route, by the front desk (else the doctor), status reached, in words
    ("check-in", True, "checked_in", "checked in"),
    ("start", False, "in_progress", "started"),
    ("complete", False, "completed", "completed"),
)


async def test_booked_to_completed_with_events_and_no_pending_reminders(clinic: Clinic) -> None:
    practice = await open_practice(clinic, timezone="Europe/Paris")
    patient, desk = await clinic.member("patient"), await clinic.member("receptionist")
    start = two_days_ahead_at(11) + timedelta(days=2)
    booked = await book(clinic, practice, desk, start, patient=patient)
    assert booked.status_code == 201, booked.text
    appointment_id = booked.json()["id"]
    due = [name for name, _ in await pending_events(clinic, appointment_id)]
    assert due == [REMINDER, REMINDER, "appointments.no_show_due"]
    (told,) = await notices(clinic, "appointment_booked", patient)
    assert told.category == "appointments"
    when = local_time(start, "Europe/Paris")
    assert told.subject == f"Appointment booked: {when} with {DOCTOR_NAME}"

    await bring_forward(clinic, appointment_id, REMINDER)
    reminder = await next_notice(clinic, "appointment_reminder", patient)
    assert when in reminder.text
    token = confirm_token(reminder.text, appointment_id)
    confirm = f"{API}/{appointment_id}/confirm"
    confirmed = await clinic.client.post(confirm, json={"token": token})
    assert (confirmed.json()["status"], confirmed.json()["already_confirmed"]) == (
        "confirmed",
        False,
    )
    again = await clinic.client.post(confirm, json={"token": token})
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["already_confirmed"]) == ("confirmed", True)

    # The next reminder of a confirmed visit asks nothing, and its link still answers.
    await bring_forward(clinic, appointment_id, REMINDER)
    second = Notice(
        **await eventually(clinic, SENT + " OFFSET 1", "appointment_reminder", patient.id)
    )
    assert when in second.text and "Please confirm" not in second.text, second.text
    assert f"/appointments/{appointment_id}/confirm" not in second.text

    early = await clinic.client.post(f"{API}/{appointment_id}/check-in", headers=desk.headers)
    assert early.status_code == 409 and "too early" in early.json()["detail"], early.text
    await clinic.execute(AS_IF_TODAY, appointment_id)
    for path, by_desk, status, _ in VISIT_STEPS:
        headers = (desk if by_desk else practice.doctor).headers
        response = await clinic.client.post(f"{API}/{appointment_id}/{path}", headers=headers)
        assert (response.status_code, response.json()["status"]) == (200, status), response.text
    assert await pending_events(clinic, appointment_id) == []
    for name in ("booked", "confirmed", "checked_in", "completed"):
        assert len(await events_named(clinic, f"appointment.{name}", appointment_id)) == 1, name
    late = await clinic.client.post(f"{API}/{appointment_id}/check-in", headers=desk.headers)
    assert (late.status_code, late.json()["type"]) == (
        409,
        "https://hduce.dev/problems/invalid-transition",
    )
    assert late.json()["detail"] == "a completed appointment cannot become checked-in"


async def test_patients_cancel_only_before_the_notice_period_and_staff_any_time(
    clinic: Clinic,
) -> None:
    practice = await open_practice(clinic, hours=AROUND_THE_CLOCK)
    patient = await clinic.member("patient")
    soon = (await book(clinic, practice, patient, hours_ahead(2))).json()["id"]
    later = (await book(clinic, practice, patient, two_days_ahead_at(9) + timedelta(days=3))).json()
    reason = {"reason": "feeling better"}

    refused = await clinic.client.post(f"{API}/{soon}/cancel", json=reason, headers=patient.headers)
    assert (refused.status_code, refused.json()["type"]) == (
        409,
        "https://hduce.dev/problems/too-late-to-change",
    )
    by_staff = await clinic.client.post(
        f"{API}/{soon}/cancel", json=reason, headers=practice.doctor.headers
    )
    assert by_staff.json()["status"] == "cancelled"

    cancelled = await clinic.client.post(
        f"{API}/{later['id']}/cancel", json=reason, headers=patient.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["cancellation_reason"] == "feeling better"
    assert await pending_events(clinic, later["id"]) == []
    event = (await events_named(clinic, "appointment.cancelled", later["id"]))[0]
    assert (event["reason"], event["cancelled_by"]) == ("feeling better", str(patient.id))
    soon_notice, later_notice = await notices(clinic, "appointment_cancelled", patient)
    assert "Reason: feeling better" in soon_notice.text
    assert local_time(datetime.fromisoformat(later["starts_at"]), "UTC") in later_notice.text
    assert "Reason: feeling better" in later_notice.text
    empty = await clinic.client.post(
        f"{API}/{later['id']}/cancel", json={}, headers=patient.headers
    )
    assert (empty.status_code, empty.json()["type"]) == (
        422,
        "https://hduce.dev/problems/validation-error",
    )


async def test_reschedule_releases_the_old_slot_only_when_the_new_one_is_won(
    clinic: Clinic,
) -> None:
    practice = await open_practice(clinic)
    mine, other = await clinic.member("patient"), await clinic.member("patient")
    day = two_days_ahead_at(9) + timedelta(days=4)
    appointment = (await book(clinic, practice, mine, day)).json()
    taken = day + timedelta(hours=2)
    assert (await book(clinic, practice, other, taken)).status_code == 201

    lost = await clinic.client.post(
        f"{API}/{appointment['id']}/reschedule",
        json={"starts_at": iso(taken)},
        headers=mine.headers,
    )
    assert (lost.status_code, lost.json()["type"]) == (
        409,
        "https://hduce.dev/problems/slot-unavailable",
    )
    kept = await clinic.client.get(f"{API}/{appointment['id']}", headers=mine.headers)
    assert kept.json()["starts_at"] == appointment["starts_at"]

    new_start = day + timedelta(hours=4)
    moved = await clinic.client.post(
        f"{API}/{appointment['id']}/reschedule",
        json={"starts_at": iso(new_start)},
        headers=mine.headers,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["starts_at"] == iso(new_start)
    slots = [s["starts_at"] for s in await free_slots(clinic, practice, mine, day, days=0.2)]
    assert iso(day) in slots
    reminders = [
        at for name, at in await pending_events(clinic, appointment["id"]) if "rem" in name
    ]
    assert reminders == [new_start - timedelta(hours=24), new_start - timedelta(hours=2)]
    event = (await events_named(clinic, "appointment.rescheduled", appointment["id"]))[0]
    assert (event["previous_starts_at"], event["starts_at"]) == (iso(day), iso(new_start))
    (moved_notice,) = await notices(clinic, "appointment_rescheduled", mine)
    was, now = local_time(day, "UTC"), local_time(new_start, "UTC")
    assert f"Was: {was}\nNow: {now}" in moved_notice.text


async def test_notes_are_for_clinicians_and_their_reads_are_audited(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient, desk = await clinic.member("patient"), await clinic.member("receptionist")
    appointment_id = (await book(clinic, practice, patient, two_days_ahead_at(12))).json()["id"]
    doctor = practice.doctor
    written = await clinic.client.put(
        f"{API}/{appointment_id}/notes", json={"notes": "BP 120/80"}, headers=doctor.headers
    )
    assert written.json()["notes"] == "BP 120/80"
    read = await clinic.client.get(f"{API}/{appointment_id}", headers=doctor.headers)
    assert read.json()["notes"] == "BP 120/80"
    for member in (patient, desk):
        response = await clinic.client.get(f"{API}/{appointment_id}", headers=member.headers)
        assert response.status_code == 200 and "notes" not in response.json()
    actions = await clinic.fetch(
        "SELECT action, ip FROM audit_event WHERE actor_id = $1 AND subject_id = $2 ORDER BY id",
        doctor.id,
        patient.id,
    )
    assert [(row["action"], row["ip"]) for row in actions] == [  # with the caller's address
        ("appointments.notes_updated", "testclient"),
        ("appointments.read", "testclient"),
    ]


async def test_a_no_show_is_marked_only_after_the_start(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    appointment_id = (await book(clinic, practice, patient, two_days_ahead_at(13))).json()["id"]
    early = await clinic.client.post(
        f"{API}/{appointment_id}/no-show", headers=practice.doctor.headers
    )
    assert early.status_code == 409


async def test_a_visit_is_checked_in_started_and_completed_only_from_its_local_day(
    clinic: Clinic,
) -> None:
    zone = "America/New_York"
    practice = await open_practice(clinic, timezone=zone)
    patient, desk = await clinic.member("patient"), await clinic.member("receptionist")
    start = two_days_ahead_at(15) + timedelta(days=30)
    visit = (await book(clinic, practice, desk, start, patient=patient)).json()["id"]
    local_day = f"{start.astimezone(ZoneInfo(zone)):%a %d %b %Y} ({zone})"
    doctor = practice.doctor.headers
    for path, by_desk, _, done in VISIT_STEPS:
        early = await clinic.client.post(
            f"{API}/{visit}/{path}", headers=desk.headers if by_desk else doctor
        )
        assert early.status_code == 409, early.text
        assert early.headers["content-type"].startswith("application/problem+json")
        assert early.json()["type"] == "https://hduce.dev/problems/invalid-transition"
        assert (
            early.json()["detail"] == f"too early: a visit is {done} from its day on, {local_day}"
        )
        if path == "check-in":
            twice = await clinic.client.post(f"{API}/{visit}/complete", headers=doctor)
            assert twice.json()["detail"] == "a booked appointment cannot become completed"
        # As if checked in before this rule: starting and completing wait for the day too.
        await clinic.execute(
            "UPDATE appointment SET status = 'checked_in' WHERE id = $1::uuid", visit
        )
    rows = await clinic.fetch("SELECT status FROM appointment WHERE id = $1::uuid", visit)
    assert rows[0]["status"] == "checked_in"
    await clinic.execute("UPDATE appointment SET status = 'in_progress' WHERE id = $1::uuid", visit)
    again = await clinic.client.post(f"{API}/{visit}/check-in", headers=desk.headers)
    assert again.json()["detail"] == "an in-progress appointment cannot become checked-in"


async def test_rescheduling_to_the_same_start_changes_nothing(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient, desk = await clinic.member("patient"), await clinic.member("receptionist")
    start = two_days_ahead_at(11) + timedelta(days=1)
    appointment_id = (await book(clinic, practice, patient, start)).json()["id"]
    await bring_forward(clinic, appointment_id, REMINDER)
    reminder = await next_notice(clinic, "appointment_reminder", patient)
    token = confirm_token(reminder.text, appointment_id)
    confirmed = await clinic.client.post(f"{API}/{appointment_id}/confirm", json={"token": token})
    assert confirmed.json()["status"] == "confirmed", confirmed.text
    before = (await clinic.client.get(f"{API}/{appointment_id}", headers=desk.headers)).json()

    for body in (
        {"starts_at": iso(start)},
        {"starts_at": iso(start), "practitioner_id": practice.doctor_id},
    ):
        same = await clinic.client.post(
            f"{API}/{appointment_id}/reschedule", json=body, headers=desk.headers
        )
        assert same.status_code == 200, same.text
        assert same.json() == before
    assert await events_named(clinic, "appointment.rescheduled", appointment_id) == []
    assert await notices(clinic, "appointment_rescheduled", patient) == []
