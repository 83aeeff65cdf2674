"""The `CapabilityStatement` says what works: each type, interaction and search parameter listed."""

import uuid

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from tests.plugins.fhir.test_patients import BASE, outcome
from tests.plugins.fhir.test_public_url import answers, urls
from tests.plugins.users.clinic import Clinic, Member

# A well-formed value of each search parameter type (references: to a practitioner, which
# `agent` or `actor` may name as well as `Patient/<id>` or a bare id).
SOME_ID = str(uuid.uuid4())
VALUES = {
    "number": "5",
    "date": "ge2020-01-01",
    "token": SOME_ID,
    "string": "a",
    "reference": f"Practitioner/{SOME_ID}",
}
# Where the type's generic value is no valid value of the parameter.
SPECIFIC = {
    "_offset": "0",
    "_snapshot": "2020-01-01T00:00:00.000000Z",
    "email": "someone@example.org",
    "status": {"Appointment": "booked", "Slot": "free"},
    "code": "8867-4",
    "role": "doctor",
    "active": "true",
    "patient": f"Patient/{SOME_ID}",
    "schedule": f"Schedule/{SOME_ID}",
    "entity": f"Patient/{SOME_ID}",
}
# Parameters a search needs besides the one tried.
REQUIRED = {
    "Slot": {"schedule": f"Schedule/{SOME_ID}"},
    "Observation": {"patient": f"Patient/{SOME_ID}"},
}
OPAQUE = frozenset({"_cursor"})
"""Only a `next` link's value of these is well-formed."""


def value_of(kind: str, name: str, param_type: str) -> str:
    specific = SPECIFIC.get(name, VALUES[param_type])
    return specific[kind] if isinstance(specific, dict) else specific


async def test_every_listed_search_parameter_is_taken(clinic: Clinic) -> None:
    # Observation listed `_offset` (refused: it pages by cursor); AuditEvent's `agent` was
    # typed `string` and refused `Practitioner/<id>`.
    statement = CapabilityStatement.model_validate(
        (await clinic.client.get(f"{BASE}/metadata")).json()
    )
    admin, doctor = await clinic.member("admin"), await clinic.member("doctor")
    callers: dict[str, Member] = {"Observation": doctor}
    tried = 0
    for resource in statement.rest[0].resource:
        caller = callers.get(resource.type, admin)
        for param in resource.searchParam or []:
            if param.name in OPAQUE:
                continue
            params = {
                **REQUIRED.get(resource.type, {}),
                param.name: value_of(resource.type, param.name, param.type),
            }
            answer = await clinic.client.get(
                f"{BASE}/{resource.type}", params=params, headers=caller.headers
            )
            assert answer.status_code == 200, (resource.type, params, answer.text)
            tried += 1
    assert tried > 40


async def test_each_parameter_documents_whether_it_takes_several_values(clinic: Clinic) -> None:
    # The README said which parameters OR comma-separated values; the statement did not.
    statement = CapabilityStatement.model_validate(
        (await clinic.client.get(f"{BASE}/metadata")).json()
    )
    admin, doctor = await clinic.member("admin"), await clinic.member("doctor")
    ored = set()
    for resource in statement.rest[0].resource:
        caller = doctor if resource.type == "Observation" else admin
        for param in resource.searchParam or []:
            assert param.documentation, (resource.type, param.name)
            if param.name in OPAQUE:
                continue
            value = value_of(resource.type, param.name, param.type)
            params = {**REQUIRED.get(resource.type, {}), param.name: f"{value},{value}"}
            answer = await clinic.client.get(
                f"{BASE}/{resource.type}", params=params, headers=caller.headers
            )
            if "ORed" in param.documentation:
                ored.add(f"{resource.type}.{param.name}")
                assert answer.status_code == 200, (resource.type, params, answer.text)
            else:
                assert "comma" in outcome(answer, 400), (resource.type, param.name)
    assert {"Slot.status", "Appointment.status", "Patient._id", "Schedule.actor"} <= ored


async def test_binary_is_listed_as_read_only_and_agents_as_references(clinic: Clinic) -> None:
    statement = CapabilityStatement.model_validate(
        (await clinic.client.get(f"{BASE}/metadata")).json()
    )
    resources = {r.type: r for r in statement.rest[0].resource}
    assert [i.code for i in resources["Binary"].interaction] == ["read"]
    assert not resources["Binary"].searchParam
    types = {p.name: p.type for p in resources["AuditEvent"].searchParam}
    assert (types["agent"], types["entity"]) == ("reference", "reference")
    observation = {p.name for p in resources["Observation"].searchParam}
    assert "_offset" not in observation and {"_count", "_cursor"} <= observation


async def test_without_a_public_url_links_follow_the_request(clinic: Clinic) -> None:
    # Development: `server.public_url` left to its default (the listening address). Here, not
    # in test_public_url.py, whose app with a public_url must not run beside this one.
    every = [url for answer in await answers(clinic) for url in urls(answer)]
    for url in every:
        assert url.startswith("http://evil.example/fhir/R4"), url
