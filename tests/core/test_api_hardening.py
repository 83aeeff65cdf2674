"""Answers are uncacheable (static assets aside) and unsniffable; too nested JSON is a 400."""

import uuid
from collections.abc import AsyncIterator

import pytest
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
