"""POST /auth/login: credentials, account states, uniform failures, lockout, rehash on login."""

import uuid

from hduce.contracts.auth import AccountAdmin
from hduce.core.config import Settings
from hduce.plugins.auth.store import PROVISIONAL
from tests.plugins.auth.helpers import PASSWORD, AuthApp, failure_key, running_app


def problem_type(response: object) -> str:
    return response.json()["type"].rsplit("/", 1)[-1]  # type: ignore[attr-defined]


async def test_login_by_email_or_username_returns_a_token_pair(app: AuthApp) -> None:
    user = await app.active_user()
    for body in (
        {"login": user["email"].upper()},
        {"login": user["username"]},
        {"email": user["email"]},
        {"username": user["username"].upper()},
    ):
        response = await app.client.post("/api/v1/auth/login", json={**body, "password": PASSWORD})
        assert response.status_code == 200, response.text
        tokens = response.json()
        assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
        assert tokens["token_type"] == "bearer"
        assert tokens["expires_in"] == 1800
        principal = app.context.tokens.verify(tokens["access_token"])
        assert str(principal.id) == user["id"]
        assert principal.roles == frozenset({"patient"})
        assert principal.session_id is not None
        stored = await app.pool.fetchrow(
            "SELECT token_hash, family_id FROM refresh_token WHERE family_id = $1",
            principal.session_id,
        )
        assert stored["token_hash"] != tokens["refresh_token"] and len(stored["token_hash"]) == 64

    logins = await app.events("user.login", user["id"])
    assert len(logins) == 4 and logins[0]["ip"]
    assert "auth.login_succeeded" in await app.audit_actions(user["id"])
    last_login = await app.pool.fetchval(
        "SELECT last_login_at FROM account WHERE id = $1", uuid.UUID(user["id"])
    )
    assert last_login is not None


async def test_unknown_account_and_wrong_password_get_the_same_answer(app: AuthApp) -> None:
    user = await app.active_user()
    wrong = await app.login(user["email"], "not-the-right-password-123")
    unknown = await app.login(f"nobody-{uuid.uuid4().hex}@example.org", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    strip = {"instance", "request_id"}
    assert {k: v for k, v in wrong.json().items() if k not in strip} == {
        k: v for k, v in unknown.json().items() if k not in strip
    }
    assert problem_type(wrong) == "invalid-credentials"
    assert "auth.login_failed" in await app.audit_actions(user["id"])


async def test_unknown_account_costs_a_dummy_hash_verification(app: AuthApp) -> None:
    response = await app.login(f"ghost-{uuid.uuid4().hex}", PASSWORD)
    assert response.status_code == 401
    auth = next(p for p in app.client.app.plugins if getattr(p, "name", "") == "auth")
    assert auth.services.env.hasher._dummy_hash.startswith("$argon2id$")


async def test_account_states_refuse_login_after_the_password(app: AuthApp) -> None:
    unverified = await app.register()
    response = await app.login(unverified["email"])
    assert response.status_code == 403 and problem_type(response) == "email-not-verified"
    # The state is only revealed to someone who knows the password.
    assert (await app.login(unverified["email"], "wrong-password-xyz-1")).status_code == 401

    pending = await app.register(role="doctor")
    await app.verify(pending["email"])
    response = await app.login(pending["email"])
    assert response.status_code == 403 and problem_type(response) == "account-pending-approval"

    admin = app.context.registry.get(AccountAdmin)
    deactivated = await app.active_user()
    app.run(admin.deactivate, uuid.UUID(deactivated["id"]), by=uuid.uuid4())
    response = await app.login(deactivated["email"])
    assert response.status_code == 403 and problem_type(response) == "account-deactivated"

    forced = await app.active_user()
    app.run(admin.force_password_reset, uuid.UUID(forced["id"]), by=uuid.uuid4())
    response = await app.login(forced["email"])
    assert response.status_code == 403 and problem_type(response) == "password-reset-required"


async def test_unverified_login_is_allowed_when_not_required(settings: Settings) -> None:
    async with running_app(settings, require_verified_email=False) as app:
        user = await app.register()
        assert (await app.login(user["email"])).status_code == 200


async def test_bad_login_payloads_are_422(app: AuthApp) -> None:
    for body in (
        {"password": PASSWORD},
        {"email": "a@example.org", "username": "abc", "password": PASSWORD},
        {"login": "someone"},
        {"login": "someone", "password": PASSWORD, "remember": True},
        {"login": "someone", "password": ""},
    ):
        response = await app.client.post("/api/v1/auth/login", json=body)
        assert response.status_code == 422, (body, response.text)


async def test_lockout_grows_and_success_resets_it(settings: Settings) -> None:
    async with running_app(settings, lockout_threshold=3, lockout_base=60, lockout_max=150) as app:
        user = await app.active_user()

        async def fail_until_locked(wait: str) -> int:
            for _ in range(2):
                assert (await app.login(user["email"], "wrong-password-xyz-1")).status_code == 401
            locked = await app.login(user["email"], "wrong-password-xyz-1")
            assert locked.status_code == 429 and problem_type(locked) == "account-locked"
            assert locked.json()["detail"].endswith(f"locked for {wait}."), locked.json()
            # Even the right password is refused while the account is locked (after waiting
            # `PROVISIONAL` seconds for a lock this new to be lifted by its own attempt).
            again = await app.login(user["email"])
            assert again.status_code == 429
            waited = int(locked.headers["retry-after"]) - int(again.headers["retry-after"])
            assert 0 <= waited <= PROVISIONAL + 1
            return int(locked.headers["retry-after"])

        async def expire_lock() -> None:
            await app.pool.execute(
                "UPDATE login_failure SET locked_until = now() - interval '1 second' "
                "WHERE key = $1",
                failure_key(user["email"]),
            )

        assert 58 <= await fail_until_locked("1 minute") <= 60
        await expire_lock()
        assert 118 <= await fail_until_locked("2 minutes") <= 120
        await expire_lock()
        assert 148 <= await fail_until_locked("3 minutes") <= 150  # capped at lockout_max

        locks = await app.events("user.locked", user["id"])
        assert len(locks) == 3
        assert (await app.audit_actions(user["id"])).count("auth.locked") == 3

        await expire_lock()
        assert (await app.login(user["email"])).status_code == 200
        state = await app.pool.fetchrow(
            "SELECT failed_logins, lockouts, locked_until FROM login_failure WHERE key = $1",
            failure_key(user["email"]),
        )
        assert tuple(state) == (0, 0, None)


async def test_login_rehashes_when_argon2_parameters_change(settings: Settings) -> None:
    async with running_app(settings) as app:
        user = await app.active_user()
    query = "SELECT password_hash FROM account WHERE id = $1"
    async with running_app(settings, argon2_time_cost=2, argon2_memory_kib=2048) as app:
        before = await app.pool.fetchval(query, uuid.UUID(user["id"]))
        assert "m=1024,t=1" in before
        assert (await app.login(user["email"])).status_code == 200
        after = await app.pool.fetchval(query, uuid.UUID(user["id"]))
        assert "m=2048,t=2" in after
        assert (await app.login(user["username"])).status_code == 200
        assert await app.pool.fetchval(query, uuid.UUID(user["id"])) == after
