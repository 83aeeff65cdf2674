"""FHIR without appointments, devices and documents: only people and audit are served."""

import msgspec
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from hduce.core.config import Settings
from tests.plugins.fhir.test_patients import BASE, outcome
from tests.plugins.users.clinic import IDENTITY_PLUGINS, identity_settings, running_clinic


async def test_only_the_resources_of_enabled_plugins_are_served(settings: Settings) -> None:
    base = identity_settings(settings)
    plugins = msgspec.structs.replace(base.plugins, enabled=(*IDENTITY_PLUGINS, "fhir"))
    async with running_clinic(msgspec.structs.replace(base, plugins=plugins)) as clinic:
        metadata = await clinic.client.get(f"{BASE}/metadata")
        statement = CapabilityStatement.model_validate(metadata.json())
        types = {r.type for r in statement.rest[0].resource}
        assert types == {"Patient", "Practitioner", "AuditEvent"}
        admin = await clinic.member("admin")
        patients = await clinic.client.get(f"{BASE}/Patient", headers=admin.headers)
        assert patients.status_code == 200, patients.text
        for path in ("Appointment", "Slot", "Observation", "Device", "DocumentReference"):
            response = await clinic.client.get(f"{BASE}/{path}", headers=admin.headers)
            outcome(response, 404)
