"""The auth routes appear in the OpenAPI document, described and tagged, public ones unsecured."""

from tests.plugins.auth.helpers import AuthApp

PATHS = {
    "/api/v1/auth/register": "post",
    "/api/v1/auth/login": "post",
    "/api/v1/auth/refresh": "post",
    "/api/v1/auth/logout": "post",
    "/api/v1/auth/change-password": "post",
    "/api/v1/auth/forgot-password": "post",
    "/api/v1/auth/reset-password": "post",
    "/api/v1/auth/verify-email": "post",
    "/api/v1/auth/verify-email/resend": "post",
    "/api/v1/auth/sessions": "get",
    "/api/v1/auth/sessions/{session_id}": "delete",
    "/api/v1/auth/mfa/totp/enroll": "post",
    "/api/v1/auth/mfa/totp/verify": "post",
    "/api/v1/auth/mfa/totp/disable": "post",
}


async def test_every_auth_route_is_documented(app: AuthApp) -> None:
    response = await app.client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    for path, method in PATHS.items():
        operation = document["paths"][path][method]
        assert operation["tags"] == ["auth"], path
        assert operation.get("description"), path
    assert "auth" in {tag["name"] for tag in document["tags"]}
    login_body = document["paths"]["/api/v1/auth/login"]["post"]["requestBody"]
    assert login_body["content"]["application/json"]["schema"]
