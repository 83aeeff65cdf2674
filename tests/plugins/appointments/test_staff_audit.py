"""Staff changes to appointments and schedules are in the audit log; a patient's own are not."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.plugins.appointments.helpers import (
    API,
    AS_IF_TODAY,
    book,
    entry_of,
    join_waitlist,
    open_practice,
    two_days_ahead_at,
)
from tests.plugins.users.clinic import Clinic, Member

AUDIT = "/api/v1/audit"
STARTED_AN_HOUR_AGO = (
    "UPDATE appointment SET starts_at = now() - interval '1 hour', "
    "ends_at = now() - interval '30 minutes', blocked_from = now() - interval '1 hour', "
    "blocked_until = now() - interval '30 minutes' WHERE id = $1::uuid"
)


async def audited(clinic: Clinic, admin: Member, **filters: Any) -> list[dict[str, Any]]:
    """The audit events an admin reads through the API with `filters`, oldest first."""
    params = {"limit": 500, **{key: str(value) for key, value in filters.items()}}
    response = await clinic.client.get(AUDIT, params=params, headers=admin.headers)
    assert response.status_code == 200, response.text
    return list(reversed(response.json()["items"]))


def entries(events: list[dict[str, Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    """(action, actor, detail) of the appointments plugin's events."""
    return [
        (event["action"], event["actor_id"], event["detail"])
        for event in events
        if event["action"].startswith("appointments.")
    ]


async def post(clinic: Clinic, member: Member, path: str, body: Any = None) -> dict[str, Any]:
    """POST as `member`; the answer must be 2xx."""
    response = await clinic.client.post(f"{API}/{path}", json=body, headers=member.headers)
    assert response.is_success, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_staff_changes_to_a_patients_appointments_are_audited(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    admin, doctor = practice.admin, practice.doctor
    patient, desk = await clinic.member("patient"), await clinic.member("receptionist")

    seen = (await book(clinic, practice, desk, two_days_ahead_at(9), patient)).json()["id"]
    await post(clinic, desk, f"{seen}/reschedule", {"starts_at": two_days_ahead_at(10).isoformat()})
    await clinic.execute(AS_IF_TODAY, seen)
    await post(clinic, desk, f"{seen}/check-in")
    await post(clinic, doctor, f"{seen}/start")
    await post(clinic, doctor, f"{seen}/complete")
    called_off = (await book(clinic, practice, desk, two_days_ahead_at(11), patient)).json()["id"]
    await post(clinic, desk, f"{called_off}/cancel", {"reason": "chest pain, sees a cardiologist"})
    missed = (await book(clinic, practice, desk, two_days_ahead_at(12), patient)).json()["id"]
    await clinic.execute(STARTED_AN_HOUR_AGO, missed)
    await post(clinic, admin, f"{missed}/no-show")
    own = (await book(clinic, practice, patient, two_days_ahead_at(13))).json()["id"]
    await post(
        clinic, patient, f"{own}/reschedule", {"starts_at": two_days_ahead_at(14).isoformat()}
    )
    await post(clinic, patient, f"{own}/cancel", {"reason": "better"})

    events = await audited(clinic, admin, subject_id=patient.id)
    by = {desk.id: "desk", doctor.id: "doctor", admin.id: "admin"}
    names = {seen: "seen", called_off: "called_off", missed: "missed"}
    assert [
        (action, by[uuid.UUID(actor)], names[detail["appointment_id"]])
        for action, actor, detail in entries(events)
    ] == [
        ("appointments.booked", "desk", "seen"),
        ("appointments.rescheduled", "desk", "seen"),
        ("appointments.checked_in", "desk", "seen"),
        ("appointments.in_progress", "doctor", "seen"),
        ("appointments.completed", "doctor", "seen"),
        ("appointments.booked", "desk", "called_off"),
        ("appointments.cancelled", "desk", "called_off"),
        ("appointments.booked", "desk", "missed"),
        ("appointments.no_show", "admin", "missed"),
    ]  # the patient's own booking, move and cancellation are not staff access
    assert {event["ip"] for event in events} == {"testclient"}
    cancelled = await audited(clinic, admin, action="appointments.cancelled", actor_id=desk.id)
    assert [(e["subject_id"], e["detail"]) for e in cancelled] == [
        (str(patient.id), {"appointment_id": called_off})  # never the reason's free text
    ]
    verified = await clinic.client.get(f"{AUDIT}/verify", headers=admin.headers)
    assert verified.json()["ok"] is True, verified.text


async def test_the_desk_claiming_a_waitlist_offer_for_a_patient_is_audited(
    clinic: Clinic,
) -> None:
    start, practice = two_days_ahead_at(15), await open_practice(clinic)
    holder, waiting = await clinic.member("patient"), await clinic.member("patient")
    desk = await clinic.member("receptionist")
    freed = (await book(clinic, practice, holder, start)).json()["id"]
    await join_waitlist(clinic, practice, waiting, start.date())
    await post(clinic, holder, f"{freed}/cancel", {"reason": "away"})
    offered = await entry_of(clinic, waiting)
    claimed = await post(clinic, desk, f"waitlist/{offered['id']}/claim")

    events = entries(await audited(clinic, practice.admin, subject_id=waiting.id))
    assert events == [("appointments.booked", str(desk.id), {"appointment_id": claimed["id"]})]


async def test_changes_to_a_practitioners_hours_and_time_off_are_audited(clinic: Clinic) -> None:
    practice = await open_practice(clinic)  # the doctor sets their own weekly hours
    admin, doctor = practice.admin, practice.doctor
    hours = f"{API}/availability/{doctor.id}"
    day = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()
    off = {"on_date": day, "kind": "time_off", "reason": "surgery"}
    added = await clinic.client.post(f"{hours}/exceptions", json=off, headers=admin.headers)
    assert added.status_code == 201, added.text
    exception_id = added.json()["id"]
    removed = await clinic.client.delete(
        f"{hours}/exceptions/{exception_id}", headers=admin.headers
    )
    assert removed.status_code == 204, removed.text

    events = entries(await audited(clinic, admin, subject_id=doctor.id))
    assert events == [
        ("appointments.hours_set", str(doctor.id), {"timezone": "UTC"}),
        (
            "appointments.exception_added",
            str(admin.id),
            {"exception_id": exception_id, "on_date": day, "kind": "time_off"},
        ),
        ("appointments.exception_removed", str(admin.id), {"exception_id": exception_id}),
    ]  # the reason is free text staff may write personal details in: never audited
    verified = await clinic.client.get(f"{AUDIT}/verify", headers=admin.headers)
    assert verified.json()["ok"] is True, verified.text
