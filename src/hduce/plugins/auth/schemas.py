"""Request and response bodies of the auth API."""

import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from hduce.contracts.auth import Role
from hduce.contracts.users import Name, Phone, ProfileFields
from hduce.core.control_characters import ONE_LINE, why_refused
from hduce.core.email_address import MAX_LENGTH, check_email
from hduce.core.schemas import Input, Read, check_birth_date
from hduce.core.text_patterns import matching, worded
from hduce.core.unicode_forms import check_nfc_lengths

PROFILE_FIELDS = ProfileFields.__struct_fields__
"""The fields of an account's input its profile stores (in Unicode NFC)."""

Email = Annotated[str, Meta(max_length=MAX_LENGTH, extra_json_schema={"format": "idn-email"})]
"""An account's e-mail address: a struct holding one runs `check_email` on it (post-init)."""
Username = Annotated[
    str,
    matching(
        r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,63}$",
        "3 to 64 characters: letters A-Z, digits, dots, dashes and underscores, starting with a"
        " letter or digit",
    ),
]
Password = Annotated[str, Meta(min_length=1, max_length=1024)]
NewPassword = Annotated[str, Meta(min_length=1, max_length=256)]
Secret = Annotated[str, Meta(min_length=1, max_length=256)]
Code = Annotated[str, Meta(min_length=1, max_length=32)]


def field_reason(error: msgspec.ValidationError) -> str:
    """A msgspec error with the field named first (`$.email` → `` `email`: ``), in words."""
    message = worded(str(error))
    if match := re.search(r" - at `\$\.(\w+)`$", message):
        return f"`{match[1]}`: {message[: match.start()]}"
    return message


def controls_reason(fields: Mapping[str, object]) -> str | None:
    """`` `field`: ... `` for the first text holding a control character (NUL, ESC...), or None.

    A line break counts in the fields of `ONE_LINE` (names, usernames, phone numbers).
    """
    for name, value in fields.items():
        if isinstance(value, str) and (why := why_refused(value, one_line=name in ONE_LINE)):
            return f"`{name}`: {why}"
    return None


class AccountFields(msgspec.Struct, kw_only=True):
    """What an account made from the command line is checked against (as the API checks)."""

    email: Email
    username: Username
    first_name: Name
    last_name: Name | None = None  # None: the command line's empty default
    phone: Phone | None = None

    def __post_init__(self) -> None:
        check_email(self.email)
        check_nfc_lengths(self, PROFILE_FIELDS)


class AccountCreate(Input):
    """Self-registration: a patient, or a staff account that waits for approval."""

    kept_as_sent = frozenset({"password"})

    email: Email
    username: Username
    password: NewPassword
    first_name: Name
    last_name: Name
    role: Role = Role.PATIENT
    specialty: Annotated[str, Meta(max_length=100)] | None = None
    institution: Annotated[str, Meta(max_length=200)] | None = None
    phone: Phone | None = None
    date_of_birth: date | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        check_email(self.email)
        check_birth_date(self.date_of_birth)
        check_nfc_lengths(self, PROFILE_FIELDS)


class LoginCreate(Input):
    """Credentials: one of `login`, `email` or `username`; a TOTP or recovery code if MFA is on."""

    kept_as_sent = frozenset({"password"})

    password: Password
    login: Annotated[str, Meta(min_length=1, max_length=320)] | None = None
    email: Annotated[str, Meta(min_length=1, max_length=320)] | None = None
    username: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    totp_code: Code | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        given = [v for v in (self.login, self.email, self.username) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of `login`, `email` or `username`")

    @property
    def identifier(self) -> str:
        """The e-mail address or username given."""
        return next(v for v in (self.login, self.email, self.username) if v is not None)


class RefreshCreate(Input):
    """A refresh token to exchange for a new token pair."""

    refresh_token: Secret


class LogoutCreate(Input):
    """Optionally, the refresh token of the session to end (the caller's session ends anyway)."""

    refresh_token: Secret | None = None


class PasswordChange(Input):
    """The current password and the new one."""

    kept_as_sent = frozenset({"new_password", "current_password"})

    current_password: Password
    new_password: NewPassword


class PasswordForgotten(Input):
    """The e-mail address to send a reset link to."""

    email: Annotated[str, Meta(min_length=1, max_length=320)]


class PasswordReset(Input):
    """A reset token from the e-mail and the new password."""

    kept_as_sent = frozenset({"new_password"})

    token: Secret
    new_password: NewPassword


class EmailVerification(Input):
    """A verification token from the e-mail."""

    token: Secret


class VerificationResend(Input):
    """The e-mail address to send a new verification link to."""

    email: Annotated[str, Meta(min_length=1, max_length=320)]


class MfaCode(Input):
    """A code from the authenticator app."""

    code: Code


class MfaDisable(Input):
    """The password and a TOTP or recovery code."""

    kept_as_sent = frozenset({"password"})

    password: Password
    code: Code


class TokenRead(msgspec.Struct, kw_only=True):
    """An access token and the refresh token that renews it."""

    access_token: str
    refresh_token: str
    expires_in: int
    token_type: Literal["bearer"] = "bearer"


class SessionRead(Read):
    """One active login session."""

    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    ip: str | None
    user_agent: str | None
    current: bool


class MfaEnrollmentRead(msgspec.Struct, kw_only=True):
    """The TOTP secret to load into an authenticator app (MFA is on once a code is verified)."""

    secret: str
    otpauth_uri: str


class RecoveryCodesRead(msgspec.Struct, kw_only=True):
    """One-time recovery codes, shown once."""

    recovery_codes: list[str]


class AcceptedRead(msgspec.Struct, kw_only=True):
    """The request was accepted; the answer is the same whether or not the account exists."""

    detail: str


class ClientInfo(msgspec.Struct, frozen=True):
    """Where a request came from, as recorded with sessions and audit events."""

    ip: str | None = None
    user_agent: str | None = None
