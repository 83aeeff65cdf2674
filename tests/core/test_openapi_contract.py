"""The OpenAPI document of the whole app is valid and tells generators the truth."""

import re
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from openapi_spec_validator import validate

from hduce.app import create_app
from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.core.config import Settings
from hduce.plugins.appointments.schemas import AppointmentCreate, AppointmentRead
from hduce.plugins.auth.schemas import AcceptedRead, AccountCreate, LoginCreate, TokenRead
from hduce.plugins.documents.schemas import DocumentRead
from hduce.plugins.search.schemas import SearchPage
from tests.support.context import isolated

METHODS = ("get", "put", "post", "delete", "patch")
PUBLIC = {
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/refresh"),
    ("post", "/api/v1/auth/forgot-password"),
    ("post", "/api/v1/auth/reset-password"),
    ("post", "/api/v1/auth/verify-email"),
    ("get", "/health"),
    ("get", "/api/v1/appointments/ical/{feed_file}"),
    ("post", "/api/v1/appointments/{appointment_id}/confirm"),
}


@pytest.fixture(scope="module")
async def document(settings: Settings) -> AsyncIterator[dict[str, Any]]:
    test_settings = isolated(settings)
    plugins = load_plugins(test_settings)
    context = build_context(test_settings, "web", settings.database.url, settings.nats.url)
    setup_plugins(context, plugins)
    async with AsyncTestClient(create_app(context, plugins)) as client:
        response = await client.get("/openapi.json")
        assert response.status_code == 200, response.text
        served = await client.get("/schema/openapi.json")
        assert served.json() == response.json()
        yield response.json()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, item[method])
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    ]


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)


