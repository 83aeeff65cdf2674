"""`GET /users/{id}`: admins read anyone, clinic staff read patients, patients only themselves."""

import uuid

import pytest

from tests.plugins.users.clinic import Clinic, Member

USERS = "/api/v1/users"


async def profile_reads(clinic: Clinic, actor: Member, subject: Member) -> int:
    rows = await clinic.fetch(
        "SELECT id FROM audit_event WHERE action = 'users.profile_read' "
        "AND actor_id = $1 AND subject_id = $2",
        actor.id,
        subject.id,
    )
    return len(rows)


@pytest.mark.parametrize("role", ["admin", "doctor", "nurse", "receptionist"])
async def test_staff_read_a_patient_and_the_read_is_audited(clinic: Clinic, role: str) -> None:
    staff = await clinic.member(role)
    patient = await clinic.member("patient", first_name="Pat", date_of_birth=None)
    response = await clinic.client.get(f"{USERS}/{patient.id}", headers=staff.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["id"], body["email"], body["first_name"]) == (
        str(patient.id),
        patient.email,
        "Pat",
    )
    assert await profile_reads(clinic, staff, patient) == 1


@pytest.mark.parametrize("role", ["doctor", "nurse", "receptionist"])
async def test_clinic_staff_do_not_see_other_staff(clinic: Clinic, role: str) -> None:
    staff = await clinic.member(role)
    for other_roles in (("doctor",), ("admin",), ("receptionist",)):
        other = await clinic.member(*other_roles)
        response = await clinic.client.get(f"{USERS}/{other.id}", headers=staff.headers)
        assert response.status_code == 404
        assert await profile_reads(clinic, staff, other) == 0


async def test_admin_reads_any_account(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    for roles in (("doctor",), ("admin",), ("patient",), ("nurse", "receptionist")):
        other = await clinic.member(*roles, status="pending_approval")
        response = await clinic.client.get(f"{USERS}/{other.id}", headers=admin.headers)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "pending_approval"
        assert await profile_reads(clinic, admin, other) == 1


async def test_a_patient_never_reads_another_user(clinic: Clinic) -> None:
    patient = await clinic.member("patient")
    unknown = await clinic.client.get(f"{USERS}/{uuid.uuid4()}", headers=patient.headers)
    assert unknown.status_code == 404
    for roles in (("patient",), ("doctor",), ("admin",)):
        other = await clinic.member(*roles)
        response = await clinic.client.get(f"{USERS}/{other.id}", headers=patient.headers)
        assert response.status_code == 404
        # Same answer as for an id that does not exist: existence stays private.
        assert response.json()["detail"] == unknown.json()["detail"]
        assert other.email not in response.text


async def test_everyone_reads_themselves_without_an_audit_entry(clinic: Clinic) -> None:
    for role in ("patient", "doctor", "admin"):
        member = await clinic.member(role)
        response = await clinic.client.get(f"{USERS}/{member.id}", headers=member.headers)
        assert response.status_code == 200, response.text
        assert response.json()["id"] == str(member.id)
        assert await profile_reads(clinic, member, member) == 0


async def test_unknown_user_is_404_for_staff(clinic: Clinic) -> None:
    for role in ("admin", "doctor"):
        staff = await clinic.member(role)
        response = await clinic.client.get(f"{USERS}/{uuid.uuid4()}", headers=staff.headers)
        assert response.status_code == 404


async def test_reading_a_user_needs_a_token(clinic: Clinic) -> None:
    patient = await clinic.member("patient")
    assert (await clinic.client.get(f"{USERS}/{patient.id}")).status_code == 401


async def test_malformed_id_is_not_routed(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    response = await clinic.client.get(f"{USERS}/not-a-uuid", headers=admin.headers)
    assert response.status_code in (404, 405)
