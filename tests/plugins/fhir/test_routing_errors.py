"""No route for a FHIR address or method: an `OperationOutcome` like every answer there."""

import uuid

import pytest

from tests.plugins.fhir.test_patients import BASE, outcome
from tests.plugins.users.clinic import Clinic

NOBODY = uuid.UUID(int=1)
"""Fixed: parameters are test ids, the same in every test process (pytest-xdist checks)."""


# Litestar refused these while routing, before the FHIR router's handlers: problem+json.
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", f"/Observation/{NOBODY}", 404),  # a search-only type has no read
        ("GET", "/AuditEvent/x", 404),
        ("GET", "/Encounter", 404),  # a type this server does not serve
        ("GET", "", 404),
        ("DELETE", f"/Appointment/{NOBODY}", 405),
        ("POST", "/Patient", 405),
        ("PATCH", "/metadata", 405),
    ],
)
async def test_unrouted_addresses_and_methods_are_outcomes(
    clinic: Clinic, method: str, path: str, status: int
) -> None:
    admin = await clinic.member("admin")
    headers = {**admin.headers, "Content-Type": "application/fhir+json"}
    answer = await clinic.client.request(method, f"{BASE}{path}", headers=headers, content=b"{}")
    outcome(answer, status)
    if status == 405:
        assert answer.headers["allow"], answer.headers


async def test_outside_the_fhir_base_the_api_still_answers_problems(clinic: Clinic) -> None:
    for path in ("/api/v1/nothing-here", "/fhir/R5/Patient"):
        answer = await clinic.client.get(path)
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("application/problem+json"), path