def test_operation_ids_are_tag_and_handler_name(document: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(ids) == len(set(ids))
    for method, path, op in operations(document):
        assert re.fullmatch(r"[a-z]+(_[a-z0-9]+)*", op["operationId"]), (method, path)
        assert op["operationId"].startswith(op["tags"][0]), (method, path)
    by_path = {(m, p): op["operationId"] for m, p, op in operations(document)}
    assert by_path[("post", "/api/v1/auth/register")] == "auth_register"
    assert by_path[("post", "/api/v1/auth/login")] == "auth_login"


def test_public_operations_say_security_empty(document: dict[str, Any]) -> None:
    public = {(m, p) for m, p, op in operations(document) if op.get("security") == []}
    assert public >= PUBLIC
    for method, path, op in operations(document):
        if (method, path) not in public:
            assert "401" in op["responses"], (method, path)
    assert document["security"] == [{"BearerToken": []}]


def test_problems_share_one_schema_with_real_examples(document: dict[str, Any]) -> None:
    for method, path, op in operations(document):
        if path.startswith("/fhir/"):
            continue  # OperationOutcomes there: tests/plugins/fhir/test_openapi.py
        for code, response in op["responses"].items():
            if not code.startswith("4"):
                continue  # a 503 from /health/detailed is its JSON report, not a problem
            content = response["content"]
            assert list(content) == ["application/problem+json"], (method, path, code)
            media = content["application/problem+json"]
            assert media["schema"] == {"$ref": "#/components/schemas/Problem"}
            [example] = media["examples"].values()
            assert example["value"]["status"] == int(code), (method, path, code)
    problem = document["components"]["schemas"]["Problem"]
    assert {e["status"] for e in problem["examples"]} == {404, 422}
    assert "errors" in problem["properties"]


def test_validation_is_documented_as_422_not_litestar_400(document: dict[str, Any]) -> None:
    register = document["paths"]["/api/v1/auth/register"]["post"]["responses"]
    # The 400 left is the problem of a body that does not parse, not Litestar's validation 400.
    unparsable = register["400"]["content"]["application/problem+json"]["examples"]["400"]
    assert "does not parse" in unparsable["value"]["detail"]
    assert register["422"]["content"]["application/problem+json"]["examples"]["422"]["value"][
        "errors"
    ]
    text = str(document)
    assert "status_code" not in text and "Validation Exception" not in text


def test_every_api_operation_documents_429_with_retry_after(document: dict[str, Any]) -> None:
    for method, path, op in operations(document):
        if path.startswith("/api/"):
            limited = op["responses"]["429"]
            assert limited["headers"]["Retry-After"]["schema"]["type"] == "integer", (method, path)


def test_every_401_documents_its_www_authenticate_challenge(document: dict[str, Any]) -> None:
    unauthorized = [
        (method, path, op["responses"]["401"])
        for method, path, op in operations(document)
        if "401" in op["responses"]
    ]
    assert any(path.startswith("/fhir/") for _, path, _ in unauthorized)  # OperationOutcome too
    for method, path, answer in unauthorized:
        challenge = answer.get("headers", {}).get("WWW-Authenticate")
        assert challenge and challenge["required"], (method, path, answer)
        assert challenge["schema"]["type"] == "string", (method, path)


def test_success_descriptions_are_plain(document: dict[str, Any]) -> None:
    for method, path, op in operations(document):
        responses = op["responses"]
        if "201" in responses:
            assert responses["201"]["description"] == "Created", (method, path)
        if "204" in responses:
            assert "nothing follows" not in responses["204"]["description"], (method, path)


MEDIA_TYPE = re.compile(r"[a-z*]+/[a-z0-9*][a-z0-9.+*-]*")


def test_every_body_names_its_media_type(document: dict[str, Any]) -> None:
    # The file download's 200 was documented as `content: {"": ...}`.
    for method, path, op in operations(document):
        bodies = {"request": op.get("requestBody", {}), **op["responses"]}
        for which, body in bodies.items():
            for media_type in body.get("content") or {}:
                assert MEDIA_TYPE.fullmatch(media_type), (method, path, which, media_type)


def test_a_download_documents_the_types_and_headers_it_answers(document: dict[str, Any]) -> None:
    # The 200 said only octet-stream while the stored type is served, and `last-modified` said
    # `format: date-time` while it is an HTTP date (schemathesis: both non-conforming).
    download = document["paths"]["/api/v1/documents/{document_id}/content"]["get"]
    answer = download["responses"]["200"]
    assert set(answer["content"]) == {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/tiff",
        "text/plain",
    }
    modified = answer["headers"]["last-modified"]
    assert modified["schema"] == {"type": "string"}, modified
    assert "HTTP date" in modified["description"]


EXAMPLED = [
    ("post", "/api/v1/auth/register", "202", AccountCreate, AcceptedRead),
    ("post", "/api/v1/auth/login", "200", LoginCreate, TokenRead),
    ("post", "/api/v1/appointments", "201", AppointmentCreate, AppointmentRead),
    ("post", "/api/v1/documents", "201", None, DocumentRead),
    ("get", "/api/v1/search", "200", None, SearchPage),
]


@pytest.mark.parametrize(("method", "path", "status", "body", "answer"), EXAMPLED)
def test_main_flows_carry_examples_the_api_accepts_and_gives(
    document: dict[str, Any],
    method: str,
    path: str,
    status: str,
    body: type | None,
    answer: type,
) -> None:
    operation = document["paths"][path][method]
    [example] = operation["responses"][status]["content"]["application/json"]["examples"].values()
    msgspec.convert(example["value"], answer, strict=False)
    if body is not None:
        [sent] = operation["requestBody"]["content"]["application/json"]["schema"]["examples"]
        msgspec.convert(sent, body, strict=False)


def test_operations_with_a_path_parameter_document_404(document: dict[str, Any]) -> None:
    # README: an id that does not parse is a 404; four operations did not document it.
    undocumented = [
        (method, path)
        for method, path, op in operations(document)
        if any(p["in"] == "path" for p in op.get("parameters", []))
        and not path.startswith("/fhir/")
        and "404" not in op["responses"]
    ]
    assert undocumented == []


def test_the_inbox_stream_declares_its_last_event_id_header(document: dict[str, Any]) -> None:
    # Only the operation's prose mentioned it, and not that an unknown id is ignored.
    stream = document["paths"]["/api/v1/notifications/stream"]["get"]
    [header] = [p for p in stream["parameters"] if p["in"] == "header"]
    assert header["name"].lower() == "last-event-id", header
    assert header["required"] is False, header
    assert {"type": "string"} in header["schema"].get("oneOf", [header["schema"]]), header
    assert "ignored" in header["description"], header


def body_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    for arm in schema.get("oneOf", [schema]):
        if "$ref" in arm:
            return document["components"]["schemas"][arm["$ref"].rsplit("/", 1)[1]]
    return schema


# Seen (schemathesis): bodies with an unknown field are a 422, but no schema said so.
def test_api_body_objects_say_no_other_properties(document: dict[str, Any]) -> None:
    open_ended = [
        (method, path)
        for method, path, operation in operations(document)
        if path.startswith("/api/")
        and "application/json" in operation.get("requestBody", {}).get("content", {})
        and "properties" in (schema := body_schema(document, operation))
        and schema.get("additionalProperties") is not False
    ]
    assert not open_ended


# Seen (schemathesis): both take no body (201 / 204), yet the document said one was required.
@pytest.mark.parametrize("path", ["/api/v1/appointments/feeds", "/api/v1/auth/logout"])
def test_an_optional_body_is_documented_optional(document: dict[str, Any], path: str) -> None:
    assert document["paths"][path]["post"]["requestBody"]["required"] is False
    assert document["paths"]["/api/v1/auth/register"]["post"]["requestBody"]["required"] is True
