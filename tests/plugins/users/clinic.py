"""A real app with the identity plugins, and members made without the auth HTTP API."""

import functools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio
import msgspec
from httpx import Response
from litestar.testing import AsyncTestClient

from hduce.app import create_app
from hduce.bootstrap import BUILTIN_PLUGINS, build_context, load_plugins, setup_plugins
from hduce.contracts.users import ProfileFields, Profiles
from hduce.core.config import Settings
from hduce.core.context import AppContext
from hduce.core.security import Principal
from tests.support.context import fresh_rate_limits, isolated

T = TypeVar("T")
IDENTITY_PLUGINS = ("metrics", "audit", "auth", "users")
# Cheap argon2 parameters: these tests never need a strong hash.
FAST_AUTH = {"argon2_memory_kib": 1024, "argon2_time_cost": 1}
INSERT_ACCOUNT = """
INSERT INTO account (id, email, username, password_hash, roles, status, email_verified_at)
VALUES ($1, $2, $3, $4, $5, $6, now())
"""


def identity_settings(
    settings: Settings, *, auth: Mapping[str, Any] = {}, users: Mapping[str, Any] = {}
) -> Settings:
    """Test settings with metrics, audit, auth and users enabled (and a private task stream)."""
    sections = {
        **settings.plugins.sections,
        "auth": {**FAST_AUTH, **auth},
        "users": dict(users),
    }
    plugins = msgspec.structs.replace(settings.plugins, enabled=IDENTITY_PLUGINS, sections=sections)
    return isolated(msgspec.structs.replace(settings, plugins=plugins))


def every_plugin_settings(
    settings: Settings, documents_dir: Path, **sections: Mapping[str, Any]
) -> Settings:
    """Every built-in plugin on, per-address limits out of the way, documents in `documents_dir`.

    `sections` add to (or replace) plugins' config sections.
    """
    server = msgspec.structs.replace(settings.server, rate_limit_per_minute=100_000)
    unlimited = msgspec.structs.replace(settings, server=server)
    no_limits = {f"{route}_per_{unit}_per_ip": 100_000 for route, unit in UNLIMITED_AUTH_ROUTES}
    identity = identity_settings(unlimited, auth=no_limits)
    every_plugin = msgspec.structs.replace(
        identity.plugins,
        enabled=tuple(BUILTIN_PLUGINS),
        sections={
            **identity.plugins.sections,
            "documents": {"storage_dir": str(documents_dir)},
            **sections,
        },
    )
    return msgspec.structs.replace(identity, plugins=every_plugin)


UNLIMITED_AUTH_ROUTES = (
    ("login", "minute"),
    ("register", "hour"),
    ("password_reset", "hour"),
    ("verify_email", "hour"),
    ("mfa", "minute"),
)


@dataclass(frozen=True)
class Member:
    """An account made for a test, with an access token for its roles."""

    id: uuid.UUID
    email: str
    username: str
    roles: frozenset[str]
    headers: dict[str, str]


@dataclass(frozen=True)
class Clinic:
    """The running app, its context and a way to add accounts."""

    client: AsyncTestClient
    context: AppContext

    async def in_app(self, function: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run `function` on the app's event loop (the one its database pool belongs to)."""
        call = functools.partial(self.client.blocking_portal.call, function, *args)
        return await anyio.to_thread.run_sync(call)

    async def member(
        self,
        *roles: str,
        status: str = "active",
        email: str | None = None,
        username: str | None = None,
        password_hash: str = "not-a-password-hash",
        first_name: str = "Test",
        last_name: str = "Member",
        **profile: Any,
    ) -> Member:
        """Insert an account (verified, given roles and status) and its profile."""
        account_id = uuid.uuid4()
        tag = account_id.hex[:16]
        email = email or f"{tag}@example.test"
        username = username or f"user_{tag}"
        await self.execute(
            INSERT_ACCOUNT, account_id, email, username, password_hash, list(roles), status
        )
        fields = ProfileFields(first_name=first_name, last_name=last_name, **profile)
        await self.in_app(self.context.registry.get(Profiles).create_profile, account_id, fields)
        return Member(
            account_id, email, username, frozenset(roles), self.headers(account_id, roles)
        )

    async def execute(self, query: str, *args: Any) -> str:
        """Run one SQL statement on the app's pool."""
        return await self.in_app(self.context.db.shared_pool.execute, query, *args)

    async def fetch(self, query: str, *args: Any) -> list[Any]:
        """Fetch rows on the app's pool."""
        return await self.in_app(self.context.db.shared_pool.fetch, query, *args)

    def headers(
        self, account_id: uuid.UUID, roles: tuple[str, ...] | frozenset[str]
    ) -> dict[str, str]:
        """An `Authorization` header with a fresh access token for `roles`."""
        token, _ = self.context.tokens.issue(Principal(id=account_id, roles=frozenset(roles)))
        return {"Authorization": f"Bearer {token}"}

    async def health_detailed(self) -> Response:
        """`GET /health/detailed` as an admin (the details are not public)."""
        return await self.client.get("/health/detailed", headers=self._admin())

    async def metrics(self) -> str:
        """`GET /metrics` as an admin (the metrics are not public either)."""
        response = await self.client.get("/metrics", headers=self._admin())
        assert response.status_code == 200, response.text
        return response.text

    def _admin(self) -> dict[str, str]:
        return self.headers(uuid.uuid4(), ("admin",))


@asynccontextmanager
async def running_clinic(
    settings: Settings, prepare: Callable[[list[Any]], None] = lambda _plugins: None
) -> AsyncIterator[Clinic]:
    """Build the app from `settings` and serve it to an in-process client.

    `prepare` gets the plugins once they are set up, before the app starts.
    """
    plugins = load_plugins(settings)
    context = build_context(settings, "web", settings.database.url, settings.nats.url)
    setup_plugins(context, plugins)
    prepare(plugins)
    await fresh_rate_limits(settings.database.url)
    async with AsyncTestClient(create_app(context, plugins)) as client:
        yield Clinic(client, context)
