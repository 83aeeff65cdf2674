"""FHIR `Observation`: device readings with LOINC codes and UCUM units, by patient, code, date."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation

from tests.plugins.devices.helpers import register
from tests.plugins.fhir.test_patients import BASE, outcome
from tests.plugins.users.clinic import Clinic, Member

INSERT = (
    "INSERT INTO reading (device, patient, metric, value, unit, measured_at, received_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, now())"
)
# Every metric with the unit devices send and the LOINC code and UCUM unit FHIR carries.
EXPECTED = {
    "heart_rate": ("bpm", "8867-4", "/min"),
    "spo2": ("%", "59408-5", "%"),
    "systolic": ("mmHg", "8480-6", "mm[Hg]"),
    "diastolic": ("mmHg", "8462-4", "mm[Hg]"),
    "temperature": ("°C", "8310-5", "Cel"),
    "weight": ("kg", "29463-7", "kg"),
    "glucose": ("mmol/L", "15074-8", "mmol/L"),
    "respiratory_rate": ("/min", "9279-1", "/min"),
}
DAY = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


async def patient_with_readings(clinic: Clinic) -> tuple[Member, Member]:
    """A patient with one reading of each metric, an hour apart from `DAY` on; their device."""
    admin = await clinic.member("admin")
    patient = await clinic.member("patient")
    device, _ = await register(clinic, admin, patient)
    for hour, (metric, (unit, _, _)) in enumerate(EXPECTED.items()):
        await clinic.execute(
            INSERT, uuid.UUID(device), patient.id, metric, 42.5, unit, DAY + timedelta(hours=hour)
        )
    return patient, admin


async def search(clinic: Clinic, member: Member, **params: str) -> dict[str, Any]:
    response = await clinic.client.get(f"{BASE}/Observation", params=params, headers=member.headers)
    assert response.status_code == 200, response.text
    return Bundle.model_validate(response.json()).model_dump(mode="json")


async def test_every_metric_is_a_valid_observation_with_loinc_and_ucum(clinic: Clinic) -> None:
    patient, _ = await patient_with_readings(clinic)
    bundle = await search(clinic, patient)
    resources = [Observation.model_validate(e["resource"]) for e in bundle["entry"]]
    assert len(resources) == len(EXPECTED)
    for resource in resources:
        _, loinc, ucum = EXPECTED[resource.code.text]
        assert (resource.code.coding[0].system, resource.code.coding[0].code) == (
            "http://loinc.org",
            loinc,
        )
        quantity = resource.valueQuantity
        assert (quantity.system, quantity.code) == ("http://unitsofmeasure.org", ucum)
        assert resource.subject.reference == f"Patient/{patient.id}"


async def test_search_by_code_and_date_and_cursor_paging(clinic: Clinic) -> None:
    patient, _ = await patient_with_readings(clinic)
    doctor = await clinic.member("doctor")
    mine = f"Patient/{patient.id}"
    spo2 = await search(clinic, doctor, patient=mine, code="http://loinc.org|59408-5")
    assert [e["resource"]["code"]["text"] for e in spo2["entry"]] == ["spo2"]
    later = await search(clinic, doctor, patient=mine, date=f"ge{DAY.date()}")
    assert len(later["entry"]) == len(EXPECTED)
    before = await search(clinic, doctor, patient=mine, date=f"lt{DAY.date()}")
    assert before.get("entry") in (None, [])
    seen: list[str] = []
    params: dict[str, str] = {"patient": mine, "_count": "3"}
    while True:
        page = await search(clinic, doctor, **params)
        seen += [e["resource"]["id"] for e in page["entry"]]
        following = [link["url"] for link in page["link"] if link["relation"] == "next"]
        if not following:
            break
        # The link's query is URL-encoded: decode it, as a client following `next` would.
        params = {k: v[0] for k, v in parse_qs(urlsplit(following[0]).query).items()}
    assert len(seen) == len(set(seen)) == len(EXPECTED)
    audited = await clinic.fetch(
        "SELECT ip FROM audit_event WHERE action = 'devices.readings_read' AND actor_id = $1",
        doctor.id,
    )
    assert len(audited) >= 5
    assert {row["ip"] for row in audited} == {"testclient"}  # the caller's address


async def test_search_by_date_time_with_and_without_offset(clinic: Clinic) -> None:
    patient, _ = await patient_with_readings(clinic)
    doctor = await clinic.member("doctor")
    mine = f"Patient/{patient.id}"
    response = await clinic.client.get(
        f"{BASE}/Observation",
        params=[
            ("patient", mine),
            ("date", "ge2026-03-10T12:00:00+02:00"),
            ("date", "lt2026-03-10T12:00Z"),
        ],
        headers=doctor.headers,
    )
    assert response.status_code == 200, response.text
    measured = sorted(e["resource"]["effectiveDateTime"] for e in response.json()["entry"])
    assert [text[:16] for text in measured] == ["2026-03-10T10:00", "2026-03-10T11:00"]
    exact = await search(clinic, doctor, patient=mine, date="2026-03-10T09:00:00Z")
    assert [e["resource"]["code"]["text"] for e in exact["entry"]] == ["spo2"]


@pytest.mark.parametrize("role", ["receptionist", "admin"])
async def test_non_clinical_staff_get_403(clinic: Clinic, role: str) -> None:
    patient, _ = await patient_with_readings(clinic)
    staff = await clinic.member(role)
    response = await clinic.client.get(
        f"{BASE}/Observation", params={"patient": str(patient.id)}, headers=staff.headers
    )
    outcome(response, 403)


async def test_a_patient_reads_only_their_own(clinic: Clinic) -> None:
    patient, _ = await patient_with_readings(clinic)
    other = await clinic.member("patient")
    response = await clinic.client.get(
        f"{BASE}/Observation", params={"patient": str(patient.id)}, headers=other.headers
    )
    outcome(response, 403)
    assert (await search(clinic, other)).get("entry") in (None, [])


@pytest.mark.parametrize(
    ("params", "message"),
    [({"code": "1234-5"}, "code"), ({"_offset": "3"}, "_cursor"), ({"date": "x"}, "date")],
)
async def test_bad_observation_searches_are_400(
    clinic: Clinic, params: dict[str, str], message: str
) -> None:
    patient = await clinic.member("patient")
    response = await clinic.client.get(
        f"{BASE}/Observation", params=params, headers=patient.headers
    )
    assert message in outcome(response, 400)
