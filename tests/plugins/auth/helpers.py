"""Build a real app with the identity plugins and drive the auth API like a client would."""

import asyncio
import functools
import hashlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg
import msgspec
from litestar.testing import AsyncTestClient

from hduce.app import create_app
from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.core.config import Settings
from hduce.core.context import AppContext
from tests.support.context import fresh_rate_limits, isolated
from tests.support.mail import mail_count, mailed_token

T = TypeVar("T")
REVOCATION_WAIT = 5.0
"""Seconds a revocation may take to reach the app (a NOTIFY after commit; milliseconds in fact)."""
PLUGINS = ("metrics", "audit", "auth", "users", "notifications")
PASSWORD = "quiet-lantern-orbit-97"
FAST_HASH = {"argon2_memory_kib": 1024, "argon2_time_cost": 1, "argon2_parallelism": 1}
GENEROUS_LIMITS = {
    "login_per_minute_per_ip": 10_000,
    "login_per_minute_per_account": 10_000,
    "register_per_hour_per_ip": 10_000,
    "password_reset_per_hour_per_ip": 10_000,
    "password_reset_per_hour_per_account": 10_000,
    "verify_email_per_hour_per_ip": 10_000,
    "verify_email_per_hour_per_account": 10_000,
    "mfa_per_minute_per_ip": 10_000,
    "mfa_per_minute_per_account": 10_000,
}


def failure_key(identifier: str) -> str:
    """The `login_failure` row key of a login identifier (stored lower-cased, hashed)."""
    return hashlib.sha256(identifier.strip().lower().encode()).hexdigest()


@dataclass
class AuthApp:
    """A running app, its context and a pool for assertions."""

    client: AsyncTestClient
    context: AppContext
    pool: asyncpg.Pool

    def run(self, function: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Await `function` on the app's own event loop (the test client runs it in a thread)."""
        return self.client.blocking_portal.call(functools.partial(function, *args, **kwargs))

    async def register(self, **fields: Any) -> dict[str, Any]:
        """Register an account with unique defaults; returns the request body plus its `id`."""
        suffix = uuid.uuid4().hex[:10]
        body = {
            "email": f"u{suffix}@example.org",
            "username": f"user_{suffix}",
            "password": PASSWORD,
            "first_name": "Ada",
            "last_name": "Quill",
            **fields,
        }
        response = await self.client.post("/api/v1/auth/register", json=body)
        assert response.status_code == 202, response.text
        # The answer names no account (it is the same for a known address): look it up.
        account_id = await self.pool.fetchval(
            "SELECT id FROM account WHERE email = $1", body["email"].lower()
        )
        assert account_id is not None, f"no account {body['email']}"
        return {**body, "id": str(account_id)}

    async def mailed_token(self, template: str, email: str, *, nth: int = 1) -> str:
        """The token of the newest `template` e-mail to `email`, once it has had `nth` of them."""
        return await mailed_token(self.pool, await self._user_id(email), template, nth=nth)

    async def asked_link(self, path: str, email: str, template: str) -> str:
        """POST `{"email": email}` to `path` (forgot password, resend) and read the new link.

        The link is mailed by a task after the 202: this waits for the e-mail it sends.
        """
        mailed = await mail_count(self.pool, await self._user_id(email), template)
        response = await self.client.post(path, json={"email": email})
        assert response.status_code == 202, response.text
        return await self.mailed_token(template, email, nth=mailed + 1)

    async def _user_id(self, email: str) -> uuid.UUID:
        user_id = await self.pool.fetchval("SELECT id FROM account WHERE email = $1", email.lower())
        assert user_id is not None, f"no account {email}"
        return user_id

    async def events(self, name: str, user_id: str) -> list[dict[str, Any]]:
        """Every outbox payload of event `name` for `user_id`."""
        rows = await self.pool.fetch(
            "SELECT payload FROM outbox WHERE name = $1 AND payload->>'user_id' = $2 "
            "ORDER BY created_at",
            name,
            user_id,
        )
        return [msgspec.json.decode(r["payload"]) for r in rows]

    async def verify(self, email: str) -> None:
        """Verify the address with the token of the newest verification e-mail."""
        token = await self.mailed_token("verify_email", email)
        response = await self.client.post("/api/v1/auth/verify-email", json={"token": token})
        assert response.status_code == 204, response.text

    async def active_user(self, **fields: Any) -> dict[str, Any]:
        """A registered patient with a verified address."""
        user = await self.register(**fields)
        await self.verify(user["email"])
        return user

    async def login(self, login: str, password: str = PASSWORD, **extra: Any) -> Any:
        """POST /auth/login; returns the response."""
        body = {"login": login, "password": password, **extra}
        return await self.client.post("/api/v1/auth/login", json=body)

    async def tokens_for(self, user: dict[str, Any]) -> dict[str, Any]:
        """A successful login's token pair."""
        response = await self.login(user["email"])
        assert response.status_code == 200, response.text
        return response.json()

    async def refresh(self, refresh_token: str) -> Any:
        """POST /auth/refresh; returns the response."""
        return await self.client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})

    async def me(self, access_token: str) -> Any:
        """GET /users/me with `access_token`; returns the response."""
        return await self.client.get("/api/v1/users/me", headers=bearer(access_token))

    async def refused(self, access_token: str) -> dict[str, Any]:
        """The 401 problem that `access_token` gets once its revocation has reached the app."""
        deadline = time.monotonic() + REVOCATION_WAIT
        while (response := await self.me(access_token)).status_code != 401:
            assert response.status_code == 200, response.text
            assert time.monotonic() < deadline, "the token is still accepted"
            await asyncio.sleep(0.02)
        return response.json()

    async def audit_actions(self, subject_id: str) -> list[str]:
        """Audit actions recorded about `subject_id`, oldest first."""
        rows = await self.pool.fetch(
            "SELECT action FROM audit_event WHERE subject_id = $1 ORDER BY id",
            uuid.UUID(subject_id),
        )
        return [r["action"] for r in rows]


def bearer(access_token: str) -> dict[str, str]:
    """The Authorization header for an access token."""
    return {"Authorization": f"Bearer {access_token}"}


def auth_settings(settings: Settings, **auth: Any) -> Settings:
    """Settings with the identity plugins on, fast argon2 and generous limits unless overridden."""
    sections = {**settings.plugins.sections, "auth": {**FAST_HASH, **GENEROUS_LIMITS, **auth}}
    plugins = msgspec.structs.replace(settings.plugins, enabled=PLUGINS, sections=sections)
    return isolated(msgspec.structs.replace(settings, plugins=plugins))


@asynccontextmanager
async def running_app(settings: Settings, **auth: Any) -> AsyncIterator[AuthApp]:
    """A real app (core lifespan, relay, receiver) with the given `[plugins.auth]` overrides."""
    test_settings = auth_settings(settings, **auth)
    plugins = load_plugins(test_settings)
    context = build_context(test_settings, "web", settings.database.url, settings.nats.url)
    setup_plugins(context, plugins)
    await fresh_rate_limits(settings.database.url)
    pool = await asyncpg.create_pool(settings.database.url, min_size=1, max_size=2)
    try:
        async with AsyncTestClient(create_app(context, plugins)) as client:
            yield AuthApp(client=client, context=context, pool=pool)
    finally:
        await pool.close()
