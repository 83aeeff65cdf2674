"""Routes reached without an access token: register, login, refresh and the e-mail flows."""

from typing import Annotated

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from hduce.core.http import answer_example, body_example, problems
from hduce.core.security import EXCLUDE_OPT_KEY
from hduce.plugins.auth.routes._client import client_of
from hduce.plugins.auth.routes._examples import LOGGED_IN, LOGIN_BODY, REGISTER_BODY, REGISTERED
from hduce.plugins.auth.schemas import (
    AcceptedRead,
    AccountCreate,
    EmailVerification,
    LoginCreate,
    PasswordForgotten,
    PasswordReset,
    RefreshCreate,
    TokenRead,
    VerificationResend,
)
from hduce.plugins.auth.services import REGISTRATION_ACCEPTED, AuthServices

PUBLIC = {EXCLUDE_OPT_KEY: True}


@post(
    "/register",
    opt=PUBLIC,
    status_code=HTTP_202_ACCEPTED,
    responses={
        **answer_example(202, AcceptedRead, "Registration received", REGISTERED),
        **problems(403, 409),
    },
)
async def register(
    data: Annotated[AccountCreate, body_example("A patient registers", REGISTER_BODY)],
    request: Request,
    auth: NamedDependency[AuthServices],
) -> AcceptedRead:
    """Create an account: a patient, or a staff account that waits for an admin's approval.

    The answer is the same whether or not the e-mail address already has an account (none is
    opened then, and its owner is told by e-mail); a taken username is a 409.
    """
    await auth.registration.register(data, client_of(request))
    return AcceptedRead(detail=REGISTRATION_ACCEPTED)


@post(
    "/login",
    opt=PUBLIC,
    status_code=HTTP_200_OK,
    responses={**answer_example(200, TokenRead, "A token pair", LOGGED_IN), **problems(401, 403)},
)
async def login(
    data: Annotated[LoginCreate, body_example("Log in with e-mail and password", LOGIN_BODY)],
    request: Request,
    auth: NamedDependency[AuthServices],
) -> TokenRead:
    """Exchange credentials (and a TOTP or recovery code when MFA is on) for tokens."""
    return await auth.login.login(data, client_of(request))


@post("/refresh", opt=PUBLIC, status_code=HTTP_200_OK, responses=problems(401))
async def refresh(
    data: JSONBody[RefreshCreate], request: Request, auth: NamedDependency[AuthServices]
) -> TokenRead:
    """Exchange a refresh token (single use) for a new token pair."""
    return await auth.login.refresh(data.refresh_token, client_of(request))


@post("/forgot-password", opt=PUBLIC, status_code=HTTP_202_ACCEPTED)
async def forgot_password(
    data: JSONBody[PasswordForgotten],
    request: Request,
    auth: NamedDependency[AuthServices],
) -> AcceptedRead:
    """E-mail a password reset token; the answer is the same whether or not the account exists."""
    return AcceptedRead(detail=await auth.passwords.forgot(data.email, client_of(request)))


@post("/reset-password", opt=PUBLIC, status_code=HTTP_204_NO_CONTENT, responses=problems(400))
async def reset_password(
    data: JSONBody[PasswordReset],
    request: Request,
    auth: NamedDependency[AuthServices],
) -> None:
    """Set a new password with a reset token (single use, 1 h); every session ends."""
    await auth.passwords.reset(data.token, data.new_password, client_of(request))


@post("/verify-email", opt=PUBLIC, status_code=HTTP_204_NO_CONTENT, responses=problems(400))
async def verify_email(
    data: JSONBody[EmailVerification], request: Request, auth: NamedDependency[AuthServices]
) -> None:
    """Verify an e-mail address with the token sent to it (single use, 48 h)."""
    await auth.passwords.verify_email(data.token, client_of(request))


@post("/verify-email/resend", opt=PUBLIC, status_code=HTTP_202_ACCEPTED)
async def resend_verification(
    data: JSONBody[VerificationResend], auth: NamedDependency[AuthServices]
) -> AcceptedRead:
    """Send a new verification e-mail; the answer is the same whether or not the account exists."""
    return AcceptedRead(detail=await auth.passwords.resend_verification(data.email))
