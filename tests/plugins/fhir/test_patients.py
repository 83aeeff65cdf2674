"""FHIR `metadata`, `Patient` and `Practitioner`: read, search, paging, permissions, outcomes."""

import uuid
from datetime import date
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner

from tests.plugins.users.clinic import Clinic
from tests.plugins.users.test_read_user import profile_reads

BASE = "/fhir/R4"
FHIR_JSON = "application/fhir+json"


def outcome(response: Any, status: int) -> str:
    """The diagnostics of a valid `OperationOutcome` answered with `status`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON)
    parsed = OperationOutcome.model_validate(response.json())
    return parsed.issue[0].diagnostics or ""


def ids(bundle: dict[str, Any]) -> list[str]:
    Bundle.model_validate(bundle)
    return [entry["resource"]["id"] for entry in bundle.get("entry", [])]


async def test_metadata_is_a_public_capability_statement(clinic: Clinic) -> None:
    response = await clinic.client.get(f"{BASE}/metadata")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON)
    statement = CapabilityStatement.model_validate(response.json())
    assert statement.fhirVersion == "4.0.1"
    types = {r.type for r in statement.rest[0].resource}
    assert {"Patient", "Practitioner"} <= types


async def test_without_a_token_the_answer_is_an_operation_outcome(clinic: Clinic) -> None:
    response = await clinic.client.get(f"{BASE}/Patient")
    assert "bearer" in outcome(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    expired = {"Authorization": "Bearer not.a.token"}
    response = await clinic.client.get(f"{BASE}/Patient", headers=expired)
    outcome(response, 401)
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    # A 401 of a route that takes no token: wrong credentials, whatever token came along.
    login = {"login": "nobody@example.test", "password": "not-the-password"}
    wrong = await clinic.client.post("/api/v1/auth/login", json=login, headers=expired)
    assert wrong.status_code == 401, wrong.text
    assert wrong.headers["www-authenticate"] == "Bearer"


async def test_a_patient_reads_their_own_patient_resource(clinic: Clinic) -> None:
    patient = await clinic.member(
        "patient", first_name="Ada", last_name="Lovelace", date_of_birth=date(1985, 12, 10)
    )
    response = await clinic.client.get(f"{BASE}/Patient/{patient.id}", headers=patient.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON)
    resource = Patient.model_validate(response.json())
    assert resource.id == str(patient.id)
    assert resource.name[0].family == "Lovelace"
    assert str(resource.birthDate) == "1985-12-10"
    assert any(t.value == patient.email for t in resource.telecom)


async def test_a_patient_never_reads_another_patient(clinic: Clinic) -> None:
    patient = await clinic.member("patient")
    other = await clinic.member("patient")
    response = await clinic.client.get(f"{BASE}/Patient/{other.id}", headers=patient.headers)
    assert "no such" in outcome(response, 404)
    search = await clinic.client.get(
        f"{BASE}/Patient", params={"email": other.email}, headers=patient.headers
    )
    assert search.status_code == 200
    assert ids(search.json()) == []


@pytest.mark.parametrize("role", ["admin", "doctor", "nurse", "receptionist"])
async def test_staff_read_a_patient_and_the_read_is_audited(clinic: Clinic, role: str) -> None:
    staff = await clinic.member(role)
    patient = await clinic.member("patient")
    response = await clinic.client.get(f"{BASE}/Patient/{patient.id}", headers=staff.headers)
    assert response.status_code == 200, response.text
    Patient.model_validate(response.json())
    assert await profile_reads(clinic, staff, patient) == 1


async def test_staff_accounts_are_no_patients(clinic: Clinic) -> None:
    nurse = await clinic.member("nurse")
    doctor = await clinic.member("doctor")
    response = await clinic.client.get(f"{BASE}/Patient/{doctor.id}", headers=nurse.headers)
    outcome(response, 404)
    garbage = await clinic.client.get(f"{BASE}/Patient/not-an-id", headers=nurse.headers)
    outcome(garbage, 404)


async def test_search_by_name_birthdate_email_identifier(clinic: Clinic) -> None:
    doctor = await clinic.member("doctor")
    family = f"Zed{uuid.uuid4().hex[:8]}"
    born = [date(1970, 1, 5), date(1980, 6, 1), date(1990, 3, 3)]
    patients = [
        await clinic.member("patient", first_name=f"P{i}", last_name=family, date_of_birth=day)
        for i, day in enumerate(born)
    ]

    async def search(**params: str) -> list[str]:
        response = await clinic.client.get(f"{BASE}/Patient", params=params, headers=doctor.headers)
        assert response.status_code == 200, response.text
        return ids(response.json())

    everyone = {str(p.id) for p in patients}
    assert set(await search(name=family.lower())) == everyone
    assert await search(name=family, birthdate="1980-06-01") == [str(patients[1].id)]
    assert set(await search(name=family, birthdate="ge1980")) == everyone - {str(patients[0].id)}
    assert await search(name=family, birthdate="lt1975-01-01") == [str(patients[0].id)]
    assert await search(email=patients[2].email.upper()) == [str(patients[2].id)]
    assert await search(identifier=str(patients[0].id)) == [str(patients[0].id)]
    assert await search(name=family, identifier="unknown") == []
    assert await profile_reads(clinic, doctor, patients[1]) >= 1


async def test_search_pages_with_links(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    family = f"Page{uuid.uuid4().hex[:8]}"
    made = {str((await clinic.member("patient", last_name=family)).id) for _ in range(5)}
    seen: list[str] = []
    url: str | None = f"{BASE}/Patient?name={family}&_count=2"
    pages = 0
    while url:
        response = await clinic.client.get(url, headers=admin.headers)
        assert response.status_code == 200, response.text
        bundle = response.json()
        assert bundle["type"] == "searchset" and bundle["total"] == 5
        seen += ids(bundle)
        links = {link["relation"]: link["url"] for link in bundle["link"]}
        assert "self" in links
        url = links.get("next")
        pages += 1
    assert pages == 3
    assert sorted(seen) == sorted(made)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"birthdate": "yesterday"}, "birthdate"),
        ({"_count": "101"}, "_count"),
        ({"_count": "many"}, "_count"),
        ({"colour": "blue"}, "colour"),
    ],
)
async def test_bad_search_parameters_are_400(
    clinic: Clinic, params: dict[str, str], message: str
) -> None:
    doctor = await clinic.member("doctor")
    response = await clinic.client.get(f"{BASE}/Patient", params=params, headers=doctor.headers)
    assert message in outcome(response, 400)


async def test_practitioners_are_read_and_searched_by_anyone_signed_in(clinic: Clinic) -> None:
    patient = await clinic.member("patient")
    family = f"Doc{uuid.uuid4().hex[:8]}"
    doctor = await clinic.member("doctor", first_name="Greg", last_name=family)
    response = await clinic.client.get(f"{BASE}/Practitioner/{doctor.id}", headers=patient.headers)
    assert response.status_code == 200, response.text
    resource = Practitioner.model_validate(response.json())
    assert resource.name[0].family == family
    assert not resource.telecom  # no contact details, like /practitioners
    found = await clinic.client.get(
        f"{BASE}/Practitioner", params={"name": family}, headers=patient.headers
    )
    assert ids(found.json()) == [str(doctor.id)]
    not_one = await clinic.client.get(f"{BASE}/Practitioner/{patient.id}", headers=patient.headers)
    outcome(not_one, 404)


async def test_a_deactivated_practitioner_is_read_as_inactive_a_pending_one_is_not(
    clinic: Clinic,
) -> None:
    admin, patient = await clinic.member("admin"), await clinic.member("patient")
    gone, pending = await clinic.member("doctor"), await clinic.member("nurse")
    left = await clinic.client.post(f"/api/v1/users/{gone.id}/deactivate", headers=admin.headers)
    assert left.status_code == 200, left.text
    await clinic.execute("UPDATE account SET status = 'pending_approval' WHERE id = $1", pending.id)
    # Their past appointments still name Practitioner/<id>: it reads, inactive.
    read = await clinic.client.get(f"{BASE}/Practitioner/{gone.id}", headers=patient.headers)
    assert read.status_code == 200, read.text
    assert Practitioner.model_validate(read.json()).active is False
    listed = await clinic.client.get(
        f"{BASE}/Practitioner", params={"_id": str(gone.id)}, headers=patient.headers
    )
    assert ids(listed.json()) == []  # a search finds whom to book: active ones
    not_yet = await clinic.client.get(f"{BASE}/Practitioner/{pending.id}", headers=patient.headers)
    outcome(not_yet, 404)
