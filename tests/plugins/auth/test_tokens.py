"""Refresh rotation and reuse detection, logout, own sessions, and forged access tokens."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hduce.contracts.auth import AccountAdmin
from hduce.core.security import key_id
from tests.conftest import TEST_JWT_SECRET
from tests.plugins.auth.helpers import AuthApp, bearer
from tests.support.jwt_tokens import signed_token


async def test_refresh_rotates_and_reuse_revokes_the_family(app: AuthApp) -> None:
    user = await app.active_user()
    first = await app.tokens_for(user)
    second = (await app.refresh(first["refresh_token"])).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    session = app.context.tokens.verify(first["access_token"]).session_id
    assert app.context.tokens.verify(second["access_token"]).session_id == session
    third = await app.refresh(second["refresh_token"])
    assert third.status_code == 200, third.text

    reused = await app.refresh(first["refresh_token"])
    assert reused.status_code == 401
    assert reused.json()["type"].endswith("/invalid-refresh-token")
    # The thief's replay also ended the legitimate holder's session.
    assert (await app.refresh(third.json()["refresh_token"])).status_code == 401
    live = await app.pool.fetchval(
        "SELECT count(*) FROM refresh_token WHERE family_id = $1 AND revoked_at IS NULL", session
    )
    assert live == 0
    assert "auth.refresh_token_reuse" in await app.audit_actions(user["id"])
    # Other sessions of the same account are untouched.
    other = await app.tokens_for(user)
    assert (await app.refresh(other["refresh_token"])).status_code == 200


async def test_refresh_failures(app: AuthApp) -> None:
    user = await app.active_user()
    tokens = await app.tokens_for(user)
    assert (await app.refresh("not-a-token")).status_code == 401
    for body in ({}, {"refresh_token": ""}, {"refresh_token": "x", "extra": 1}):
        response = await app.client.post("/api/v1/auth/refresh", json=body)
        assert response.status_code == 422

    family = app.context.tokens.verify(tokens["access_token"]).session_id
    await app.pool.execute(
        "UPDATE refresh_token SET expires_at = now() - interval '1 second' WHERE family_id = $1",
        family,
    )
    expired = await app.refresh(tokens["refresh_token"])
    assert expired.status_code == 401

    tokens = await app.tokens_for(user)
    app.run(
        app.context.registry.get(AccountAdmin).deactivate, uuid.UUID(user["id"]), by=uuid.uuid4()
    )
    assert (await app.refresh(tokens["refresh_token"])).status_code == 401


async def test_refresh_picks_up_role_changes(app: AuthApp) -> None:
    user = await app.active_user()
    tokens = await app.tokens_for(user)
    admin = app.context.registry.get(AccountAdmin)
    roles = frozenset({"patient", "nurse"})
    app.run(admin.set_roles, uuid.UUID(user["id"]), roles, by=uuid.uuid4())
    renewed = (await app.refresh(tokens["refresh_token"])).json()
    assert app.context.tokens.verify(renewed["access_token"]).roles == roles


async def test_logout_revokes_the_callers_session(app: AuthApp) -> None:
    user = await app.active_user()
    tokens = await app.tokens_for(user)
    other = await app.tokens_for(user)
    assert (await app.client.post("/api/v1/auth/logout")).status_code == 401

    response = await app.client.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"]))
    assert response.status_code == 204, response.text
    assert (await app.refresh(tokens["refresh_token"])).status_code == 401
    assert (await app.refresh(other["refresh_token"])).status_code == 200
    assert len(await app.events("user.logout", user["id"])) == 1
    logged = await app.pool.fetch(
        "SELECT ip FROM audit_event WHERE action = 'auth.logout' AND subject_id = $1",
        uuid.UUID(user["id"]),
    )
    assert [row["ip"] for row in logged] == ["testclient"]  # the caller's address
    # The access token stops working with its session, not at its `exp`; the other one works.
    problem = await app.refused(tokens["access_token"])
    assert "the session has ended" in problem["detail"]
    again = await app.client.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"]))
    assert again.status_code == 401
    assert (await app.me(other["access_token"])).status_code == 200


async def test_logout_with_a_refresh_token_also_ends_that_session(app: AuthApp) -> None:
    user = await app.active_user()
    stranger = await app.active_user()
    second, theirs = await app.tokens_for(user), await app.tokens_for(stranger)
    for token in (second["refresh_token"], theirs["refresh_token"]):
        mine = await app.tokens_for(user)  # logging out ends the caller's own session too
        response = await app.client.post(
            "/api/v1/auth/logout",
            json={"refresh_token": token},
            headers=bearer(mine["access_token"]),
        )
        assert response.status_code == 204
    assert (await app.refresh(second["refresh_token"])).status_code == 401
    await app.refused(second["access_token"])
    # Someone else's refresh token is ignored, not revoked.
    assert (await app.refresh(theirs["refresh_token"])).status_code == 200


async def test_list_and_revoke_own_sessions(app: AuthApp) -> None:
    user = await app.active_user()
    stranger = await app.active_user()
    first = await app.tokens_for(user)
    second = (
        await app.client.post(
            "/api/v1/auth/login",
            json={"login": user["username"], "password": user["password"]},
            headers={"user-agent": "phone-app/2.0"},
        )
    ).json()
    headers = bearer(second["access_token"])
    listed = (await app.client.get("/api/v1/auth/sessions", headers=headers)).json()
    assert len(listed) == 2
    current = next(s for s in listed if s["current"])
    assert current["user_agent"] == "phone-app/2.0" and current["ip"]
    assert {"id", "created_at", "last_used_at", "ip", "user_agent", "current"} == set(current)
    first_session = app.context.tokens.verify(first["access_token"]).session_id
    assert {s["id"] for s in listed if not s["current"]} == {str(first_session)}

    stranger_session = app.context.tokens.verify(
        (await app.tokens_for(stranger))["access_token"]
    ).session_id
    response = await app.client.delete(f"/api/v1/auth/sessions/{stranger_session}", headers=headers)
    assert response.status_code == 404

    response = await app.client.delete(f"/api/v1/auth/sessions/{first_session}", headers=headers)
    assert response.status_code == 204
    revoked = await app.pool.fetchval(
        "SELECT detail->>'session_id' FROM audit_event WHERE action = 'auth.session_revoked' "
        "AND subject_id = $1",
        uuid.UUID(user["id"]),
    )
    assert revoked == str(first_session)  # seen: ending a session left no audit record
    assert (await app.refresh(first["refresh_token"])).status_code == 401
    change = await app.client.post(
        "/api/v1/auth/change-password",
        json={"current_password": user["password"], "new_password": "amber-violin-harbor-31"},
        headers=bearer(first["access_token"]),
    )
    # Refused by the revocation, or (had it not arrived yet) by the session check itself.
    assert change.status_code == 401
    assert "the session has ended" in (await app.refused(first["access_token"]))["detail"]
    listed = (await app.client.get("/api/v1/auth/sessions", headers=headers)).json()
    assert [s["current"] for s in listed] == [True]
    response = await app.client.delete(f"/api/v1/auth/sessions/{first_session}", headers=headers)
    assert response.status_code == 404
    response = await app.client.delete("/api/v1/auth/sessions/not-a-uuid", headers=headers)
    assert response.status_code in (400, 404, 422)


def forged(claims_overrides: dict[str, Any], *, secret: str = TEST_JWT_SECRET, **kw: Any) -> str:
    """A token for the test app's secret, with `claims_overrides` and `kw` on top."""
    return signed_token(claims_overrides, key=TEST_JWT_SECRET, secret=secret, **kw)


