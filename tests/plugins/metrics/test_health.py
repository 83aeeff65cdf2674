"""The metrics plugin in a real app: health, readiness with plugin checks, Prometheus output."""

import uuid
from collections.abc import AsyncIterator, Sequence

import pytest
from litestar import get
from litestar.params import FromPath
from litestar.testing import AsyncTestClient
from litestar.types import ControllerRouterHandler

from hduce.app import create_app
from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.core.config import Settings
from hduce.core.context import AppContext
from hduce.core.plugin import HducePlugin
from hduce.core.registry import HealthStatus
from hduce.core.security import Principal
from tests.support.context import isolated


@get("/things/{thing_id:int}", sync_to_thread=False)
def read_thing(thing_id: FromPath[int]) -> dict[str, int]:
    """Return the thing's id."""
    return {"id": thing_id}


class ThingsPlugin(HducePlugin):
    """A plugin with one route and a health check the test can break."""

    name = "things"
    healthy = True

    def setup(self, context: AppContext) -> None:
        super().setup(context)
        context.registry.add_health_check("things", self.check)

    async def check(self) -> HealthStatus:
        return HealthStatus(ok=self.healthy, detail={"healthy": self.healthy})

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        return (read_thing,)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[tuple[AsyncTestClient, ThingsPlugin]]:
    test_settings = isolated(settings)
    things = ThingsPlugin()
    plugins = [*load_plugins(test_settings), things]
    context = build_context(test_settings, "web", settings.database.url, settings.nats.url)
    setup_plugins(context, plugins)
    async with AsyncTestClient(create_app(context, plugins)) as test_client:
        yield test_client, things


async def test_liveness_needs_no_dependencies(client: tuple[AsyncTestClient, ThingsPlugin]) -> None:
    response = await client[0].get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_reports_every_dependency_and_plugin_check(
    client: tuple[AsyncTestClient, ThingsPlugin],
) -> None:
    test_client, things = client
    response = await test_client.get("/health/detailed")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert {"database", "nats", "outbox", "tasks", "things"} <= set(body["checks"])
    assert body["checks"]["database"]["detail"]["pool_max"] >= 1
    assert body["checks"]["outbox"]["detail"]["backlog"] >= 0
    assert body["checks"]["tasks"]["detail"]["consumer_lag"] >= 0

    things.healthy = False
    response = await test_client.get("/health/detailed")
    assert response.status_code == 503
    assert response.json()["checks"]["things"]["ok"] is False
    assert response.json()["status"] == "unavailable"


async def test_readiness_is_503_when_nats_is_down(
    client: tuple[AsyncTestClient, ThingsPlugin],
) -> None:
    test_client, _ = client
    app_context = test_client.app.plugins.get(ThingsPlugin).context
    await app_context.broker.client.close()
    response = await test_client.get("/health/detailed")
    assert response.status_code == 503
    assert response.json()["checks"]["nats"]["ok"] is False


async def test_metrics_label_requests_by_route_template(
    client: tuple[AsyncTestClient, ThingsPlugin],
) -> None:
    test_client, things = client
    assert (await test_client.get("/api/v1/things/41")).status_code == 401
    token, _ = things.context.tokens.issue(Principal(id=uuid.uuid4(), roles=frozenset({"admin"})))
    headers = {"Authorization": f"Bearer {token}"}
    assert (await test_client.get("/api/v1/things/41", headers=headers)).status_code == 200
    assert (await test_client.get("/api/v1/things/42", headers=headers)).status_code == 200
    response = await test_client.get("/metrics")
    assert response.status_code == 200
    text = response.text
    assert 'path="/api/v1/things/{thing_id}"' in text
    assert "/api/v1/things/42" not in text
    for metric in ("hduce_db_pool_connections", "hduce_outbox_backlog", "hduce_task_consumer_lag"):
        assert metric in text
