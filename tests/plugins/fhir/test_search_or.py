"""Comma-separated values, FHIR's OR: ids and statuses are ORed within the caller's rights;
parameters that take one value refuse them (400) instead of matching nothing."""

from datetime import timedelta
from typing import Any

import pytest

from tests.plugins.appointments.helpers import book, iso, open_practice, two_days_ahead_at
from tests.plugins.fhir.test_patients import BASE, ids, outcome
from tests.plugins.users.clinic import Clinic

ACCOUNT = "urn:hduce:account"
TYPE_SYSTEM = "urn:hduce:appointment-type"


async def found(clinic: Clinic, path: str, headers: dict[str, str], **params: Any) -> list[str]:
    answer = await clinic.client.get(f"{BASE}/{path}", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return sorted(ids(answer.json()))


async def test_patient_ids_and_identifiers_are_ored_within_the_callers_rights(
    clinic: Clinic,
) -> None:
    # `_id=<a>,<b>` answered total 0 though each alone matched (fhirpy joins lists so).
    admin = await clinic.member("admin")
    first, second = await clinic.member("patient"), await clinic.member("patient")
    both = sorted([str(first.id), str(second.id)])
    pair = f"{first.id},{second.id}"
    assert await found(clinic, "Patient", admin.headers, _id=pair) == both
    identifiers = f"{first.id},{ACCOUNT}|{second.id}"
    assert await found(clinic, "Patient", admin.headers, identifier=identifiers) == both
    # Parameters are still ANDed, and a patient still finds only themselves.
    anded = await found(clinic, "Patient", admin.headers, _id=pair, identifier=str(second.id))
    assert anded == [str(second.id)]
    assert await found(clinic, "Patient", first.headers, _id=pair) == [str(first.id)]
    assert await found(clinic, "Patient", first.headers, _id=f"{second.id},nope") == []


async def test_practitioner_role_and_schedule_ids_are_ored(clinic: Clinic) -> None:
    one, other = await open_practice(clinic), await open_practice(clinic)
    patient = await clinic.member("patient")
    both = sorted([str(one.doctor.id), str(other.doctor.id)])
    pair = f"{one.doctor.id},{other.doctor.id}"
    for path in ("Practitioner", "PractitionerRole", "Schedule"):
        assert await found(clinic, path, patient.headers, _id=pair) == both, path
    actors = f"Practitioner/{one.doctor.id},PractitionerRole/{other.doctor.id}"
    assert await found(clinic, "Schedule", patient.headers, actor=actors) == both


async def test_appointment_statuses_are_ored(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    day = two_days_ahead_at(9)
    at = [day + timedelta(hours=h) for h in (0, 1)]
    kept, dropped = [await book(clinic, practice, patient, start) for start in at]
    cancel = f"/api/v1/appointments/{dropped.json()['id']}/cancel"
    cancelled = await clinic.client.post(cancel, json={"reason": "x"}, headers=patient.headers)
    assert cancelled.status_code == 200, cancelled.text
    mine = {"practitioner": str(practice.doctor.id)}
    both = sorted([kept.json()["id"], dropped.json()["id"]])
    ored = await found(clinic, "Appointment", patient.headers, **mine, status="booked,cancelled")
    assert ored == both
    booked = await found(clinic, "Appointment", patient.headers, **mine, status="booked")
    assert booked == [kept.json()["id"]]


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        ("Patient", "name", "ada,alan"),
        ("Patient", "email", "a@example.test,b@example.test"),
        ("Practitioner", "name", "ada,alan"),
        ("Appointment", "patient", "Patient/{a},Patient/{b}"),
        ("Appointment", "practitioner", "{a},{b}"),
        ("Patient", "birthdate", "1985,1990"),
    ],
)
async def test_parameters_taking_one_value_refuse_several(
    clinic: Clinic, path: str, name: str, value: str
) -> None:
    admin = await clinic.member("admin")
    a, b = await clinic.member("patient"), await clinic.member("patient")
    params = {name: value.format(a=a.id, b=b.id)}
    answer = await clinic.client.get(f"{BASE}/{path}", params=params, headers=admin.headers)
    message = outcome(answer, 400)
    assert name in message and "comma" in message, message


