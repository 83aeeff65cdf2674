"""The metrics plugin in a real app: health, readiness with plugin checks, Prometheus output."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import msgspec
import pytest
from litestar import get, post
from litestar.params import FromPath
from litestar.testing import AsyncTestClient
from litestar.types import ControllerRouterHandler

from hduce.app import create_app
from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.core.config import Settings
from hduce.core.context import AppContext
from hduce.core.errors import PROBLEM_JSON
from hduce.core.plugin import HducePlugin
from hduce.core.registry import HealthStatus
from hduce.core.security import Principal, TokenService
from hduce.plugins.metrics import MetricsPlugin
from tests.support.context import isolated

HEALTH_TOKEN = "probe-" + "h" * 40
CLEAN_UP = 1.5


@get("/things/{thing_id:int}", sync_to_thread=False)
def read_thing(thing_id: FromPath[int]) -> dict[str, int]:
    """Return the thing's id."""
    return {"id": thing_id}


LEAKED: set["asyncio.Task[None]"] = set()


@post("/things/leaks/{count:int}", sync_to_thread=False)
def leak_tasks(count: FromPath[int]) -> None:
    """Start `count` tasks that never end, in the app's loop (0: cancel those started)."""
    for task in LEAKED:
        task.cancel()
    LEAKED.clear()
    LEAKED.update(asyncio.create_task(asyncio.sleep(3600)) for _ in range(count))


class ThingsPlugin(HducePlugin):
    """A plugin with one route and a health check the test can break."""

    name = "things"
    healthy = True
    checked = 0
    stuck = False
    """The check waits forever, and its clean-up takes `CLEAN_UP` once cancelled."""
    cleaned_up = 0

    def setup(self, context: AppContext) -> None:
        super().setup(context)
        context.registry.add_health_check("things", self.check)

    async def check(self) -> HealthStatus:
        self.checked += 1
        await asyncio.sleep(0)  # let concurrent readers pile up behind this run
        if self.stuck:
            try:
                await asyncio.Event().wait()
            finally:  # like a connection given back to a frozen database
                await asyncio.sleep(CLEAN_UP)
                self.cleaned_up += 1
        return HealthStatus(ok=self.healthy, detail={"healthy": self.healthy})

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        return (read_thing, leak_tasks)


def with_metrics(settings: Settings, **config: str) -> Settings:
    """`settings` with `config` on top of its `[plugins.metrics]`."""
    metrics = {**settings.plugins.sections.get("metrics", {}), **config}
    sections = {**settings.plugins.sections, "metrics": metrics}
    plugins = msgspec.structs.replace(settings.plugins, sections=sections)
    return msgspec.structs.replace(settings, plugins=plugins)


def bearer(settings: Settings, *roles: str) -> dict[str, str]:
    principal = Principal(id=uuid.uuid4(), roles=frozenset(roles))
    token, _ = TokenService(settings.auth).issue(principal)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin(settings: Settings) -> dict[str, str]:
    return bearer(settings, "admin")


@asynccontextmanager
async def app_with_things(
    settings: Settings,
) -> AsyncIterator[tuple[AsyncTestClient, ThingsPlugin]]:
    test_settings = isolated(settings)
    things = ThingsPlugin()
    plugins = [*load_plugins(test_settings), things]
    context = build_context(test_settings, "web", settings.database.url, settings.nats.url)
    setup_plugins(context, plugins)
    async with AsyncTestClient(create_app(context, plugins)) as test_client:
        yield test_client, things


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[tuple[AsyncTestClient, ThingsPlugin]]:
    async with app_with_things(with_metrics(settings, health_token=HEALTH_TOKEN)) as running:
        yield running


