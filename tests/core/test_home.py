"""`/` and `/health` of a real app without plugins: the docs, and liveness."""

from litestar.testing import AsyncTestClient

from hduce.app import create_app
from hduce.bootstrap import build_context
from hduce.core.config import Settings
from tests.support.context import isolated


async def test_root_redirects_to_the_docs(settings: Settings) -> None:
    settings = isolated(settings)
    context = build_context(settings, "web", settings.database.url, settings.nats.url)
    async with AsyncTestClient(create_app(context, [])) as client:
        response = await client.get("/", follow_redirects=False)
        assert response.status_code in (302, 307), response.text
        assert response.headers["location"] == "/docs"
        assert (await client.get("/")).status_code == 200


async def test_liveness_answers_without_any_plugin(settings: Settings) -> None:
    """Regression: `/health` (the Docker HEALTHCHECK) came from the metrics plugin, so an app
    without it answered 404 and the container was reported unhealthy."""
    settings = isolated(settings)
    context = build_context(settings, "web", settings.database.url, settings.nats.url)
    async with AsyncTestClient(create_app(context, [])) as client:
        response = await client.get("/health")
        assert response.status_code == 200, response.text
        assert response.json() == {"status": "ok"}
        assert "/health" in (await client.get("/schema/openapi.json")).json()["paths"]
