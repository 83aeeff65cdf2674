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


async def test_following_next_links_shows_each_event_once(clinic: Clinic) -> None:
    # Each page read is audited as the newest event: offset pages shifted by one each time.
    admin = await clinic.member("admin")
    for _ in range(4):  # each search is an `audit.read` by the admin
        assert (await clinic.client.get(f"{BASE}/AuditEvent", headers=admin.headers)).is_success
    params = {"agent": str(admin.id), "_count": "2"}
    response = await clinic.client.get(f"{BASE}/AuditEvent", params=params, headers=admin.headers)
    seen: list[str] = []
    totals: list[int] = []
    while True:
        assert response.status_code == 200, response.text
        bundle = Bundle.model_validate(response.json())
        seen += [entry.resource.id for entry in bundle.entry or []]
        totals.append(bundle.total)
        links = {link.relation: link.url for link in bundle.link}
        if "next" not in links:
            break
        response = await clinic.client.get(links["next"], headers=admin.headers)
    assert len(seen) == len(set(seen)) == totals[0] >= 4, (seen, totals)
    assert set(totals) == {totals[0]}
    assert seen == sorted(seen, key=int, reverse=True)
