"""`GET /api/v1/audit` and `/api/v1/audit/verify` in a real app: admins only, reads audited."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from hduce.app import create_app
from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.contracts.audit import AuditLog
from hduce.core.config import Settings
from hduce.core.context import AppContext
from hduce.core.db import Database, open_database
from hduce.core.security import Principal
from hduce.piccolo_conf import DB
from hduce.plugins.audit.services import AuditService
from tests.support.context import isolated


@dataclass
class AuditApp:
    """A running app with the metrics and audit plugins, and a way to mint tokens."""

    client: AsyncTestClient
    context: AppContext

    def headers(self, *roles: str, user_id: uuid.UUID | None = None) -> dict[str, str]:
        principal = Principal(id=user_id or uuid.uuid4(), roles=frozenset(roles))
        token, _ = self.context.tokens.issue(principal)
        return {"Authorization": f"Bearer {token}"}


@dataclass
class Seeded:
    """Who the three seeded events name."""

    actor: uuid.UUID
    subject: uuid.UUID


@pytest.fixture
async def seeded(settings: Settings) -> Seeded:
    """Three events, recorded before the app starts (its pool lives on the test client's loop)."""
    seeds = Seeded(uuid.uuid4(), uuid.uuid4())
    DB.configure(settings.database.url)
    async with open_database(DB, settings.database):
        audit = AuditService(Database(DB))
        for action, extra in [
            ("test.route.a", {"detail": {"n": 0}}),
            ("test.route.b", {"ip": "192.0.2.1"}),
            ("test.route.a", {"detail": {"n": 2}}),
        ]:
            await audit.record(action, actor_id=seeds.actor, subject_id=seeds.subject, **extra)
    return seeds


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[AuditApp]:
    plugins_settings = msgspec.structs.replace(settings.plugins, enabled=("metrics", "audit"))
    test_settings = isolated(msgspec.structs.replace(settings, plugins=plugins_settings))
    plugins = load_plugins(test_settings)
    context = build_context(test_settings, "web", settings.database.url, settings.nats.url)
    setup_plugins(context, plugins)
    async with AsyncTestClient(create_app(context, plugins)) as client:
        yield AuditApp(client, context)


@pytest.mark.parametrize("path", ["/api/v1/audit", "/api/v1/audit/verify"])
async def test_only_admins_may_read_the_log(app: AuditApp, path: str) -> None:
    assert (await app.client.get(path)).status_code == 401
    for role in ("patient", "doctor", "nurse", "receptionist"):
        response = await app.client.get(path, headers=app.headers(role))
        assert response.status_code == 403, (role, response.text)
    response = await app.client.get(path, headers=app.headers("doctor", "admin"))
    assert response.status_code == 200, response.text


async def test_the_plugin_provides_the_audit_log(app: AuditApp) -> None:
    assert isinstance(app.context.registry.get(AuditLog), AuditService)


async def test_admin_lists_events_with_filters(seeded: Seeded, app: AuditApp) -> None:
    actor, subject = seeded.actor, seeded.subject
    admin = app.headers("admin")

    response = await app.client.get(
        "/api/v1/audit", params={"subject_id": str(subject)}, headers=admin
    )
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 3 and page["limit"] == 50 and page["offset"] == 0
    items = page["items"]
    assert [i["action"] for i in items] == ["test.route.a", "test.route.b", "test.route.a"]
    assert items[0]["detail"] == {"n": 2} and items[1]["ip"] == "192.0.2.1"
    assert items[0]["prev_hash"] == items[1]["hash"]
    assert {i["actor_id"] for i in items} == {str(actor)}

    query = {"actor_id": str(actor), "action": "test.route.a"}
    page = (await app.client.get("/api/v1/audit", params=query, headers=admin)).json()
    assert page["total"] == 2 and [i["detail"]["n"] for i in page["items"]] == [2, 0]

    query = {"subject_id": str(subject), "limit": "1", "offset": "1"}
    page = (await app.client.get("/api/v1/audit", params=query, headers=admin)).json()
    assert page["total"] == 3 and [i["id"] for i in page["items"]] == [items[1]["id"]]

    middle = items[1]["occurred_at"]
    query = {"subject_id": str(subject), "from": middle}
    page = (await app.client.get("/api/v1/audit", params=query, headers=admin)).json()
    assert [i["id"] for i in page["items"]] == [items[0]["id"], items[1]["id"]]
    query = {"subject_id": str(subject), "to": middle}
    page = (await app.client.get("/api/v1/audit", params=query, headers=admin)).json()
    assert [i["id"] for i in page["items"]] == [items[2]["id"]]


async def test_bad_filters_are_rejected(app: AuditApp) -> None:
    admin = app.headers("admin")
    for query in ({"limit": "0"}, {"limit": "501"}, {"offset": "-1"}, {"actor_id": "nope"}):
        response = await app.client.get("/api/v1/audit", params=query, headers=admin)
        assert response.status_code == 422, (query, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_reading_and_verifying_are_audited(app: AuditApp) -> None:
    admin_id = uuid.uuid4()
    admin = app.headers("admin", user_id=admin_id)
    subject = uuid.uuid4()
    response = await app.client.get(
        "/api/v1/audit", params={"subject_id": str(subject)}, headers=admin
    )
    assert response.status_code == 200
    response = await app.client.get("/api/v1/audit/verify", headers=admin)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["ok"] is True and report["checked"] >= 1 and report["first_broken_id"] is None

    query = {"actor_id": str(admin_id)}
    page = (await app.client.get("/api/v1/audit", params=query, headers=admin)).json()
    assert [i["action"] for i in page["items"]] == ["audit.verify", "audit.read"]
    verified, read = page["items"]
    assert read["detail"]["filters"] == {"subject_id": str(subject)}
    assert read["detail"]["returned"] == 0
    assert verified["detail"]["ok"] is True
    assert read["ip"]


async def test_health_includes_the_audit_check(app: AuditApp) -> None:
    response = await app.client.get("/health/detailed", headers=app.headers("admin"))
    assert response.status_code == 200, response.text
    check = response.json()["checks"]["audit"]
    assert check["ok"] is True and check["detail"]["append_only"] is True
