"""Malformed bodies get 422 problem+json on every auth route; protected routes need a token."""

from tests.plugins.auth.helpers import AuthApp, bearer

PUBLIC = (
    "/api/v1/auth/register",
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/api/v1/auth/forgot-password",
    "/api/v1/auth/reset-password",
    "/api/v1/auth/verify-email",
    "/api/v1/auth/verify-email/resend",
)
PROTECTED = (
    "/api/v1/auth/logout",
    "/api/v1/auth/change-password",
    "/api/v1/auth/mfa/totp/verify",
    "/api/v1/auth/mfa/totp/disable",
)


async def test_unknown_fields_and_wrong_types_are_422(app: AuthApp) -> None:
    user = await app.active_user()
    headers = bearer((await app.tokens_for(user))["access_token"])
    for path in (*PUBLIC, *PROTECTED):
        for body in ({"unexpected": 1}, ["not", "an", "object"]):
            response = await app.client.post(path, json=body, headers=headers)
            assert response.status_code == 422, (path, body, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")


async def test_protected_routes_need_an_access_token(app: AuthApp) -> None:
    for path in (*PROTECTED, "/api/v1/auth/mfa/totp/enroll"):
        response = await app.client.post(path, json={})
        assert response.status_code == 401, path
    assert (await app.client.get("/api/v1/auth/sessions")).status_code == 401
    response = await app.client.delete("/api/v1/auth/sessions/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 401
