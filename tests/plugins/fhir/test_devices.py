"""FHIR `Device`: read and search by patient for admins, doctors and nurses; 403 for others."""

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.device import Device

from tests.plugins.devices.helpers import register
from tests.plugins.fhir.test_patients import BASE, outcome
from tests.plugins.users.clinic import Clinic


@pytest.mark.parametrize("role", ["admin", "doctor", "nurse"])
async def test_device_readers_read_and_search_devices(clinic: Clinic, role: str) -> None:
    admin = await clinic.member("admin")
    patient = await clinic.member("patient")
    device_id, secret = await register(clinic, admin, patient)
    reader = await clinic.member(role)
    read = await clinic.client.get(f"{BASE}/Device/{device_id}", headers=reader.headers)
    assert read.status_code == 200, read.text
    resource = Device.model_validate(read.json())
    assert resource.patient.reference == f"Patient/{patient.id}"
    assert resource.status == "active"
    assert secret not in read.text
    found = await clinic.client.get(
        f"{BASE}/Device", params={"patient": f"Patient/{patient.id}"}, headers=reader.headers
    )
    assert found.status_code == 200, found.text
    bundle = Bundle.model_validate(found.json())
    assert [entry.resource.id for entry in bundle.entry] == [device_id]


@pytest.mark.parametrize("role", ["patient", "receptionist"])
async def test_others_get_403(clinic: Clinic, role: str) -> None:
    admin = await clinic.member("admin")
    member = await clinic.member(role)
    device_id, _ = await register(clinic, admin, member if role == "patient" else None)
    outcome(await clinic.client.get(f"{BASE}/Device/{device_id}", headers=member.headers), 403)
    outcome(await clinic.client.get(f"{BASE}/Device", headers=member.headers), 403)


async def test_unknown_devices_are_404(clinic: Clinic) -> None:
    doctor = await clinic.member("doctor")
    outcome(await clinic.client.get(f"{BASE}/Device/nothing", headers=doctor.headers), 404)
    unknown = "00000000-0000-4000-8000-000000000000"
    outcome(await clinic.client.get(f"{BASE}/Device/{unknown}", headers=doctor.headers), 404)
