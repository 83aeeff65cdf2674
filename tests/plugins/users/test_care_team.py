"""Care teams: clinicians add and remove themselves or colleagues; the patient and staff read."""

import uuid
from typing import Any

from hduce.contracts.users import CareTeams
from tests.plugins.users.clinic import Clinic, Member


def team_url(patient: Member | uuid.UUID, clinician: Member | uuid.UUID | None = None) -> str:
    patient_id = patient if isinstance(patient, uuid.UUID) else patient.id
    url = f"/api/v1/users/{patient_id}/care-team"
    if clinician is None:
        return url
    return f"{url}/{clinician if isinstance(clinician, uuid.UUID) else clinician.id}"


async def put(clinic: Clinic, caller: Member, patient: Any, clinician: Any) -> Any:
    return await clinic.client.put(team_url(patient, clinician), headers=caller.headers)


async def audit_actions(clinic: Clinic, patient: Member) -> list[str]:
    rows = await clinic.fetch(
        "SELECT action FROM audit_event WHERE subject_id = $1 AND action LIKE 'users.care_team%' "
        "ORDER BY id",
        patient.id,
    )
    return [row["action"] for row in rows]


async def test_clinicians_build_a_team_that_the_patient_and_staff_can_read(clinic: Clinic) -> None:
    patient = await clinic.member("patient")
    doctor = await clinic.member("doctor", first_name="Ana", last_name="Ruiz", specialty="GP")
    nurse = await clinic.member("nurse", first_name="Ben", last_name="Okafor")
    first = await put(clinic, doctor, patient, doctor)
    assert first.status_code == 200, first.text
    answer = await put(clinic, doctor, patient, nurse)
    again = await put(clinic, nurse, patient, nurse)  # already there: unchanged
    assert again.json() == answer.json()
    team = answer.json()
    assert team["patient_id"] == str(patient.id)
    members = [(m["id"], m["first_name"], m["specialty"], m["roles"]) for m in team["members"]]
    assert members == [
        (str(doctor.id), "Ana", "GP", ["doctor"]),
        (str(nurse.id), "Ben", None, ["nurse"]),
    ]
    assert all(m["active"] and m["added_by"] == str(doctor.id) for m in team["members"])
    assert await audit_actions(clinic, patient) == ["users.care_team_added"] * 2

    receptionist = await clinic.member("receptionist")
    for reader in (patient, receptionist, nurse):
        read = await clinic.client.get(team_url(patient), headers=reader.headers)
        assert read.status_code == 200 and read.json() == team
    stranger = await clinic.member("patient")
    read = await clinic.client.get(team_url(patient), headers=stranger.headers)
    assert read.status_code == 404


async def test_only_clinicians_and_admins_change_a_team(clinic: Clinic) -> None:
    patient = await clinic.member("patient")
    doctor = await clinic.member("doctor")
    for caller in (patient, await clinic.member("receptionist")):
        assert (await put(clinic, caller, patient, doctor)).status_code == 403
        removal = await clinic.client.delete(team_url(patient, doctor), headers=caller.headers)
        assert removal.status_code == 403
    admin = await clinic.member("admin")
    assert (await put(clinic, admin, patient, doctor)).status_code == 200


async def test_only_active_doctors_and_nurses_join_and_only_patients_have_teams(
    clinic: Clinic,
) -> None:
    patient = await clinic.member("patient")
    doctor = await clinic.member("doctor")
    not_clinicians = [
        await clinic.member("receptionist"),
        await clinic.member("patient"),
        await clinic.member("doctor", status="deactivated"),
        uuid.uuid4(),
    ]
    for candidate in not_clinicians:
        answer = await put(clinic, doctor, patient, candidate)
        assert answer.status_code == 422, answer.text
        assert answer.json()["type"].endswith("/not-a-clinician")
    for not_a_patient in (await clinic.member("nurse"), uuid.uuid4()):
        answer = await put(clinic, doctor, not_a_patient, doctor)
        assert answer.status_code == 404 and "no such patient" in answer.json()["detail"]
        read = await clinic.client.get(team_url(not_a_patient), headers=doctor.headers)
        assert read.status_code == 404


async def test_removing_a_member_and_who_counts_for_alerts(clinic: Clinic) -> None:
    patient = await clinic.member("patient")
    doctor, nurse = await clinic.member("doctor"), await clinic.member("nurse")
    for clinician in (doctor, nurse):
        assert (await put(clinic, doctor, patient, clinician)).status_code == 200
    care_teams = clinic.context.registry.get(CareTeams)
    assert await clinic.in_app(care_teams.clinicians, patient.id) == [doctor.id, nurse.id]

    # A member who can no longer act stays listed (without a clinical role) but is not counted.
    await clinic.execute("UPDATE account SET roles = '{receptionist}' WHERE id = $1", nurse.id)
    assert await clinic.in_app(care_teams.clinicians, patient.id) == [doctor.id]
    listed = (await clinic.client.get(team_url(patient), headers=doctor.headers)).json()
    assert [m["roles"] for m in listed["members"]] == [["doctor"], []]

    as_receptionist = clinic.headers(nurse.id, ("receptionist",))
    removal = await clinic.client.delete(team_url(patient, doctor), headers=as_receptionist)
    assert removal.status_code == 403
    removal = await clinic.client.delete(team_url(patient, doctor), headers=doctor.headers)
    assert removal.status_code == 204
    assert await clinic.in_app(care_teams.clinicians, patient.id) == []
    again = await clinic.client.delete(team_url(patient, doctor), headers=doctor.headers)
    assert again.status_code == 404
    assert (await audit_actions(clinic, patient))[-1] == "users.care_team_removed"


async def test_care_team_changes_record_the_callers_address(clinic: Clinic) -> None:
    patient, doctor = await clinic.member("patient"), await clinic.member("doctor")
    assert (await put(clinic, doctor, patient, doctor)).status_code == 200
    removal = await clinic.client.delete(team_url(patient, doctor), headers=doctor.headers)
    assert removal.status_code == 204, removal.text
    rows = await clinic.fetch(
        "SELECT action, ip FROM audit_event WHERE subject_id = $1 "
        "AND action LIKE 'users.care_team%' ORDER BY id",
        patient.id,
    )
    assert [(row["action"], row["ip"]) for row in rows] == [
        ("users.care_team_added", "testclient"),
        ("users.care_team_removed", "testclient"),
    ]
