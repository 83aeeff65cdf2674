"""Change, forgot and reset password; verify e-mail and resend the verification."""

import asyncio
import uuid
from typing import Any

import pytest

from hduce.contracts.auth import AccountAdmin
from hduce.plugins.auth.services import NO_PASSWORD
from tests.plugins.auth.helpers import PASSWORD, AuthApp, bearer
from tests.support.mail import mail_count

NEW_PASSWORD = "amber-violin-harbor-31"


async def refresh_status(app: AuthApp, token: str) -> int:
    return (await app.refresh(token)).status_code


async def test_change_password_keeps_only_the_current_session(app: AuthApp) -> None:
    user = await app.active_user()
    current, other = await app.tokens_for(user), await app.tokens_for(user)
    headers = bearer(current["access_token"])
    url = "/api/v1/auth/change-password"

    body: dict[str, Any] = {"current_password": "wrong-password-9x", "new_password": NEW_PASSWORD}
    wrong = await app.client.post(url, json=body, headers=headers)
    assert wrong.status_code == 403 and wrong.json()["type"].endswith("/wrong-password")
    weak = await app.client.post(
        url, json={"current_password": PASSWORD, "new_password": "aaaaaaaaaaaaaaa"}, headers=headers
    )
    assert weak.status_code == 422 and weak.json()["type"].endswith("/weak-password")
    assert (
        await app.client.post(url, json={"new_password": NEW_PASSWORD}, headers=headers)
    ).status_code == 422
    assert (await app.client.post(url, json=body)).status_code == 401

    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    response = await app.client.post(url, json=body, headers=headers)
    assert response.status_code == 204, response.text
    assert await refresh_status(app, other["refresh_token"]) == 401
    assert "the session has ended" in (await app.refused(other["access_token"]))["detail"]
    assert (await app.me(current["access_token"])).status_code == 200
    assert await refresh_status(app, current["refresh_token"]) == 200
    assert (await app.login(user["email"])).status_code == 401
    assert (await app.login(user["email"], NEW_PASSWORD)).status_code == 200
    assert "auth.password_changed" in await app.audit_actions(user["id"])


async def test_forgot_password_answers_the_same_for_unknown_addresses(app: AuthApp) -> None:
    user = await app.active_user()
    unknown = f"nobody-{uuid.uuid4().hex}@example.org"
    answers = []
    for email in (user["email"].upper(), unknown, "not an address"):
        response = await app.client.post("/api/v1/auth/forgot-password", json={"email": email})
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 202
    assert len(await app.mailed_token("password_reset", user["email"])) >= 40
    (event,) = await app.events("user.password_reset_requested", user["id"])
    assert set(event) == {"user_id", "expires_at"}  # the token is in the e-mail only
    count = await app.pool.fetchval(
        "SELECT count(*) FROM notification WHERE template = 'password_reset' AND address = $1",
        unknown,
    )
    assert count == 0


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/api/v1/auth/forgot-password", "password_reset"),
        ("/api/v1/auth/verify-email/resend", "verify_email"),
    ],
)
async def test_a_link_asked_by_address_is_issued_after_the_answer(
    app: AuthApp, path: str, template: str
) -> None:
    """Only a known address had its token issued before the answer: the answer came later.

    Answering the same body for any address told nothing, but its timing did (~11 ms against
    ~4 ms). With the token table locked, the answer must not wait for it.
    """
    user = await app.register()
    mailed = await mail_count(app.pool, user["id"], template)
    async with app.pool.acquire() as connection, connection.transaction():
        await connection.execute("LOCK TABLE one_time_token IN ACCESS EXCLUSIVE MODE")
        asked = app.client.post(path, json={"email": user["email"]})
        response = await asyncio.wait_for(asked, timeout=10)
    assert response.status_code == 202, response.text
    assert await app.mailed_token(template, user["email"], nth=mailed + 1)


async def reset_token(app: AuthApp, email: str) -> str:
    return await app.asked_link("/api/v1/auth/forgot-password", email, "password_reset")


