"""Versions: `meta.versionId` and `ETag`, `If-Match` on update, and `Prefer: return=`."""

import asyncio
import time
from typing import Any

import asyncpg
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from tests.plugins.appointments.helpers import (
    AS_IF_TODAY,
    WAITING,
    iso,
    open_practice,
    send_all,
    two_days_ahead_at,
)
from tests.plugins.fhir.test_appointment_status import accepted_by_patient, booked
from tests.plugins.fhir.test_appointments import booking_body
from tests.plugins.fhir.test_patients import BASE, outcome
from tests.plugins.users.clinic import Clinic

ROW_LOCK = "SELECT 1 FROM appointment WHERE id = $1::uuid FOR UPDATE"
CANCEL = {"status": "cancelled", "cancelationReason": {"text": "Better"}}


def version_of(response: Any) -> str:
    """The `meta.versionId` of the resource answered, checked against its weak `ETag`."""
    version = response.json()["meta"]["versionId"]
    assert response.headers["etag"] == f'W/"{version}"', response.headers
    return version


async def test_reads_creates_and_updates_carry_the_version(clinic: Clinic) -> None:
    # No ETag and no meta.versionId: a client could not tell versions apart.
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    appointment_id = await booked(clinic, practice, patient, 9)
    url = f"{BASE}/Appointment/{appointment_id}"
    read = await clinic.client.get(url, headers=patient.headers)
    first = version_of(read)
    Appointment.model_validate(read.json())
    cancelled = await clinic.client.put(
        url, json={**read.json(), **CANCEL}, headers=patient.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    assert version_of(cancelled) not in ("", first)
    found = await clinic.client.get(
        f"{BASE}/Appointment", params={"patient": f"Patient/{patient.id}"}, headers=patient.headers
    )
    (entry,) = [e for e in found.json()["entry"] if e["resource"]["id"] == appointment_id]
    assert entry["resource"]["meta"]["versionId"] == version_of(cancelled)
    for kind, ident in (("Patient", patient.id), ("Practitioner", practice.doctor.id)):
        person = await clinic.client.get(f"{BASE}/{kind}/{ident}", headers=practice.admin.headers)
        version_of(person)


async def test_an_update_with_a_stale_if_match_is_412_and_changes_nothing(clinic: Clinic) -> None:
    # Two clients editing one appointment silently overwrote each other: If-Match was ignored.
    practice = await open_practice(clinic)
    patient, desk = await clinic.member("patient"), await clinic.member("receptionist")
    url = f"{BASE}/Appointment/{await booked(clinic, practice, patient, 10)}"
    read = await clinic.client.get(url, headers=patient.headers)
    stale = version_of(read)
    # Someone else changes it meanwhile: the patient confirms.
    participants = accepted_by_patient(read.json())
    other = await clinic.client.put(
        url, json={**read.json(), "participant": participants}, headers=patient.headers
    )
    assert other.status_code == 200, other.text
    current = version_of(other)
    assert current != stale

    cancel = {**read.json(), **CANCEL}
    for if_match in (f'W/"{stale}"', f'"{stale}"'):
        headers = {**desk.headers, "If-Match": if_match}
        refused = await clinic.client.put(url, json=cancel, headers=headers)
        assert "If-Match" in outcome(refused, 412), refused.text
    after = await clinic.client.get(url, headers=patient.headers)
    assert after.json()["status"] == "booked" and version_of(after) == current

    for malformed in ("*x", "W/abc", '"not a version"', 'W/"12", W/"13"'):
        headers = {**desk.headers, "If-Match": malformed}
        assert "If-Match" in outcome(
            await clinic.client.put(url, json=cancel, headers=headers), 400
        )

    fresh = {**after.json(), **CANCEL}
    headers = {**desk.headers, "If-Match": f'W/"{current}"'}
    done = await clinic.client.put(url, json=fresh, headers=headers)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "cancelled"


async def test_of_two_updates_racing_on_one_version_one_is_412(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    # Both read the version before either changed it: one front desk checked the patient in,
    # another cancelled the visit, and both passed.
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    first, second = await clinic.member("receptionist"), await clinic.member("receptionist")
    appointment_id = await booked(clinic, practice, patient, 13)
    await clinic.execute(AS_IF_TODAY, appointment_id)
    url = f"{BASE}/Appointment/{appointment_id}"
    read = await clinic.client.get(url, headers=first.headers)
    if_match = {"If-Match": read.headers["etag"]}
    calls = [
        ("PUT", url, {**read.json(), "status": "checked-in"}, {**first.headers, **if_match}),
        ("PUT", url, {**read.json(), **CANCEL}, {**second.headers, **if_match}),
    ]
    holder = await raw_pool.acquire()
    held = holder.transaction()
    await held.start()
    try:  # both updates read the row, then queue for its lock
        await holder.execute(ROW_LOCK, appointment_id)
        both = asyncio.ensure_future(clinic.in_app(send_all, clinic.client.app, calls))
        deadline = time.monotonic() + 30
        while await raw_pool.fetchval(WAITING) < 2:
            assert not both.done(), both.result()
            assert time.monotonic() < deadline, "the updates never asked for the row"
            await asyncio.sleep(0.05)
    finally:
        await held.rollback()
        await raw_pool.release(holder)
    answers = await both
    assert sorted(status for status, _ in answers) == [200, 412], answers
    (refused,) = [body for status, body in answers if status == 412]
    assert refused["resourceType"] == "OperationOutcome", refused


async def test_prefer_return_minimal_or_outcome_on_create_and_update(clinic: Clinic) -> None:
    # `Prefer: return=minimal` answered the whole resource; then its empty body as application/json.
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    minimal = {**patient.headers, "Prefer": "return=minimal"}
    body = booking_body(practice, None, iso(two_days_ahead_at(11)))
    created = await clinic.client.post(f"{BASE}/Appointment", json=body, headers=minimal)
    assert created.status_code == 201, created.text
    assert created.content == b""
    assert created.headers["content-type"] == "application/fhir+json"
    url = created.headers["location"]
    assert url.startswith("http") and created.headers["etag"].startswith('W/"')
    read = await clinic.client.get(url, headers=patient.headers)
    assert created.headers["etag"] == f'W/"{version_of(read)}"'

    as_outcome = {**patient.headers, "Prefer": 'return="OperationOutcome"'}
    same = await clinic.client.put(url, json=read.json(), headers=as_outcome)
    assert same.status_code == 200, same.text
    assert same.json()["resourceType"] == "OperationOutcome"
    assert same.json()["issue"][0]["severity"] == "information"
    assert same.headers["etag"] == created.headers["etag"]

    cancelled = await clinic.client.put(url, json={**read.json(), **CANCEL}, headers=minimal)
    assert cancelled.status_code == 200 and cancelled.content == b"", cancelled.text
    assert cancelled.headers["content-type"] == "application/fhir+json"
    after = await clinic.client.get(url, headers=patient.headers)
    assert after.json()["status"] == "cancelled"
    assert cancelled.headers["etag"] == f'W/"{version_of(after)}"'

    body = booking_body(practice, None, iso(two_days_ahead_at(12)))
    default = await clinic.client.post(
        f"{BASE}/Appointment", json=body, headers={**patient.headers, "Prefer": "return=other"}
    )
    assert default.status_code == 201, default.text
    Appointment.model_validate(default.json())
    version_of(default)


async def test_the_capability_statement_says_how_versions_work(clinic: Clinic) -> None:
    # It said nothing: clients had to guess whether If-Match was honoured.
    statement = CapabilityStatement.model_validate(
        (await clinic.client.get(f"{BASE}/metadata")).json()
    )
    by_type = {r.type: r for r in statement.rest[0].resource}
    appointment = by_type["Appointment"]
    assert appointment.versioning == "versioned-update"
    assert appointment.readHistory is False and appointment.conditionalUpdate is False
    assert appointment.updateCreate is False
    assert by_type["Patient"].versioning == "versioned"
    assert by_type["Slot"].versioning == "no-version"
    for resource in by_type.values():
        assert "vread" not in {i.code for i in resource.interaction}, resource.type
        assert "history-instance" not in {i.code for i in resource.interaction}, resource.type
