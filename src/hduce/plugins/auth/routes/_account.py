"""Routes for the logged-in caller: logout, password change, sessions and TOTP MFA."""

import uuid

from litestar import Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from hduce.core.http import problems
from hduce.core.security import Principal
from hduce.plugins.auth.routes._client import client_of
from hduce.plugins.auth.schemas import (
    LogoutCreate,
    MfaCode,
    MfaDisable,
    MfaEnrollmentRead,
    PasswordChange,
    RecoveryCodesRead,
    SessionRead,
)
from hduce.plugins.auth.services import AuthServices


@post("/logout", status_code=HTTP_204_NO_CONTENT)
async def logout(
    principal: NamedDependency[Principal],
    auth: NamedDependency[AuthServices],
    data: JSONBody[LogoutCreate | None] = None,
) -> None:
    """End the caller's session (and the session of the refresh token given, if theirs)."""
    await auth.login.logout(principal, data.refresh_token if data else None)


@post("/change-password", status_code=HTTP_204_NO_CONTENT, responses=problems(403))
async def change_password(
    data: JSONBody[PasswordChange],
    request: Request,
    principal: NamedDependency[Principal],
    auth: NamedDependency[AuthServices],
) -> None:
    """Change the caller's password; every other session ends."""
    await auth.passwords.change(
        principal, data.current_password, data.new_password, client_of(request)
    )


@get("/sessions")
async def list_sessions(
    principal: NamedDependency[Principal], auth: NamedDependency[AuthServices]
) -> list[SessionRead]:
    """The caller's active sessions; `current` marks the one this token belongs to."""
    return await auth.sessions.list_sessions(principal)


@delete("/sessions/{session_id:uuid}", responses=problems(404))
async def revoke_session(
    session_id: FromPath[uuid.UUID],
    principal: NamedDependency[Principal],
    auth: NamedDependency[AuthServices],
) -> None:
    """End one of the caller's sessions."""
    await auth.sessions.revoke(principal, session_id)


@post("/mfa/totp/enroll", status_code=HTTP_200_OK, responses=problems(409))
async def enroll_totp(
    principal: NamedDependency[Principal], auth: NamedDependency[AuthServices]
) -> MfaEnrollmentRead:
    """Start TOTP enrolment: a secret and otpauth URI; MFA is on once a code is verified."""
    return await auth.mfa.enroll(principal)


@post("/mfa/totp/verify", status_code=HTTP_200_OK, responses=problems(400, 409))
async def verify_totp(
    data: JSONBody[MfaCode],
    request: Request,
    principal: NamedDependency[Principal],
    auth: NamedDependency[AuthServices],
) -> RecoveryCodesRead:
    """Turn MFA on with a first code; returns 10 one-time recovery codes (shown once)."""
    return await auth.mfa.verify(principal, data.code, client_of(request))


@post("/mfa/totp/disable", status_code=HTTP_204_NO_CONTENT, responses=problems(400, 403, 409))
async def disable_totp(
    data: JSONBody[MfaDisable],
    request: Request,
    principal: NamedDependency[Principal],
    auth: NamedDependency[AuthServices],
) -> None:
    """Turn MFA off, confirmed by the password and a TOTP or recovery code."""
    await auth.mfa.disable(principal, data.password, data.code, client_of(request))
