"""Errors of the auth plugin, each with its HTTP status and problem slug."""

import math

from litestar import Request, Response

from hduce.core.errors import Conflict, HduceError, problem_response


class InvalidCredentials(HduceError):
    """Unknown account or wrong password (one answer for both)."""

    status_code, slug, title = 401, "invalid-credentials", "Invalid credentials"


class InvalidRefreshToken(HduceError):
    """The refresh token is unknown, spent, revoked or expired."""

    status_code, slug, title = 401, "invalid-refresh-token", "Invalid refresh token"


class InvalidInput(HduceError):
    """A field breaks the API's input rules (another front end's sign-in, a CLI account)."""

    status_code, slug, title = 422, "invalid-input", "Invalid input"


class SessionEnded(HduceError):
    """The access token belongs to a session that was logged out or revoked."""

    status_code, slug, title = 401, "session-ended", "Session ended"


class MfaRequired(HduceError):
    """The account has MFA enabled and the login carried no code."""

    status_code, slug, title = 401, "mfa-required", "MFA code required"


class InvalidMfaCode(HduceError):
    """The login's TOTP or recovery code is wrong."""

    status_code, slug, title = 401, "invalid-mfa-code", "Invalid MFA code"


class MfaCodeRejected(HduceError):
    """The TOTP or recovery code given to confirm an MFA change is wrong."""

    status_code, slug, title = 400, "invalid-mfa-code", "Invalid MFA code"


class EmailNotVerified(HduceError):
    """Logins wait until the e-mail address is verified."""

    status_code, slug, title = 403, "email-not-verified", "E-mail not verified"


class AccountPendingApproval(HduceError):
    """A staff account waits for an admin's approval."""

    status_code, slug, title = 403, "account-pending-approval", "Account pending approval"


class AccountDeactivated(HduceError):
    """An admin deactivated the account."""

    status_code, slug, title = 403, "account-deactivated", "Account deactivated"


class PasswordResetRequired(HduceError):
    """An admin requires a new password, set through the reset e-mail."""

    status_code, slug, title = 403, "password-reset-required", "Password reset required"


class WrongPassword(HduceError):
    """The current password given to confirm a change is wrong."""

    status_code, slug, title = 403, "wrong-password", "Wrong password"


class RoleNotAllowed(HduceError):
    """This role cannot be self-registered."""

    status_code, slug, title = 403, "role-not-allowed", "Role not allowed"


class WeakPassword(HduceError):
    """The new password is too short or too easy to guess."""

    status_code, slug, title = 422, "weak-password", "Password too weak"


class InvalidOneTimeToken(HduceError):
    """The verification or reset token is unknown, used or expired."""

    status_code, slug, title = 400, "invalid-token", "Invalid or expired token"


class AccountExists(Conflict):
    """The e-mail address or username is taken."""

    slug, title = "account-exists", "Account exists"


class OwnAccountProtected(Conflict):
    """An admin tried to remove their own admin role, deactivate or force-reset themselves."""

    slug, title = "own-account-protected", "Own account protected"


class RetryLater(HduceError):
    """Too many attempts; `retry_after` seconds until the next one is allowed."""

    status_code, slug, title = 429, "too-many-requests", "Too Many Requests"
    """The title of the per-address limit's 429 (Litestar's), the same problem."""

    def __init__(self, detail: str, *, retry_after: float) -> None:
        seconds = max(1, math.ceil(retry_after))
        super().__init__(detail, retry_after=seconds)
        self.retry_after = seconds


class AccountLocked(RetryLater):
    """Too many failed logins locked the account for a while."""

    slug, title = "account-locked", "Account locked"


def retry_later_handler(request: Request, exc: RetryLater) -> Response[bytes]:
    """Render a 429 problem with its `Retry-After` header."""
    return problem_response(
        request,
        exc.status_code,
        exc.slug,
        exc.detail,
        title=exc.title,
        headers={"Retry-After": str(exc.retry_after)},
        extra=exc.extra,
    )
