"""`_lastUpdated` (eq/ge/gt/le/lt, dates and instants) on every type with a last-updated time."""

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.plugins.appointments.helpers import Practice, book, open_practice, two_days_ahead_at
from tests.plugins.documents.helpers import extracted, uploaded
from tests.plugins.fhir.test_patients import BASE, ids, outcome
from tests.plugins.users.clinic import Clinic, Member

OLD = datetime(2020, 5, 5, 10, 0, 0, tzinfo=UTC)
"""When the 'old' rows of these tests last changed (set directly in the database)."""
TYPE_CHANGED = "UPDATE appointment_type SET updated_at = $1 WHERE id = $2::uuid"


async def found(clinic: Clinic, caller: Member, kind: str, **params: Any) -> list[str]:
    """The ids a search answers."""
    response = await clinic.client.get(f"{BASE}/{kind}", params=params, headers=caller.headers)
    assert response.status_code == 200, response.text
    return ids(response.json())


# Each prefix against OLD (2020-05-05T10:00:00Z): whether the old row matches, the new one does.
CASES = [
    ("eq2020-05-05", True, False),
    ("eq2020-05-05T10:00Z", True, False),
    ("eq2020-05-05T10:00:01Z", False, False),
    ("ge2020-05-05T10:00:00Z", True, True),
    ("gt2020-05-05T10:00:00Z", False, True),
    ("gt2020-05-05T11:00:00+02:00", True, True),
    ("le2020-05-05T10:00:00Z", True, False),
    ("lt2020-05-05T10:00:00Z", False, False),
    ("lt2021", True, False),
    ("ge2021-01", False, True),
]


@pytest.mark.parametrize(("value", "old_matches", "new_matches"), CASES)
async def test_appointments_by_last_updated(
    clinic: Clinic, value: str, old_matches: bool, new_matches: bool
) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    old = (await book(clinic, practice, patient, two_days_ahead_at(9))).json()["id"]
    new = (await book(clinic, practice, patient, two_days_ahead_at(10))).json()["id"]
    await clinic.execute("UPDATE appointment SET updated_at = $1 WHERE id = $2::uuid", OLD, old)
    await clinic.execute(TYPE_CHANGED, OLD, practice.type_id)
    expected = [i for i, keep in ((old, old_matches), (new, new_matches)) if keep]
    params = {"patient": str(patient.id), "_lastUpdated": value}
    assert await found(clinic, patient, "Appointment", **params) == expected
    read = await clinic.client.get(f"{BASE}/Appointment/{old}", headers=patient.headers)
    assert read.json()["meta"]["lastUpdated"].startswith("2020-05-05T10:00:00")


async def last_changed_long_ago(clinic: Clinic, practice: Practice) -> None:
    """Date the doctor's profile, hours and appointment type back to OLD."""
    doctor = practice.doctor.id
    await clinic.execute("UPDATE profile SET updated_at = $1 WHERE account = $2", OLD, doctor)
    await clinic.execute(
        "UPDATE practitioner_schedule SET updated_at = $1 WHERE practitioner = $2", OLD, doctor
    )
    await clinic.execute(TYPE_CHANGED, OLD, practice.type_id)


