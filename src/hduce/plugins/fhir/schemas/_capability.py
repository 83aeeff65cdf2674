"""The `CapabilityStatement` served at `/fhir/R4/metadata`."""

from typing import Any

from hduce.plugins.fhir.schemas._dates import LAST_UPDATED
from hduce.plugins.fhir.schemas._search_params import Filters, search_parameters

FHIR_VERSION = "4.0.1"
SEARCHES = (
    "Searches: GET [type]?parameters, or POST [type]/_search with the parameters as an "
    "application/x-www-form-urlencoded body (and possibly in the URL: both apply); paging "
    "links are GET links. An unknown search parameter is a 400 unless the request says "
    "`Prefer: handling=lenient`: then it is ignored and left out of the links. `_count=0` "
    "or `_summary=count` answers the total only."
)


def capability_statement(
    base_url: str,
    served: dict[str, Filters],
    writable: frozenset[str],
    search_only: frozenset[str],
) -> dict[str, Any]:
    """What this server does: each resource type with its interactions and search parameters.

    `served` maps each type to the filters its search takes (none: it is read only). A type
    that keeps when its resources last changed (searched by `_lastUpdated`) has versions (see
    `_versions`): `versioned`, and `versioned-update` when writable (`If-Match` is honoured);
    there is no history to read and no conditional update.
    """
    resources = []
    for resource_type, params in sorted(served.items()):
        interactions = [] if resource_type in search_only else ["read"]
        if params:
            interactions.append("search-type")
        if resource_type in writable:
            interactions += ["create", "update"]
        resource: dict[str, Any] = {
            "type": resource_type,
            "interaction": [{"code": code} for code in interactions],
            "versioning": _versioning(resource_type in writable, LAST_UPDATED in params),
            "readHistory": False,
        }
        if resource_type in writable:
            resource |= {"updateCreate": False, "conditionalUpdate": False}
        if params:
            resource["searchParam"] = [
                {"name": name, "type": param.type, "documentation": param.documentation}
                for name, param in sorted(search_parameters(params).items())
            ]
        resources.append(resource)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-05",  # when what this statement lists last changed
        "kind": "instance",
        "software": {"name": "HDuce"},
        "implementation": {"description": "HDuce FHIR R4 API", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": SEARCHES,
                "security": {
                    "service": [{"coding": [{"system": _SECURITY, "code": "OAuth"}]}],
                    "description": "Bearer access token from POST /api/v1/auth/login",
                },
                "resource": resources,
            }
        ],
    }


def _versioning(writable: bool, versioned: bool) -> str:
    if not versioned:
        return "no-version"
    return "versioned-update" if writable else "versioned"


_SECURITY = "http://terminology.hl7.org/CodeSystem/restful-security-service"
