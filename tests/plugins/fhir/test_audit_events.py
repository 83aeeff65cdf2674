"""FHIR `AuditEvent`: the audit log for admins, by agent, entity and date; 403 for others."""

from datetime import UTC, datetime, timedelta

import pytest
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.bundle import Bundle

from tests.plugins.fhir.test_patients import BASE, outcome
from tests.plugins.users.clinic import Clinic


async def test_admins_search_the_audit_log(clinic: Clinic) -> None:
    admin, doctor = await clinic.member("admin"), await clinic.member("doctor")
    patient = await clinic.member("patient")
    read = await clinic.client.get(f"{BASE}/Patient/{patient.id}", headers=doctor.headers)
    assert read.status_code == 200

    async def search(**params: str) -> list[AuditEvent]:
        response = await clinic.client.get(
            f"{BASE}/AuditEvent", params=params, headers=admin.headers
        )
        assert response.status_code == 200, response.text
        bundle = Bundle.model_validate(response.json())
        return [AuditEvent.model_validate(e.resource.model_dump()) for e in bundle.entry or []]

    found = await search(agent=str(doctor.id), entity=str(patient.id))
    assert [event.type.code for event in found] == ["users.profile_read"]
    assert found[0].entity[0].what.identifier.value == str(patient.id)
    today = datetime.now(UTC).date()
    assert len(await search(entity=str(patient.id), date=f"ge{today}")) == 1
    tomorrow = today + timedelta(days=1)
    assert await search(entity=str(patient.id), date=f"ge{tomorrow}") == []
    reads = await clinic.fetch(
        "SELECT id FROM audit_event WHERE action = 'audit.read' AND actor_id = $1", admin.id
    )
    assert len(reads) == 3


@pytest.mark.parametrize("role", ["doctor", "nurse", "receptionist", "patient"])
async def test_only_admins_read_the_audit_log(clinic: Clinic, role: str) -> None:
    member = await clinic.member(role)
    outcome(await clinic.client.get(f"{BASE}/AuditEvent", headers=member.headers), 403)
