"""The OpenAPI document describes `/fhir/R4` as it answers: FHIR JSON objects, search parameters."""

from typing import Any

from openapi_spec_validator import validate

from tests.plugins.fhir.test_patients import BASE, FHIR_JSON
from tests.plugins.users.clinic import Clinic

ERRORS = {"400", "401", "403", "404", "406"}


async def fhir_operations(clinic: Clinic) -> tuple[dict[str, Any], list[tuple[str, str, dict]]]:
    document = (await clinic.client.get("/openapi.json")).json()
    found = [
        (method, path, operation)
        for path, item in document["paths"].items()
        if path.startswith(BASE)
        for method, operation in item.items()
        if method in {"get", "post", "put"}
    ]
    assert len(found) > 20
    return document, found


def resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    return document["components"]["schemas"][ref.rpartition("/")[2]] if ref else schema


async def test_answers_are_fhir_json_objects_and_errors_outcomes(clinic: Clinic) -> None:
    # Every 200 was `application/json` `{"type": "string"}`; errors problem+json 401/422.
    document, operations = await fhir_operations(clinic)
    validate(document)
    for method, path, operation in operations:
        responses = operation["responses"]
        assert "422" not in responses, (method, path)
        public = path == f"{BASE}/metadata"
        assert public or set(responses) >= ERRORS, (method, path, sorted(responses))
        for code, response in responses.items():
            assert list(response.get("content", {})) == [FHIR_JSON], (method, path, code)
            schema = resolved(document, response["content"][FHIR_JSON]["schema"])
            assert schema["type"] == "object" and "resourceType" in schema["properties"]
            if code.startswith("4"):
                assert schema["properties"]["resourceType"].get("const") == "OperationOutcome"


async def test_searches_document_the_capability_statements_parameters(clinic: Clinic) -> None:
    _, operations = await fhir_operations(clinic)
    statement = (await clinic.client.get(f"{BASE}/metadata")).json()
    listed = {
        resource["type"]: {param["name"] for param in resource.get("searchParam", [])}
        for resource in statement["rest"][0]["resource"]
    }
    searches = {
        path.removeprefix(f"{BASE}/"): operation
        for method, path, operation in operations
        if method == "get" and path.count("/") == 3 and path != f"{BASE}/metadata"
    }
    assert set(searches) == {kind for kind, params in listed.items() if params}
    for kind, operation in searches.items():
        documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        assert documented == listed[kind], kind
        assert "400" in operation["responses"]


async def test_appointment_writes_document_their_body(clinic: Clinic) -> None:
    document, operations = await fhir_operations(clinic)
    for method, path, operation in operations:
        if method in {"post", "put"} and not path.endswith("/_search"):
            body = operation["requestBody"]
            assert body["required"] is True, path
            schema = resolved(document, body["content"][FHIR_JSON]["schema"])
            assert schema["properties"]["resourceType"].get("const") == "Appointment"
            assert {"409", "415"} <= set(operation["responses"]), path


async def test_every_operation_documents_its_rate_limit_with_retry_after(clinic: Clinic) -> None:
    # FHIR answers 429 (an OperationOutcome with `Retry-After`) like /api does; none said so.
    document, operations = await fhir_operations(clinic)
    api_429 = document["paths"]["/api/v1/auth/login"]["post"]["responses"]["429"]
    for method, path, operation in operations:
        throttled = operation["responses"].get("429")
        assert throttled is not None, (method, path)
        schema = resolved(document, throttled["content"][FHIR_JSON]["schema"])
        assert schema["properties"]["resourceType"].get("const") == "OperationOutcome"
        assert throttled["headers"] == api_429["headers"], (method, path)