async def test_liveness_needs_no_dependencies(client: tuple[AsyncTestClient, ThingsPlugin]) -> None:
    response = await client[0].get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_reports_every_dependency_and_plugin_check(
    client: tuple[AsyncTestClient, ThingsPlugin], admin: dict[str, str]
) -> None:
    test_client, things = client
    response = await test_client.get("/health/detailed", headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert {"database", "nats", "outbox", "tasks", "things"} <= set(body["checks"])
    assert body["checks"]["database"]["detail"]["pool_max"] >= 1
    assert body["checks"]["outbox"]["detail"]["backlog"] >= 0
    assert body["checks"]["tasks"]["detail"]["consumer_lag"] >= 0

    things.healthy = False
    response = await test_client.get("/health/detailed", headers=admin)
    assert response.status_code == 503
    assert response.json()["checks"]["things"]["ok"] is False
    assert response.json()["status"] == "unavailable"


async def test_readiness_is_503_when_nats_is_down(
    client: tuple[AsyncTestClient, ThingsPlugin], admin: dict[str, str]
) -> None:
    test_client, _ = client
    app_context = test_client.app.plugins.get(ThingsPlugin).context
    await app_context.broker.client.close()
    response = await test_client.get("/health/detailed", headers=admin)
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
    response = await test_client.get("/metrics", headers=headers)  # an admin
    assert response.status_code == 200
    # One charset: Prometheus 3 refuses a Content-Type naming it twice ("duplicate parameter").
    assert response.headers["content-type"] == "text/plain; version=1.0.0; charset=utf-8"
    text = response.text
    assert 'path="/api/v1/things/{thing_id}"' in text
    assert "/api/v1/things/42" not in text
    # The guard's refusal (no token) is counted like any answer: brute force shows up.
    refused = [line for line in text.splitlines() if line.startswith("hduce_requests_total")]
    assert any('status_code="401"' in line for line in refused), refused
    for metric in ("hduce_db_pool_connections", "hduce_outbox_backlog", "hduce_task_consumer_lag"):
        assert metric in text


async def test_details_are_for_admins_and_the_health_token_only(
    client: tuple[AsyncTestClient, ThingsPlugin], settings: Settings, admin: dict[str, str]
) -> None:
    test_client, _ = client
    assert (await test_client.get("/health")).status_code == 200  # liveness stays public
    refused = {
        "anonymous": ({}, 401),
        "wrong token": ({"Authorization": "Bearer not-the-health-token"}, 401),
        "a patient": (bearer(settings, "patient"), 403),
        "a doctor": (bearer(settings, "doctor"), 403),
    }
    # The metrics carry the same class of facts (MQTT counters, the routes' refusals, the
    # outbox), and a scrape runs the same checks: the same readers.
    for path in ("/health/detailed", "/metrics"):
        for who, (headers, status) in refused.items():
            response = await test_client.get(path, headers=headers)
            assert response.status_code == status, (path, who)
            assert response.headers["content-type"] == PROBLEM_JSON, (path, who)
            assert "checks" not in response.text and "hduce_" not in response.text, (path, who)
    health_token = {"Authorization": f"Bearer {HEALTH_TOKEN}"}
    assert "hduce_" in (await test_client.get("/metrics", headers=health_token)).text
    for headers in (admin, {"Authorization": f"Bearer {HEALTH_TOKEN}"}):
        response = await test_client.get("/health/detailed", headers=headers)
        # Let through: the details, whatever they say (503 when a check fails, e.g. a worker's
        # heartbeat not yet seen in a loaded full run).
        assert response.status_code in (200, 503), response.text
        assert "things" in response.json()["checks"]


async def test_details_name_no_storage_path_and_count_no_records(
    client: tuple[AsyncTestClient, ThingsPlugin], settings: Settings, admin: dict[str, str]
) -> None:
    test_client, _ = client
    report = (await test_client.get("/health/detailed", headers=admin)).json()
    checks = report["checks"]
    assert "storage" not in checks["documents"]["detail"]
    assert checks["documents"]["detail"]["writable"] is True
    assert "entries" not in checks["search"]["detail"]
    assert "pending_events" in checks["search"]["detail"]  # a backlog is an operational fact
    assert "head_id" not in checks["audit"]["detail"]
    assert settings.data_dir.strip("./") not in str(report)


async def test_one_run_of_the_checks_serves_every_reader_within_the_cache_time(
    settings: Settings, admin: dict[str, str]
) -> None:
    async with app_with_things(with_metrics(settings, health_cache="1h")) as (test_client, things):
        first = await test_client.get("/health/detailed", headers=admin)
        things.healthy = False
        second = await test_client.get("/health/detailed", headers=admin)
        assert first.json() == second.json()
        assert things.checked == 1
        probe = test_client.app.plugins.get(MetricsPlugin).services.probe
        await asyncio.gather(*(probe.report() for _ in range(5)))
        assert things.checked == 1


async def test_a_stuck_check_answers_at_its_deadline_and_cleans_up_in_the_background(
    settings: Settings, admin: dict[str, str]
) -> None:
    # The report waited for the timed-out check's clean-up too (7 s on a frozen database).
    timeouts = with_metrics(settings, check_timeout="0.5s", health_cache="0s")
    async with app_with_things(timeouts) as (test_client, things):
        things.stuck = True
        started = asyncio.get_running_loop().time()
        response = await test_client.get("/health/detailed", headers=admin)
        waited = asyncio.get_running_loop().time() - started
        assert response.status_code == 503
        assert response.json()["checks"]["things"] == {
            "ok": False,
            "detail": {"error": "timed out"},
        }
        assert waited < 0.5 + 0.5 < CLEAN_UP
        assert things.cleaned_up == 0
        await asyncio.sleep(CLEAN_UP + 0.2)
        assert things.cleaned_up == 1  # finished in the background, not dropped


async def test_the_asyncio_task_count_shows_a_leak(
    settings: Settings, admin: dict[str, str]
) -> None:
    async with app_with_things(with_metrics(settings, health_cache="0")) as (test_client, _):

        async def tasks_reported() -> tuple[int, float]:
            report = (await test_client.get("/health/detailed", headers=admin)).json()
            metrics = (await test_client.get("/metrics", headers=admin)).text
            (gauge,) = (line for line in metrics.splitlines() if line.startswith("hduce_asyncio"))
            assert gauge.startswith("hduce_asyncio_tasks "), gauge
            return report["checks"]["process"]["detail"]["asyncio_tasks"], float(gauge.split()[1])

        before, _ = await tasks_reported()
        assert (await test_client.post("/api/v1/things/leaks/50", headers=admin)).status_code == 201
        try:
            after, gauge = await tasks_reported()
            assert after >= before + 50 and gauge >= before + 50, (before, after, gauge)
        finally:
            await test_client.post("/api/v1/things/leaks/0", headers=admin)
