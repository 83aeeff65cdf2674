"""FHIR's JSON media type and a response helper."""

from typing import Any

import msgspec
from litestar import Response

FHIR_JSON = "application/fhir+json"


def fhir_response(resource: dict[str, Any], status_code: int = 200) -> Response[bytes]:
    """One FHIR resource as `application/fhir+json`."""
    return Response(msgspec.json.encode(resource), status_code=status_code, media_type=FHIR_JSON)
