"""Answers are uncacheable (static assets aside) and unsniffable; too nested JSON is a 400;
every 422 names its invalid inputs in `errors`, each with its `key` and `source` (README)."""

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from hduce.app import create_app
from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.core.config import Settings
from hduce.core.errors import PROBLEM_JSON
from hduce.core.security import Principal, TokenService
from tests.support.context import isolated

DEPTH = 100_000


@pytest.fixture(scope="module")
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    test_settings = isolated(settings)
    plugins = load_plugins(test_settings)
    context = build_context(test_settings, "web", settings.database.url, settings.nats.url)
    setup_plugins(context, plugins)
    async with AsyncTestClient(create_app(context, plugins)) as test_client:
        yield test_client


def bearer(settings: Settings, role: str) -> dict[str, str]:
    token, _ = TokenService(settings.auth).issue(
        Principal(id=uuid.uuid4(), roles=frozenset({role}))
    )
    return {"Authorization": f"Bearer {token}"}


NO_APPOINTMENT = uuid.UUID(int=1)
"""Fixed: parameters are test ids, the same in every test process (pytest-xdist checks)."""


@pytest.mark.parametrize(
    ("method", "path", "role", "status"),
    [
        ("GET", "/api/v1/appointments/types", "patient", 200),
        ("GET", "/api/v1/appointments/types", None, 401),
        ("GET", "/api/v1/no-such-route", "patient", 404),
        ("GET", "/api/v1/audit", "patient", 403),
        ("POST", f"/api/v1/appointments/{NO_APPOINTMENT}/confirm", None, 422),
        # FHIR answers carry the same patient data (`Binary` is a document's bytes).
        ("GET", "/fhir/R4/Patient", "doctor", 200),
        ("GET", f"/fhir/R4/Binary/{NO_APPOINTMENT}", "doctor", 404),
        ("GET", "/fhir/R4/metadata", None, 200),
        ("GET", "/health", None, 200),
        ("GET", "/no-such-page", None, 404),
    ],
)
async def test_every_answer_is_no_store_and_nosniff(
    client: AsyncTestClient,
    settings: Settings,
    method: str,
    path: str,
    role: str | None,
    status: int,
) -> None:
    headers = bearer(settings, role) if role else {}
    response = await client.request(method, path, headers=headers, content=b"{}")
    assert response.status_code == status, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_static_assets_stay_cacheable_and_unsniffable(client: AsyncTestClient) -> None:
    response = await client.get("/static/docs/redoc.standalone.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] != "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_deeply_nested_json_body_is_a_400_problem(client: AsyncTestClient) -> None:
    body = b'{"token": ' + b"[" * DEPTH + b"]" * DEPTH + b"}"
    response = await client.post(
        f"/api/v1/appointments/{uuid.uuid4()}/confirm",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "nested" in response.json()["detail"]


@pytest.mark.parametrize("body", [b"", None])
async def test_a_missing_json_body_is_a_400_that_says_so(
    client: AsyncTestClient, body: bytes | None
) -> None:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    # Not the login: its rate limit is shared with every other test of the session.
    confirm = f"/api/v1/appointments/{NO_APPOINTMENT}/confirm"
    response = await client.post(confirm, content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["detail"] == "a JSON request body is required", response.text


@pytest.mark.parametrize(
    ("path", "role"),
    [("/health", None), ("/openapi.json", None), ("/api/v1/appointments/types", "patient")],
)
async def test_head_answers_as_get_without_the_body(
    client: AsyncTestClient, settings: Settings, path: str, role: str | None
) -> None:
    # Uptime monitors ask with HEAD; every GET route was a 405 to it.
    headers = bearer(settings, role) if role else {}
    got = await client.get(path, headers=headers)
    head = await client.head(path, headers=headers)
    assert head.status_code == got.status_code == 200, head.text
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == str(len(got.content))


SOMEONE = uuid.UUID(int=7)
"""An account that is nobody's: ids in parameters are fixed (pytest-xdist checks)."""
DAY, NEXT_DAY = "2026-12-07T00:00:00Z", "2026-12-08T00:00:00Z"
REVERSED = f"start={NEXT_DAY}&end={DAY}"


# Seen (schemathesis): these 422s named the input in `detail` only, with no `errors`.
@pytest.mark.parametrize(
    ("method", "target", "role", "key", "source"),
    [
        ("GET", "/api/v1/users?limit=100000", "admin", "limit", "query"),
        ("GET", "/api/v1/practitioners?limit=100000", "admin", "limit", "query"),
        ("GET", "/api/v1/documents?limit=100000", "doctor", "limit", "query"),
        ("GET", "/api/v1/appointments?limit=100000", "doctor", "limit", "query"),
        ("GET", "/api/v1/search?q=a&limit=100000", "doctor", "limit", "query"),
        ("GET", "/api/v1/search/suggest?q=a&limit=100000", "doctor", "limit", "query"),
        ("GET", "/api/v1/search?q=%20", "doctor", "q", "query"),
        ("GET", "/api/v1/search?q=a&mode=x", "doctor", "mode", "query"),
        ("GET", "/api/v1/search?q=a&patient_id=0", "doctor", "patient_id", "query"),
        ("GET", f"/api/v1/appointments?{REVERSED}", "doctor", "end", "query"),
        (
            "GET",
            f"/api/v1/appointments/slots?practitioner_id={SOMEONE}&type_id={SOMEONE}&{REVERSED}",
            "patient",
            "end",
            "query",
        ),
        (
            "GET",
            f"/api/v1/devices/readings?patient_id={SOMEONE}&{REVERSED}",
            "doctor",
            "end",
            "query",
        ),
        (
            "GET",
            f"/api/v1/devices/readings?patient_id={SOMEONE}&cursor=x",
            "doctor",
            "cursor",
            "query",
        ),
        (
            "PUT",
            f"/api/v1/devices/thresholds/{SOMEONE}/no_such_metric",
            "doctor",
            "metric",
            "path",
        ),
        (
            "GET",
            f"/api/v1/appointments/slots?practitioner_id={SOMEONE}&type_id={SOMEONE}&start={DAY}"
            f"&x={'A' * 20000}",
            "patient",
            "end",
            "query",
        ),
    ],
)
async def test_a_422_names_its_invalid_input_in_errors(
    client: AsyncTestClient,
    settings: Settings,
    method: str,
    target: str,
    role: str,
    key: str,
    source: str,
) -> None:
    response = await client.request(
        method,
        target,
        headers=bearer(settings, role),
        json={"above": 1} if method == "PUT" else None,
    )
    assert_names_the_input(response, key, source)


@pytest.mark.parametrize(
    ("method", "sent", "key"),
    [
        ("GET", None, "patient_id"),
        ("PUT", {}, "above"),
        ("PUT", {"above": 35, "below": 39.5}, "below"),
    ],
)
async def test_a_threshold_422_names_its_invalid_input_in_errors(
    client: AsyncTestClient, settings: Settings, method: str, sent: Any, key: str
) -> None:
    target = f"/api/v1/devices/thresholds/{SOMEONE}" + ("/temperature" if sent is not None else "")
    response = await client.request(method, target, headers=bearer(settings, "doctor"), json=sent)
    assert_names_the_input(response, key, "path" if key == "patient_id" else "body")


# Seen: naming an account that is no patient's (or, as staff, no patient at all) was a 422 whose
# `detail` alone said which input.
@pytest.mark.parametrize(
    ("target", "role", "sent", "key", "source"),
    [
        (
            "/api/v1/devices",
            "admin",
            {"kind": "scale", "name": "Scale", "serial": "S-1", "patient_id": str(SOMEONE)},
            "patient_id",
            "body",
        ),
        (f"/api/v1/documents?patient_id={SOMEONE}", "doctor", b"%PDF-1.4", "patient_id", "query"),
        ("/api/v1/documents", "doctor", b"%PDF-1.4", "patient_id", "query"),
    ],
)
async def test_a_422_about_the_patient_named_names_it_in_errors(
    client: AsyncTestClient,
    settings: Settings,
    target: str,
    role: str,
    sent: Any,
    key: str,
    source: str,
) -> None:
    body = {"content": sent} if isinstance(sent, bytes) else {"json": sent}
    response = await client.post(target, headers=bearer(settings, role), **body)
    assert_names_the_input(response, key, source)


def assert_names_the_input(response: Any, key: str, source: str) -> None:
    """A 422 whose `errors` name `key` in `source`, and whose `detail` stays short."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert {"key": key, "source": source} in [
        {"key": error.get("key"), "source": error.get("source")} for error in body.get("errors", [])
    ], body
    assert len(body["detail"]) < 300, body["detail"][:300]  # never the whole request target


# Seen (schemathesis): a JSON body's "30" was taken for an integer, 1 for a boolean, "39.5"
# for a number, "null" for none; every JSON body is read strictly, each a 422 naming the field.
WAITLIST = {
    "practitioner_id": str(SOMEONE),
    "type_id": str(SOMEONE),
    "from_date": "2026-12-07",
    "to_date": "2026-12-08",
}


@pytest.mark.parametrize(
    ("method", "target", "role", "sent", "key"),
    [
        (
            "PATCH",
            f"/api/v1/appointments/types/{SOMEONE}",
            "admin",
            {"duration_minutes": "30"},
            "duration_minutes",
        ),
        ("PATCH", f"/api/v1/appointments/types/{SOMEONE}", "admin", {"active": 1}, "active"),
        (
            "PUT",
            f"/api/v1/devices/thresholds/{SOMEONE}/temperature",
            "doctor",
            {"above": "39.5"},
            "above",
        ),
        (
            "POST",
            "/api/v1/appointments/waitlist",
            "patient",
            {**WAITLIST, "patient_id": "null"},
            "patient_id",
        ),
        (
            "PUT",
            "/api/v1/notifications/preferences",
            "patient",
            {"channels": {"appointments": {"email": 0}}},
            "channels.appointments.email",
        ),
        # Seen: a map's value was keyed `channels[...][...]`, and a bad map key `data`
        # with msgspec's `- at \`key\` in \`$.channels\`` in the words.
        (
            "PUT",
            "/api/v1/notifications/preferences",
            "patient",
            {"channels": {"general": "x"}},
            "channels.general",
        ),
        (
            "PUT",
            "/api/v1/notifications/preferences",
            "patient",
            {"channels": {"nope": {"email": True}}},
            "channels.nope",
        ),
        (
            "PUT",
            "/api/v1/notifications/preferences",
            "patient",
            {"channels": {"general": {"fax": True}}},
            "channels.general.fax",
        ),
        # Seen: an unknown field named ``zz - at `$.email`` was blamed on `email`.
        (
            "POST",
            "/api/v1/auth/forgot-password",
            "patient",
            {"email": "a@x.test", "zz - at `$.email": 1},
            '["zz - at `$.email"]',
        ),
        ("POST", "/api/v1/appointments/types", "admin", {}, "name"),
        (
            "PUT",
            "/api/v1/notifications/preferences",
            "patient",
            {"quiet_hours": {"start": "22:00", "end": "07:00", "zz": 1}},
            "quiet_hours.zz",
        ),
        ("POST", f"/api/v1/appointments/{NO_APPOINTMENT}/confirm", "patient", [], "data"),
    ],
)
async def test_a_json_body_field_of_the_wrong_type_is_a_422_naming_it(
    client: AsyncTestClient,
    settings: Settings,
    method: str,
    target: str,
    role: str,
    sent: Any,
    key: str,
) -> None:
    response = await client.request(method, target, headers=bearer(settings, role), json=sent)
    assert_names_the_input(response, key, "body")
    message = response.json()["errors"][0]["message"]
    assert "[...]" not in message and "` in `$" not in message, message


PATH_PARAMETER = re.compile(r"\{\w+:(\w+)\}")
SAMPLE = {"uuid": str(SOMEONE), "int": "1"}
"""A value of each path parameter type (any other, `str` or `path`, takes `x`)."""


# Seen: OPTIONS on /api/v1/appointments/types answered `Allow: OPTIONS, POST`, without GET: a
# path served by handlers of several controllers listed only the first one's methods; OPTIONS
# on /api/v1/analytics was a 401 (its controller's guard, while OPTIONS carries no token).
async def test_options_allows_every_method_of_every_api_path(
    client: AsyncTestClient, settings: Settings
) -> None:
    routes = [route for route in client.app.routes if isinstance(route, HTTPRoute)]
    wrong = {}
    for route in routes:
        if not route.path.startswith("/api/"):
            continue
        target = PATH_PARAMETER.sub(lambda found: SAMPLE.get(found[1], "x"), route.path)
        response = await client.options(target, headers=bearer(settings, "admin"))
        served = set(route.methods) | ({"HEAD"} if "GET" in route.methods else set())
        allowed = set(response.headers.get("allow", "").split(", "))
        if response.status_code != 204 or allowed != served:
            wrong[route.path] = (response.status_code, sorted(allowed), sorted(served))
    assert len(routes) > 50, "the API's routes were not found"
    assert wrong == {}


# Seen: DELETE /health was a 405 with `Allow: GET, OPTIONS`: Litestar's list, without the HEAD
# every GET path answers (and OPTIONS lists).
@pytest.mark.parametrize("path", ["/health", "/api/v1/appointments/types"])
async def test_a_405_allows_what_options_allows(
    client: AsyncTestClient, settings: Settings, path: str
) -> None:
    headers = bearer(settings, "admin")
    refused = await client.delete(path, headers=headers)
    options = await client.options(path, headers=headers)
    assert refused.status_code == 405, refused.text
    assert "HEAD" in refused.headers["allow"].split(", "), refused.headers
    assert refused.headers["allow"] == options.headers["allow"]
    assert refused.json()["detail"].endswith(f"it allows {options.headers['allow']}")


# Seen: `{"first_name": "\ud800"}` was answered "the JSON body does not parse: Input data was
# truncated"; what is wrong is half a surrogate pair, and the answer says so and where.
@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b'{"token": "\\ud800"}', "byte 11"),
        (b'{"token": "ab\\ud800cd"}', "byte 13"),
        (b'{"token": "\\\\\\udc00"}', "byte 13"),
        (b'{"token": "\\ud800\\u0041"}', "byte 11"),
    ],
)
async def test_an_unpaired_surrogate_is_a_400_saying_so(
    client: AsyncTestClient, settings: Settings, body: bytes, where: str
) -> None:
    response = await client.post(
        f"/api/v1/appointments/{NO_APPOINTMENT}/confirm",
        content=body,
        headers={"Content-Type": "application/json", **bearer(settings, "patient")},
    )
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert "unpaired UTF-16 surrogate" in detail and where in detail, detail
