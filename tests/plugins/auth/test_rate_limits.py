"""Per-address limits (one budget per route group) and per-account limits, shared by processes."""

import re
import uuid

import asyncpg
import pytest

from hduce.core.config import Settings
from hduce.core.db import Database, HduceEngine
from hduce.core.rate_limit import SharedWindows
from hduce.plugins.auth.errors import RetryLater
from hduce.plugins.auth.services._limits import AccountLimit
from tests.plugins.auth.helpers import PASSWORD, bearer, running_app


def assert_retry_later(response: object) -> int:
    assert response.status_code == 429, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    retry_after = int(response.headers["retry-after"])  # type: ignore[attr-defined]
    assert retry_after >= 1
    problem = response.json()  # type: ignore[attr-defined]
    assert problem["retry_after"] == retry_after, problem
    assert problem["title"] == "Too Many Requests", problem
    # README: a 429 says when to retry in its detail too (seen: "try again later").
    assert re.search(r"(retry|try again) in \d+ (second|minute|hour)", problem["detail"]), problem
    return retry_after


async def test_login_is_limited_per_address_in_its_own_window(settings: Settings) -> None:
    async with running_app(settings, login_per_minute_per_ip=3) as app:
        user = await app.active_user()
        for _ in range(3):
            assert (await app.login(user["email"], "wrong-password-xyz")).status_code == 401
        limited = await app.login(user["email"])
        seconds = assert_retry_later(limited)
        assert 1 <= seconds <= 60
        detail = f"Too many requests from this address; retry in {seconds} seconds."
        assert limited.json()["detail"] == detail
        assert limited.headers["ratelimit-limit"] == "3"
        # Other routes count separately.
        assert (
            await app.client.post("/api/v1/auth/forgot-password", json={"email": user["email"]})
        ).status_code == 202
        await app.register()


async def test_address_limits_are_shared_by_every_process(
    settings: Settings, engine: HduceEngine
) -> None:
    async with running_app(settings, login_per_minute_per_ip=3) as app:
        # Another `hduce serve` process counts the same client's logins in the same window.
        other_process = SharedWindows(Database(engine), "address:login")
        for _ in range(2):
            await other_process.hit("CountingRateLimitMiddleware::testclient", 3, 60)
        assert (await app.login("nobody@example.org")).status_code == 401
        assert_retry_later(await app.login("nobody@example.org"))


async def test_register_and_reset_routes_are_limited_per_address(settings: Settings) -> None:
    async with running_app(
        settings, register_per_hour_per_ip=1, password_reset_per_hour_per_ip=1
    ) as app:
        await app.register()
        response = await app.client.post("/api/v1/auth/register", json={"email": "x"})
        assert 3000 < assert_retry_later(response) <= 3600
        for path, body in (
            ("/api/v1/auth/forgot-password", {"email": "a@example.org"}),
            ("/api/v1/auth/reset-password", {"token": "t", "new_password": "p"}),
        ):
            assert (await app.client.post(path, json=body)).status_code != 429
            assert_retry_later(await app.client.post(path, json=body))


async def test_mfa_routes_are_limited_per_address(settings: Settings) -> None:
    async with running_app(settings, mfa_per_minute_per_ip=2) as app:
        user = await app.active_user()
        headers = bearer((await app.tokens_for(user))["access_token"])
        for _ in range(2):
            response = await app.client.post(
                "/api/v1/auth/mfa/totp/verify", json={"code": "123456"}, headers=headers
            )
            assert response.status_code == 409
        assert_retry_later(
            await app.client.post(
                "/api/v1/auth/mfa/totp/disable",
                json={"password": PASSWORD, "code": "1"},
                headers=headers,
            )
        )


async def test_login_is_limited_per_identifier(settings: Settings) -> None:
    async with running_app(settings, login_per_minute_per_account=2) as app:
        user, other = await app.active_user(), await app.active_user()
        assert (await app.login(user["email"], "wrong-password-xyz")).status_code == 401
        assert (await app.login(f" {user['email'].upper()}")).status_code == 200
        limited = await app.login(user["email"])
        assert limited.json()["type"].endswith("/too-many-requests")
        assert 55 <= assert_retry_later(limited) <= 60
        # The username counts on its own: one count per account would tell that an address and
        # a username belong together, so that the account exists.
        assert (await app.login(user["username"])).status_code == 200
        assert (await app.login(other["email"])).status_code == 200
        # Unknown accounts are limited the same way, so the limit reveals nothing.
        ghost = f"ghost-{uuid.uuid4().hex}@example.org"
        for _ in range(2):
            assert (await app.login(ghost)).status_code == 401
        assert_retry_later(await app.login(ghost))


async def test_forgot_password_and_mfa_are_limited_per_account(settings: Settings) -> None:
    async with running_app(
        settings, password_reset_per_hour_per_account=1, mfa_per_minute_per_account=1
    ) as app:
        user = await app.active_user()
        url = "/api/v1/auth/forgot-password"
        assert (await app.client.post(url, json={"email": user["email"]})).status_code == 202
        assert_retry_later(await app.client.post(url, json={"email": user["email"].upper()}))
        assert (await app.client.post(url, json={"email": "b" + user["email"]})).status_code == 202

        headers = bearer((await app.tokens_for(user))["access_token"])
        url = "/api/v1/auth/mfa/totp/verify"
        assert (await app.client.post(url, json={"code": "1"}, headers=headers)).status_code == 409
        assert_retry_later(await app.client.post(url, json={"code": "1"}, headers=headers))


async def test_account_limits_are_shared_by_every_process(
    engine: HduceEngine, raw_pool: asyncpg.Pool
) -> None:
    # Two limiters on one database stand for the same limit in two `hduce serve` processes.
    first, second = (AccountLimit(Database(engine), "test_shared", 3, 60) for _ in range(2))
    key = uuid.uuid4().hex
    await first.acquire(key)
    await second.acquire(key)
    await first.acquire(key)
    with pytest.raises(RetryLater) as refused:
        await second.acquire(key)
    assert 55 <= refused.value.retry_after <= 60
    await second.acquire(uuid.uuid4().hex)  # another account has its own window
    await AccountLimit(Database(engine), "test_other", 3, 60).acquire(key)  # and another limit too

    # The window ends: the account starts afresh.
    await raw_pool.execute(
        "UPDATE rate_limit_window SET reset_at = now() - interval '1 second' WHERE key = $1",
        f"account:test_shared:{key}",
    )
    await second.acquire(key)
