"""`/` of a real app: a newcomer's browser lands on the API docs."""

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
