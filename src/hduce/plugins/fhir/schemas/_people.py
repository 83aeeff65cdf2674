"""`Patient` and `Practitioner` resources built from the users plugin's demographics."""

from typing import Any

from hduce.contracts.auth import AccountStatus
from hduce.contracts.users import Demographics
from hduce.plugins.fhir.schemas._versions import meta

IDENTIFIER_SYSTEM = "urn:hduce:account"
"""The system of the identifier every person carries: their HDuce account id."""


def patient(person: Demographics) -> dict[str, Any]:
    """A `Patient`: name, e-mail and phone, date of birth, address."""
    resource = _person("Patient", person)
    telecom = [{"system": "email", "value": person.email, "use": "home"}]
    if person.phone:
        telecom.append({"system": "phone", "value": person.phone})
    resource["telecom"] = telecom
    if person.date_of_birth:
        resource["birthDate"] = person.date_of_birth.isoformat()
    if person.address:
        resource["address"] = [{"text": person.address}]
    return resource


def practitioner(person: Demographics) -> dict[str, Any]:
    """A `Practitioner`: names only, never contact details (as the practitioner directory)."""
    return _person("Practitioner", person)


def _person(resource_type: str, person: Demographics) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": resource_type,
        "id": str(person.id),
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": str(person.id)}],
        "active": person.status == AccountStatus.ACTIVE,
    }
    if person.updated_at:
        resource["meta"] = meta(person.updated_at)
    name = {
        k: v
        for k, v in (("family", person.last_name), ("given", [person.first_name]))
        if v and v != [""]
    }
    if name:
        name["text"] = f"{person.first_name} {person.last_name}".strip()
        resource["name"] = [name]
    return resource