async def test_an_escaped_comma_is_part_of_the_value(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    assert await found(clinic, "Patient", admin.headers, name="Lovelace\\,Ada") == []


async def test_slot_statuses_types_and_schedules_are_ored(clinic: Clinic) -> None:
    # `status=free,busy` was a 400 ("status: one of free, busy") though `status=free` worked.
    one, other = await open_practice(clinic), await open_practice(clinic)
    patient = await clinic.member("patient")
    assert (await book(clinic, one, patient, two_days_ahead_at(9))).status_code == 201
    window = [f"ge{iso(two_days_ahead_at(8))}", f"lt{iso(two_days_ahead_at(10))}"]
    admin = one.admin.headers

    async def slots(headers: dict[str, str], **params: str) -> list[str]:
        return await found(clinic, "Slot", headers, start=window, **params)

    mine, theirs = f"Schedule/{one.doctor.id}", f"Schedule/{other.doctor.id}"
    everything = await slots(admin, schedule=mine)
    free, busy = [await slots(admin, schedule=mine, status=s) for s in ("free", "busy")]
    assert len(busy) == 1 and sorted(free + busy) == everything
    assert await slots(admin, schedule=mine, status="free,busy") == everything
    assert await slots(patient.headers, schedule=mine, status="busy,free") == free
    types = f"{TYPE_SYSTEM}|{other.type_id},{TYPE_SYSTEM}|{one.type_id}"
    assert await slots(admin, schedule=mine, **{"service-type": types}) == everything
    both = await slots(admin, schedule=f"{mine},{theirs}")
    assert both == sorted(everything + await slots(admin, schedule=theirs))


async def test_schedule_types_and_activity_and_roles_are_ored(clinic: Clinic) -> None:
    one, other = await open_practice(clinic), await open_practice(clinic)
    nurse = await clinic.member("nurse")
    patient = await clinic.member("patient")
    types = f"{TYPE_SYSTEM}|{one.type_id},{other.type_id}"
    pair = sorted([str(one.doctor.id), str(other.doctor.id)])
    assert await found(clinic, "Schedule", patient.headers, **{"service-type": types}) == pair
    everyone = await found(clinic, "Schedule", patient.headers, _count="100")
    active = await found(clinic, "Schedule", patient.headers, active="false,true", _count="100")
    assert active == everyone
    # Among these two (the shared test database holds more practitioners than a page).
    ids = f"{one.doctor.id},{nurse.id}"
    roles = await found(clinic, "PractitionerRole", patient.headers, role="nurse,doctor", _id=ids)
    assert set(roles) == {str(one.doctor.id), str(nurse.id)}
    assert await found(clinic, "PractitionerRole", patient.headers, role="nurse", _id=ids) == [
        str(nurse.id)
    ]


@pytest.mark.parametrize(
    ("path", "name", "value", "bad"),
    [
        ("Slot", "status", "free,maybe", "maybe"),
        ("Appointment", "status", "booked,nope", "nope"),
        ("PractitionerRole", "role", "doctor,surgeon", "surgeon"),
        ("Schedule", "active", "true,sometimes", "sometimes"),
    ],
)
async def test_an_unknown_code_among_several_is_a_400_naming_it(
    clinic: Clinic, path: str, name: str, value: str, bad: str
) -> None:
    admin = await clinic.member("admin")
    params = {name: value, **({"schedule": str(admin.id)} if path == "Slot" else {})}
    answer = await clinic.client.get(f"{BASE}/{path}", params=params, headers=admin.headers)
    message = outcome(answer, 400)
    assert name in message and repr(bad) in message, message
