"""The app-wide guard: one window per client across the API, then the bearer token."""

import uuid
from collections.abc import AsyncIterator

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from hduce.app import create_app
from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.core.config import Settings
from hduce.core.security import Principal, TokenService
from tests.support.context import fresh_rate_limits, isolated

LIMIT = 3


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    """HDuce's app allowing each client `LIMIT` requests a minute."""
    server = msgspec.structs.replace(settings.server, rate_limit_per_minute=LIMIT)
    test_settings = isolated(msgspec.structs.replace(settings, server=server))
    plugins = load_plugins(test_settings)
    context = build_context(test_settings, "web", settings.database.url, settings.nats.url)
    setup_plugins(context, plugins)
    await fresh_rate_limits(settings.database.url)
    async with AsyncTestClient(create_app(context, plugins)) as test_client:
        yield test_client


def bearer(settings: Settings) -> dict[str, str]:
    """A patient's access token."""
    principal = Principal(id=uuid.uuid4(), roles=frozenset({"patient"}))
    token, _ = TokenService(settings.auth).issue(principal)
    return {"Authorization": f"Bearer {token}"}


async def test_one_window_per_client_across_routes_and_health_is_never_counted(
    client: AsyncTestClient, settings: Settings
) -> None:
    patient = bearer(settings)
    seen = []
    for path in ["/api/v1/appointments/types", "/health", "/api/v1/appointments", "/health"]:
        response = await client.get(path, headers=patient)
        seen.append((response.status_code, response.headers.get("ratelimit-remaining")))
    assert seen == [(200, "2"), (200, None), (200, "1"), (200, None)]
    assert (await client.get("/api/v1/appointments/types", headers=patient)).status_code == 200
    refused = await client.get("/api/v1/appointments", headers=patient)
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["ratelimit-remaining"] == "0"
    assert (await client.get("/health")).status_code == 200


async def test_requests_without_a_token_are_counted_and_refused(
    client: AsyncTestClient, settings: Settings
) -> None:
    for _ in range(LIMIT):
        unauthenticated = await client.get("/api/v1/appointments/types")
        assert unauthenticated.status_code == 401, unauthenticated.text
        assert unauthenticated.headers["content-type"].startswith("application/problem+json")
    # The window counted the refused requests: a token does not buy the client more.
    limited = await client.get("/api/v1/appointments/types", headers=bearer(settings))
    assert limited.status_code == 429


async def test_a_bad_token_is_401_and_options_needs_none(
    client: AsyncTestClient, settings: Settings
) -> None:
    forged = {"Authorization": bearer(settings)["Authorization"][:-4] + "AAAA"}
    rejected = await client.get("/api/v1/appointments/types", headers=forged)
    assert rejected.status_code == 401
    assert "invalid access token" in rejected.json()["detail"]
    # No WWW-Authenticate (RFC 6750 section 3): clients could not tell a bad token from none.
    assert rejected.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    basic = await client.get("/api/v1/appointments/types", headers={"Authorization": "Basic eA=="})
    assert basic.status_code == 401
    assert "bearer access token is required" in basic.json()["detail"]
    assert basic.headers["www-authenticate"] == "Bearer"
    allowed = await client.options("/api/v1/appointments/types")
    assert allowed.status_code == 204, allowed.text
