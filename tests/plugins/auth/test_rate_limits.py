"""Per-address limits (counting windows, one per route group) and per-account sliding windows."""

import uuid

import pytest

from hduce.core.config import Settings
from hduce.plugins.auth.errors import RetryLater
from hduce.plugins.auth.limiter import SlidingWindowLimiter
from tests.plugins.auth.helpers import PASSWORD, bearer, running_app


def assert_retry_later(response: object) -> int:
    assert response.status_code == 429, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    retry_after = int(response.headers["retry-after"])  # type: ignore[attr-defined]
    assert retry_after >= 1
    return retry_after


async def test_login_is_limited_per_address_in_its_own_window(settings: Settings) -> None:
    async with running_app(settings, login_per_minute_per_ip=3) as app:
        user = await app.active_user()
        for _ in range(3):
            assert (await app.login(user["email"], "wrong-password-xyz")).status_code == 401
        limited = await app.login(user["email"])
        assert 1 <= assert_retry_later(limited) <= 60
        assert limited.headers["ratelimit-limit"] == "3"
        # Other routes count separately.
        assert (
            await app.client.post("/api/v1/auth/forgot-password", json={"email": user["email"]})
        ).status_code == 202
        await app.register()


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


async def test_login_is_limited_per_account(settings: Settings) -> None:
    async with running_app(settings, login_per_minute_per_account=2) as app:
        user, other = await app.active_user(), await app.active_user()
        assert (await app.login(user["email"], "wrong-password-xyz")).status_code == 401
        assert (await app.login(user["username"].upper())).status_code == 200
        limited = await app.login(user["email"])
        assert limited.json()["type"].endswith("/too-many-requests")
        assert 55 <= assert_retry_later(limited) <= 60
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


def test_sliding_window_frees_slots_as_attempts_age(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr("hduce.plugins.auth.limiter.time.monotonic", lambda: clock[0])
    limiter = SlidingWindowLimiter(2, 60)
    limiter.acquire("a")
    clock[0] += 30
    limiter.acquire("a")
    limiter.acquire("b")
    with pytest.raises(RetryLater) as refused:
        limiter.acquire("a")
    assert refused.value.retry_after == 30
    clock[0] += 30
    limiter.acquire("a")  # the first attempt left the window
    with pytest.raises(RetryLater):
        limiter.acquire("a")


def test_sliding_window_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [0.0]
    monkeypatch.setattr("hduce.plugins.auth.limiter.time.monotonic", lambda: clock[0])
    limiter = SlidingWindowLimiter(1, 10, max_keys=3)
    for key in ("a", "b", "c"):
        limiter.acquire(key)
    limiter.acquire("d")
    assert set(limiter._attempts) == {"b", "c", "d"}  # nothing stale: the oldest key goes
    clock[0] += 11
    limiter.acquire("e")
    assert set(limiter._attempts) == {"e"}  # every stale key goes
