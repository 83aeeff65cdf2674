"""Search values at the edges: non-ASCII digits and dates at the ends of the calendar are 400s."""

import uuid

import pytest

from tests.plugins.appointments.helpers import open_practice
from tests.plugins.fhir.test_observations import patient_with_readings
from tests.plugins.fhir.test_patients import BASE, outcome
from tests.plugins.users.clinic import Clinic

SCHEDULE = f"Schedule/{uuid.uuid4()}"


# `str.isdigit` accepts `²` and `①`, which `int()` refuses: these were 500s.
@pytest.mark.parametrize(
    ("kind", "name", "value"),
    [
        ("Patient", "_count", "²"),
        ("Patient", "_offset", "³"),
        ("Appointment", "_count", "①"),
        ("Appointment", "_count", "٣"),  # an Arabic-Indic 3: int() takes it, FHIR does not
        # Past 4300 digits int() refuses to convert (CPython's limit): these were 500s.
        pytest.param("Patient", "_count", "1" * 5000, id="Patient-_count-5000-digits"),
        pytest.param("DocumentReference", "_offset", "9" * 4301, id="_offset-4301-digits"),
        pytest.param("Device", "_count", "0" * 4400 + "101", id="_count-101-after-4400-zeros"),
    ],
)
async def test_paging_takes_ascii_digits_only(
    clinic: Clinic, kind: str, name: str, value: str
) -> None:
    admin = await clinic.member("admin")
    answer = await clinic.client.get(f"{BASE}/{kind}", params={name: value}, headers=admin.headers)
    assert "whole number" in outcome(answer, 400)


# The day or instant after the last one Python's datetime holds overflowed: these were 500s.
@pytest.mark.parametrize("kind", ["Patient", "Appointment", "DocumentReference", "AuditEvent"])
@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:59:59Z",
        "le9999-12-31T23:59Z",
        "9999-12-31T23:59:59.999999Z",
        "eq9999-12-31",
        "9999",
        "ge0001-01-01T00:00:00+05:00",
    ],
)
async def test_last_updated_at_the_end_of_the_calendar_is_out_of_range(
    clinic: Clinic, kind: str, value: str
) -> None:
    admin = await clinic.member("admin")
    answer = await clinic.client.get(
        f"{BASE}/{kind}", params={"_lastUpdated": value}, headers=admin.headers
    )
    assert "out of range" in outcome(answer, 400)


async def test_dates_out_of_range_say_so_and_schedules_too(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    dated = await clinic.client.get(
        f"{BASE}/Appointment", params={"date": "9999-12-31"}, headers=admin.headers
    )
    message = outcome(dated, 400)
    assert "out of range" in message and "not a date" not in message, message
    schedules = await clinic.client.get(
        f"{BASE}/Schedule", params={"_lastUpdated": "9999-12-31T23:59:59Z"}, headers=admin.headers
    )
    assert "out of range" in outcome(schedules, 400)
    bad = await clinic.client.get(
        f"{BASE}/Appointment", params={"date": "2026-02-30"}, headers=admin.headers
    )
    assert "not a date" in outcome(bad, 400)


# A slot search covers 7 days from its lower bound, or up to its upper one: past the calendar.
@pytest.mark.parametrize(
    "start", ["9999-12-31T23:59:59Z", "ge9999-12-30", "lt0001-01-03", "le0001-01-01"]
)
async def test_a_slot_window_past_the_calendar_is_out_of_range(clinic: Clinic, start: str) -> None:
    patient = await clinic.member("patient")
    answer = await clinic.client.get(
        f"{BASE}/Slot", params={"schedule": SCHEDULE, "start": start}, headers=patient.headers
    )
    message = outcome(answer, 400)
    assert "start" in message and "out of range" in message, message


async def test_a_code_without_a_system_matches_no_coded_value(clinic: Clinic) -> None:
    # `|<code>` asks for a code with no system: it matched LOINC codes, roles and type ids.
    admin = await clinic.member("admin")
    practice = await open_practice(clinic, admin=admin)
    patient, _ = await patient_with_readings(clinic)
    doctor = str(practice.doctor.id)
    cases = [
        (patient, "Observation", {"code": "59408-5"}, {"code": "|59408-5"}),
        (admin, "PractitionerRole", {"_id": doctor, "role": "doctor"}, {"role": "|doctor"}),
        (
            admin,
            "Schedule",
            {"_id": doctor, "service-type": practice.type_id},
            {"service-type": f"|{practice.type_id}"},
        ),
        (admin, "Patient", {"identifier": str(patient.id)}, {"identifier": f"|{patient.id}"}),
    ]
    for caller, kind, params, systemless in cases:
        coded = await clinic.client.get(f"{BASE}/{kind}", params=params, headers=caller.headers)
        assert len(coded.json()["entry"]) == 1, (kind, coded.text)
        answer = await clinic.client.get(
            f"{BASE}/{kind}", params={**params, **systemless}, headers=caller.headers
        )
        assert answer.status_code == 200, (kind, answer.text)
        assert answer.json()["entry"] == [], kind


async def test_a_reference_may_be_this_servers_absolute_url(clinic: Clinic) -> None:
    # The URLs this server writes (`fullUrl`) were refused as search values: 400 "not an id".
    admin = await clinic.member("admin")
    practice = await open_practice(clinic, admin=admin)
    patient, _ = await patient_with_readings(clinic)
    here = f"{clinic.client.base_url}".rstrip("/") + BASE
    doctor = practice.doctor.id
    cases = [
        (admin, "PractitionerRole", "practitioner", f"Practitioner/{doctor}"),
        (admin, "Schedule", "actor", f"PractitionerRole/{doctor}"),
        (patient, "Observation", "patient", f"Patient/{patient.id}"),
        (admin, "Slot", "schedule", f"Schedule/{uuid.uuid4()},Schedule/{doctor}"),
    ]
    for caller, kind, name, relative in cases:
        expected = await clinic.client.get(
            f"{BASE}/{kind}", params={name: relative}, headers=caller.headers
        )
        assert expected.status_code == 200 and expected.json().get("entry"), expected.text
        absolute = ",".join(f"{here}/{value}" for value in relative.split(","))
        answer = await clinic.client.get(
            f"{BASE}/{kind}", params={name: absolute}, headers=caller.headers
        )
        assert answer.status_code == 200, (kind, answer.text)
        assert answer.json()["entry"] == expected.json()["entry"], kind
    elsewhere = {"practitioner": f"https://elsewhere.example/fhir/R4/Practitioner/{doctor}"}
    answer = await clinic.client.get(f"{BASE}/Appointment", params=elsewhere, headers=admin.headers)
    assert "practitioner" in outcome(answer, 400)
