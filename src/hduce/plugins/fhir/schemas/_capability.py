"""The `CapabilityStatement` served at `/fhir/R4/metadata`."""

from typing import Any

from hduce.plugins.fhir.schemas._params import PAGING

FHIR_VERSION = "4.0.1"


def capability_statement(
    base_url: str,
    searches: dict[str, frozenset[str]],
    writable: frozenset[str],
    search_only: frozenset[str],
) -> dict[str, Any]:
    """What this server does: each resource type with its interactions and search parameters."""
    resources = []
    for resource_type, params in sorted(searches.items()):
        interactions = ["search-type"] if resource_type in search_only else ["read", "search-type"]
        if resource_type in writable:
            interactions += ["create", "update"]
        resources.append(
            {
                "type": resource_type,
                "interaction": [{"code": code} for code in interactions],
                "searchParam": [
                    {"name": name, "type": _TYPES.get(name, "string")}
                    for name in sorted(params | PAGING)
                ],
            }
        )
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-02",  # when what this statement lists last changed
        "kind": "instance",
        "software": {"name": "HDuce"},
        "implementation": {"description": "HDuce FHIR R4 API", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "service": [{"coding": [{"system": _SECURITY, "code": "OAuth"}]}],
                    "description": "Bearer access token from POST /api/v1/auth/login",
                },
                "resource": resources,
            }
        ],
    }


_SECURITY = "http://terminology.hl7.org/CodeSystem/restful-security-service"
_TYPES = {
    "_count": "number",
    "_offset": "number",
    "_id": "token",
    "identifier": "token",
    "email": "token",
    "status": "token",
    "code": "token",
    "birthdate": "date",
    "date": "date",
    "patient": "reference",
    "practitioner": "reference",
    "schedule": "reference",
    "actor": "reference",
    "service-type": "token",
    "specialty": "token",
    "role": "token",
    "active": "token",
    "start": "date",
    "_lastUpdated": "date",
    "_snapshot": "date",
}