async def test_reset_password_is_single_use_and_ends_every_session(app: AuthApp) -> None:
    user = await app.active_user()
    tokens = await app.tokens_for(user)
    token = await reset_token(app, user["email"])
    url = "/api/v1/auth/reset-password"

    weak = await app.client.post(url, json={"token": token, "new_password": user["username"]})
    assert weak.status_code == 422
    response = await app.client.post(url, json={"token": token, "new_password": NEW_PASSWORD})
    assert response.status_code == 204, response.text
    assert await refresh_status(app, tokens["refresh_token"]) == 401
    assert (await app.login(user["email"], NEW_PASSWORD)).status_code == 200
    assert "auth.password_reset" in await app.audit_actions(user["id"])

    again = await app.client.post(url, json={"token": token, "new_password": PASSWORD + "x"})
    assert again.status_code == 400 and again.json()["type"].endswith("/invalid-token")
    unknown = await app.client.post(url, json={"token": "nope", "new_password": NEW_PASSWORD})
    assert unknown.status_code == 400
    assert (await app.client.post(url, json={"token": token})).status_code == 422


async def test_expired_reset_token_is_refused(app: AuthApp) -> None:
    user = await app.active_user()
    token = await reset_token(app, user["email"])
    ttl = await app.pool.fetchval(
        "SELECT expires_at - created_at FROM one_time_token WHERE account = $1 "
        "AND purpose = 'reset_password'",
        uuid.UUID(user["id"]),
    )
    assert ttl.total_seconds() == 3600
    await app.pool.execute(
        "UPDATE one_time_token SET expires_at = now() - interval '1 second' "
        "WHERE account = $1 AND purpose = 'reset_password'",
        uuid.UUID(user["id"]),
    )
    response = await app.client.post(
        "/api/v1/auth/reset-password", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 400


async def test_forced_reset_blocks_login_until_the_password_is_reset(app: AuthApp) -> None:
    user = await app.active_user()
    tokens = await app.tokens_for(user)
    admin = app.context.registry.get(AccountAdmin)
    app.run(admin.force_password_reset, uuid.UUID(user["id"]), by=uuid.uuid4())
    assert await refresh_status(app, tokens["refresh_token"]) == 401
    assert "auth.password_reset_forced" in await app.audit_actions(user["id"])
    assert (await app.login(user["email"])).status_code == 403
    token = await app.mailed_token("password_reset", user["email"])
    response = await app.client.post(
        "/api/v1/auth/reset-password", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 204
    assert (await app.login(user["email"], NEW_PASSWORD)).status_code == 200


async def test_verify_email_is_single_use_and_expires(app: AuthApp) -> None:
    user = await app.register()
    token = await app.mailed_token("verify_email", user["email"])
    url = "/api/v1/auth/verify-email"
    assert (await app.client.post(url, json={"token": "nope"})).status_code == 400
    assert (await app.client.post(url, json={})).status_code == 422
    assert (await app.client.post(url, json={"token": token})).status_code == 204
    assert (await app.login(user["email"])).status_code == 200
    used = await app.client.post(url, json={"token": token})
    assert used.status_code == 400 and used.json()["type"].endswith("/invalid-token")

    late = await app.register()
    token = await app.mailed_token("verify_email", late["email"])
    await app.pool.execute(
        "UPDATE one_time_token SET expires_at = now() - interval '1 second' WHERE account = $1",
        uuid.UUID(late["id"]),
    )
    assert (await app.client.post(url, json={"token": token})).status_code == 400
    assert (await app.login(late["email"])).status_code == 403


async def test_resend_verification_answers_uniformly(app: AuthApp) -> None:
    unverified = await app.register()
    verified = await app.active_user()
    unknown = f"nobody-{uuid.uuid4().hex}@example.org"
    answers = []
    for email in (unverified["email"], verified["email"], unknown):
        response = await app.client.post("/api/v1/auth/verify-email/resend", json={"email": email})
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1] == answers[2] and answers[0][0] == 202
    newest = await app.mailed_token("verify_email", unverified["email"], nth=2)
    assert len(await app.events("user.verification_requested", unverified["id"])) == 2
    assert len(await app.events("user.verification_requested", verified["id"])) == 1
    response = await app.client.post("/api/v1/auth/verify-email", json={"token": newest})
    assert response.status_code == 204
    assert (await app.login(unverified["email"])).status_code == 200


async def reset_status(app: AuthApp, token: str, password: str = NEW_PASSWORD) -> int:
    body = {"token": token, "new_password": password}
    return (await app.client.post("/api/v1/auth/reset-password", json=body)).status_code


async def test_a_newer_reset_token_spends_the_older_one(app: AuthApp) -> None:
    user = await app.active_user()
    older = await reset_token(app, user["email"])
    newer = await reset_token(app, user["email"])
    assert older != newer
    assert await reset_status(app, older) == 400
    assert await reset_status(app, newer) == 204
    assert await reset_status(app, older, PASSWORD) == 400
    assert (await app.login(user["email"], NEW_PASSWORD)).status_code == 200


async def test_using_a_reset_token_spends_every_other_one(app: AuthApp) -> None:
    user = await app.active_user()
    older = await reset_token(app, user["email"])
    newer = await reset_token(app, user["email"])
    # Both outstanding, as a release that did not spend tokens on issue left them.
    await app.pool.execute(
        "UPDATE one_time_token SET used_at = NULL WHERE account = $1", uuid.UUID(user["id"])
    )
    assert await reset_status(app, newer) == 204
    assert await reset_status(app, older, PASSWORD) == 400
    assert (await app.login(user["email"], NEW_PASSWORD)).status_code == 200


async def test_a_password_change_spends_outstanding_reset_tokens(app: AuthApp) -> None:
    user = await app.active_user()
    token = await reset_token(app, user["email"])
    tokens = await app.tokens_for(user)
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    changed = await app.client.post(
        "/api/v1/auth/change-password", json=body, headers=bearer(tokens["access_token"])
    )
    assert changed.status_code == 204, changed.text
    assert await reset_status(app, token, PASSWORD) == 400
    assert (await app.login(user["email"], NEW_PASSWORD)).status_code == 200


async def test_a_newer_verification_token_spends_the_older_one(app: AuthApp) -> None:
    user = await app.register()
    older = await app.mailed_token("verify_email", user["email"])
    await app.asked_link("/api/v1/auth/verify-email/resend", user["email"], "verify_email")
    url = "/api/v1/auth/verify-email"
    assert (await app.client.post(url, json={"token": older})).status_code == 400
    assert (await app.login(user["email"])).status_code == 403


async def test_an_account_without_a_password_gets_one_through_its_invitation(
    app: AuthApp,
) -> None:
    user = await app.active_user()
    account = uuid.UUID(user["id"])
    await app.pool.execute(
        "UPDATE account SET password_hash = $2 WHERE id = $1", account, NO_PASSWORD
    )  # as `hduce import patients` opens it
    for attempt in (PASSWORD, NO_PASSWORD, ""):
        response = await app.login(user["email"], attempt)
        assert response.status_code in (401, 422), (attempt, response.text)
    app.run(app.context.registry.get(AccountAdmin).invite, account, by=uuid.uuid4())
    token = await app.mailed_token("invitation", user["email"])
    response = await app.client.post(
        "/api/v1/auth/reset-password", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 204, response.text
    stored = await app.pool.fetchval("SELECT password_hash FROM account WHERE id = $1", account)
    assert stored.startswith("$argon2id$")
    assert (await app.login(user["email"], NEW_PASSWORD)).status_code == 200


async def test_deactivation_spends_the_accounts_mailed_links(app: AuthApp) -> None:
    user = await app.register()
    verification = await app.mailed_token("verify_email", user["email"])
    reset = await reset_token(app, user["email"])
    admin = app.context.registry.get(AccountAdmin)
    account_id = uuid.UUID(user["id"])
    app.run(admin.deactivate, account_id, by=uuid.uuid4())
    app.run(admin.reactivate, account_id, by=uuid.uuid4())  # the links stay spent
    refused = await app.client.post(
        "/api/v1/auth/reset-password", json={"token": reset, "new_password": NEW_PASSWORD}
    )
    assert refused.status_code == 400 and refused.json()["type"].endswith("/invalid-token")
    verify = await app.client.post("/api/v1/auth/verify-email", json={"token": verification})
    assert verify.status_code == 400
    assert "auth.password_reset" not in await app.audit_actions(user["id"])


async def test_a_deactivated_accounts_reset_token_is_unknown(app: AuthApp) -> None:
    user = await app.active_user()
    token = await reset_token(app, user["email"])
    hash_of = "SELECT password_hash FROM account WHERE id = $1"
    before = await app.pool.fetchval(hash_of, uuid.UUID(user["id"]))
    # Deactivated without its tokens spent, as an account deactivated by an older release.
    await app.pool.execute(
        "UPDATE account SET status = 'deactivated' WHERE id = $1", uuid.UUID(user["id"])
    )
    refused = await app.client.post(
        "/api/v1/auth/reset-password", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert refused.status_code == 400 and refused.json()["type"].endswith("/invalid-token")
    assert await app.pool.fetchval(hash_of, uuid.UUID(user["id"])) == before
    assert "auth.password_reset" not in await app.audit_actions(user["id"])