async def test_people_roles_and_schedules_by_last_updated(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    practice = await open_practice(clinic, admin=admin)
    doctor = practice.doctor.id
    patient = await clinic.member("patient")
    await clinic.execute("UPDATE profile SET updated_at = $1 WHERE account = $2", OLD, patient.id)
    await last_changed_long_ago(clinic, practice)
    for kind, ident in (
        ("Patient", patient.id),
        ("Practitioner", doctor),
        ("PractitionerRole", doctor),
        ("Schedule", doctor),
    ):
        assert await found(clinic, admin, kind, _id=str(ident), _lastUpdated="le2020-05-05") == [
            str(ident)
        ], kind
        assert await found(clinic, admin, kind, _id=str(ident), _lastUpdated="gt2020-05-05") == []
        response = await clinic.client.get(f"{BASE}/{kind}/{ident}", headers=admin.headers)
        assert response.json()["meta"]["lastUpdated"].startswith("2020-05-05T10:00:00"), kind


async def test_documents_and_audit_events_by_last_updated(clinic: Clinic) -> None:
    admin, patient = await clinic.member("admin"), await clinic.member("patient")
    before = datetime.now(UTC).isoformat()
    old = await uploaded(clinic, patient, b"An old letter.", title="Old")
    new = await uploaded(clinic, patient, b"A new letter.", title="New")
    await extracted(clinic, old["id"])  # its end stamps `updated_at`: back-date after it
    await clinic.execute("UPDATE document SET updated_at = $1 WHERE id = $2::uuid", OLD, old["id"])
    params = {"patient": str(patient.id)}
    assert await found(clinic, patient, "DocumentReference", _lastUpdated="lt2021", **params) == [
        old["id"]
    ]
    assert await found(clinic, patient, "DocumentReference", _lastUpdated="ge2021", **params) == [
        new["id"]
    ]

    read = await clinic.client.get(f"{BASE}/Patient/{patient.id}", headers=admin.headers)
    assert read.status_code == 200
    since = await found(
        clinic, admin, "AuditEvent", entity=str(patient.id), _lastUpdated=f"ge{before}"
    )
    assert len(since) >= 1
    assert (
        await found(clinic, admin, "AuditEvent", entity=str(patient.id), _lastUpdated=f"lt{before}")
        == []
    )
    response = await clinic.client.get(
        f"{BASE}/AuditEvent", params={"entity": str(patient.id)}, headers=admin.headers
    )
    event = response.json()["entry"][0]["resource"]
    assert event["meta"]["lastUpdated"] == event["recorded"]


async def test_bad_last_updated_values_are_400_outcomes(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    for kind in ("Patient", "Appointment", "Schedule", "DocumentReference", "AuditEvent"):
        for value in ("yesterday", "xx2020-01-01", "2020-13-01", "2020-01-01T25:00Z"):
            response = await clinic.client.get(
                f"{BASE}/{kind}", params={"_lastUpdated": value}, headers=admin.headers
            )
            assert "_lastUpdated" in outcome(response, 400), (kind, value)
    # Devices and Slots keep no last-updated time: the parameter is refused, not ignored.
    for kind in ("Device", "Slot"):
        response = await clinic.client.get(
            f"{BASE}/{kind}", params={"_lastUpdated": "ge2020"}, headers=admin.headers
        )
        assert "_lastUpdated" in outcome(response, 400)


@pytest.mark.parametrize(
    ("value", "matches"),
    [
        ("eq2020-05-05T10:00:00.5Z", True),
        ("eq2020-05-05T10:00:00.569Z", True),
        ("eq2020-05-05T10:00:00.569029Z", True),
        ("eq2020-05-05T10:00:00.570Z", False),
        ("gt2020-05-05T10:00:00.569Z", False),
        ("ge2020-05-05T10:00:00.569Z", True),
        ("lt2020-05-05T10:00:00.570Z", True),
        ("le2020-05-05T10:00:00.568Z", False),
    ],
)
async def test_a_fraction_of_a_second_covers_its_precision(
    clinic: Clinic, value: str, matches: bool
) -> None:
    # `eq…00.569Z` covered one microsecond and missed a change at 00.569029: a millisecond.
    admin, patient = await clinic.member("admin"), await clinic.member("patient")
    changed = OLD.replace(microsecond=569029)
    await clinic.execute(
        "UPDATE profile SET updated_at = $1 WHERE account = $2", changed, patient.id
    )
    expected = [str(patient.id)] if matches else []
    assert (
        await found(clinic, admin, "Patient", _id=str(patient.id), _lastUpdated=value) == expected
    )


async def test_deactivating_and_reactivating_a_patient_updates_it(clinic: Clinic) -> None:
    admin, patient = await clinic.member("admin"), await clinic.member("patient")
    await clinic.execute("UPDATE profile SET updated_at = $1 WHERE account = $2", OLD, patient.id)
    read = f"{BASE}/Patient/{patient.id}"
    for action, active in (("deactivate", False), ("reactivate", True)):
        mark = datetime.now(UTC)
        changed = await clinic.client.post(
            f"/api/v1/users/{patient.id}/{action}", headers=admin.headers
        )
        assert changed.status_code == 200, changed.text
        resource = (await clinic.client.get(read, headers=admin.headers)).json()
        assert resource["active"] is active
        assert datetime.fromisoformat(resource["meta"]["lastUpdated"]) >= mark, action
        ge = f"ge{mark.isoformat()}"
        since = await found(clinic, admin, "Patient", _id=str(patient.id), _lastUpdated=ge)
        assert since == [str(patient.id)], action


async def test_a_change_to_a_type_a_practitioner_is_listed_on_updates_their_role(
    clinic: Clinic,
) -> None:
    # Renaming or withdrawing a type they offer changed both resources, not their lastUpdated.
    admin = await clinic.member("admin")
    practice = await open_practice(clinic, admin=admin)
    doctor = practice.doctor.id
    await last_changed_long_ago(clinic, practice)
    for change in ({"name": f"Renamed {doctor}"}, {"active": False}):
        mark = datetime.now(UTC)
        changed = await clinic.client.patch(
            f"/api/v1/appointments/types/{practice.type_id}", json=change, headers=admin.headers
        )
        assert changed.status_code == 200, changed.text
        for kind in ("PractitionerRole", "Schedule"):
            read = await clinic.client.get(f"{BASE}/{kind}/{doctor}", headers=admin.headers)
            assert datetime.fromisoformat(read.json()["meta"]["lastUpdated"]) >= mark, change
            ge = f"ge{mark.isoformat()}"
            assert await found(clinic, admin, kind, _id=str(doctor), _lastUpdated=ge) == [
                str(doctor)
            ], (kind, change)


async def test_renaming_a_type_updates_its_appointments(clinic: Clinic) -> None:
    # The new name showed in serviceType.display, but lastUpdated (and the version) stayed.
    admin = await clinic.member("admin")
    practice = await open_practice(clinic, admin=admin)
    patient = await clinic.member("patient")
    booked = (await book(clinic, practice, patient, two_days_ahead_at(11))).json()["id"]
    await clinic.execute("UPDATE appointment SET updated_at = $1 WHERE id = $2::uuid", OLD, booked)
    await clinic.execute(TYPE_CHANGED, OLD, practice.type_id)
    url = f"{BASE}/Appointment/{booked}"
    before = (await clinic.client.get(url, headers=patient.headers)).json()
    mark = datetime.now(UTC)
    renamed = await clinic.client.patch(
        f"/api/v1/appointments/types/{practice.type_id}",
        json={"name": f"Renamed {booked}"},
        headers=admin.headers,
    )
    assert renamed.status_code == 200, renamed.text
    after = (await clinic.client.get(url, headers=patient.headers)).json()
    assert after["serviceType"][0]["coding"][0]["display"] == f"Renamed {booked}"
    assert datetime.fromisoformat(after["meta"]["lastUpdated"]) >= mark
    assert after["meta"]["versionId"] != before["meta"]["versionId"]
    params = {"patient": str(patient.id), "_lastUpdated": f"ge{mark.isoformat()}"}
    assert await found(clinic, patient, "Appointment", **params) == [booked]


async def test_removing_a_practitioner_from_a_type_updates_their_role(clinic: Clinic) -> None:
    # A type that no longer listed them did not count: their role lost it, lastUpdated stayed.
    admin = await clinic.member("admin")
    practice = await open_practice(clinic, admin=admin)
    doctor = practice.doctor.id
    await last_changed_long_ago(clinic, practice)
    mark = datetime.now(UTC)
    removed = await clinic.client.patch(
        f"/api/v1/appointments/types/{practice.type_id}",
        json={"practitioner_ids": []},
        headers=admin.headers,
    )
    assert removed.status_code == 200, removed.text
    for kind in ("PractitionerRole", "Schedule"):
        read = (await clinic.client.get(f"{BASE}/{kind}/{doctor}", headers=admin.headers)).json()
        assert "extension" not in read and "serviceType" not in read, read
        assert datetime.fromisoformat(read["meta"]["lastUpdated"]) >= mark, kind
        ge = f"ge{mark.isoformat()}"
        assert await found(clinic, admin, kind, _id=str(doctor), _lastUpdated=ge) == [str(doctor)]
