"""CORS: preflights are answered for the configured origins only; `*` never with credentials."""

from collections.abc import AsyncIterator

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from hduce.app import create_app
from hduce.bootstrap import build_context, setup_plugins
from hduce.core.config import ConfigError, Settings, load_settings
from hduce.core.plugin import HducePlugin
from tests.support.context import isolated

ALLOWED = "https://portal.clinic.test"
PREFLIGHT = {"Access-Control-Request-Method": "POST"}


async def _client(settings: Settings, origins: tuple[str, ...]) -> AsyncTestClient:
    server = msgspec.structs.replace(settings.server, cors_allowed_origins=origins)
    test_settings = isolated(msgspec.structs.replace(settings, server=server))
    plugins: list[HducePlugin] = []
    context = build_context(test_settings, "web", settings.database.url, settings.nats.url)
    setup_plugins(context, plugins)
    return AsyncTestClient(create_app(context, plugins))


@pytest.fixture
async def cors_client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with await _client(settings, (ALLOWED,)) as client:
        yield client


async def test_preflight_from_an_allowed_origin_is_answered(cors_client: AsyncTestClient) -> None:
    response = await cors_client.options(
        "/api/v1/auth/login", headers={"Origin": ALLOWED, **PREFLIGHT}
    )
    assert response.status_code in (200, 204), response.text
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in response.headers["access-control-allow-methods"]


async def test_preflight_from_another_origin_gets_no_cors_grant(
    cors_client: AsyncTestClient,
) -> None:
    response = await cors_client.options(
        "/api/v1/auth/login", headers={"Origin": "https://evil.test", **PREFLIGHT}
    )
    assert "access-control-allow-origin" not in response.headers


# Seen: Litestar's text/plain 400 "Disallowed CORS Origin", while every error is problem+json.
@pytest.mark.parametrize(
    ("origin", "extra", "named"),
    [
        ("https://evil.test", {}, "https://evil.test"),
        (ALLOWED, {"Access-Control-Request-Headers": "X-Secret-Thing"}, "X-Secret-Thing"),
    ],
)
async def test_a_refused_preflight_is_a_problem_saying_why(
    cors_client: AsyncTestClient, origin: str, extra: dict[str, str], named: str
) -> None:
    response = await cors_client.options(
        "/api/v1/auth/login", headers={"Origin": origin, **PREFLIGHT, **extra}
    )
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert named in response.json()["detail"]
    assert "access-control-allow-origin" not in response.headers


# Seen: `ETag` and `WWW-Authenticate` were not exposed, so a cross-origin app could not send
# FHIR's `If-Match` nor read a 401's challenge; nor was `If-Match` an allowed request header.
async def test_an_app_can_read_and_send_the_headers_it_needs(
    cors_client: AsyncTestClient,
) -> None:
    response = await cors_client.get("/health", headers={"Origin": ALLOWED})
    exposed = {
        name.strip() for name in response.headers["access-control-expose-headers"].split(",")
    }
    assert {"ETag", "WWW-Authenticate", "Location", "Retry-After", "X-Request-ID"} <= exposed
    preflight = await cors_client.options(
        "/fhir/R4/Appointment/x",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization, content-type, if-match",
        },
    )
    assert preflight.status_code in (200, 204), preflight.text


async def test_simple_request_from_an_allowed_origin_carries_the_header(
    cors_client: AsyncTestClient,
) -> None:
    response = await cors_client.get("/health", headers={"Origin": ALLOWED})
    assert response.headers["access-control-allow-origin"] == ALLOWED


async def test_no_origins_configured_means_no_cors(settings: Settings) -> None:
    async with await _client(settings, ()) as client:
        response = await client.options(
            "/api/v1/auth/login", headers={"Origin": ALLOWED, **PREFLIGHT}
        )
        assert "access-control-allow-origin" not in response.headers


def test_wildcard_origin_with_credentials_is_refused() -> None:
    environ = {
        "HDUCE_SERVER__CORS_ALLOWED_ORIGINS": '["*"]',
        "HDUCE_SERVER__CORS_ALLOW_CREDENTIALS": "true",
    }
    with pytest.raises(ConfigError, match="cors_allow_credentials"):
        load_settings(config_file=None, environ=environ, production_rules=False)


def test_wildcard_origin_without_credentials_is_accepted() -> None:
    environ = {"HDUCE_SERVER__CORS_ALLOWED_ORIGINS": '["*"]'}
    settings = load_settings(config_file=None, environ=environ, production_rules=False)
    assert settings.server.cors_allowed_origins == ("*",)