def unsigned(claims: dict[str, Any]) -> str:
    """An `alg: none` token, built by hand since PyJWT refuses to verify such tokens."""
    import base64
    import json

    def part(value: dict[str, Any]) -> str:
        raw = json.dumps(value, default=str).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = {"alg": "none", "typ": "JWT", "kid": key_id(TEST_JWT_SECRET)}
    now = int(datetime.now(UTC).timestamp())
    body = {
        "sub": str(uuid.uuid4()),
        "roles": ["admin"],
        "iat": now,
        "exp": now + 300,
        "jti": "x",
        "iss": "hduce",
        "aud": "hduce-api",
        **claims,
    }
    return f"{part(header)}.{part(body)}."


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize(
    "token_factory",
    [
        lambda: unsigned({}),
        lambda: forged({}, algorithm="HS512"),
        lambda: forged({}, secret="another-secret-" + "y" * 40),
        lambda: forged({"aud": "someone-else"}),
        lambda: forged({"iss": "evil"}),
        lambda: forged({"exp": datetime.now(UTC) - timedelta(seconds=5)}),
        lambda: forged({}, headers={"kid": "unknown-key"}),
        lambda: forged({})[:-4] + "AAAA",
    ],
    ids=[
        "alg-none",
        "other-alg",
        "bad-signature",
        "wrong-aud",
        "wrong-iss",
        "expired",
        "unknown-kid",
        "tampered",
    ],
)
async def test_forged_access_tokens_are_401(app: AuthApp, token_factory: Any) -> None:
    response = await app.client.get("/api/v1/auth/sessions", headers=bearer(token_factory()))
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_well_formed_token_is_accepted(app: AuthApp) -> None:
    user = await app.active_user()
    token = forged({"sub": user["id"], "roles": ["patient"]})
    response = await app.client.get("/api/v1/auth/sessions", headers=bearer(token))
    assert response.status_code == 200
