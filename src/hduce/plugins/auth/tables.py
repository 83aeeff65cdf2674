"""Tables of the auth plugin: accounts, sessions (refresh tokens), one-time tokens, MFA codes."""

from piccolo.columns import (
    UUID,
    Array,
    BigInt,
    Boolean,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from hduce.core.tables import account_key


class Account(Table, tablename="account"):
    """A login identity: credentials, roles, status and MFA state."""

    id = UUID(primary_key=True)
    email = Varchar(length=320, unique=True)
    username = Varchar(length=64, unique=True)
    password_hash = Text()
    roles = Array(base_column=Varchar(length=32))
    status = Varchar(length=32, default="active", index=True)
    status_changed_at = Timestamptz(null=True, default=None)
    email_verified_at = Timestamptz(null=True, default=None)
    mfa_secret = Text(null=True, default=None, secret=True)
    mfa_enabled = Boolean(default=False)
    mfa_last_counter = BigInt(null=True, default=None)
    must_reset_password = Boolean(default=False)
    password_changed_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class RefreshToken(Table, tablename="refresh_token"):
    """One opaque refresh token (stored as SHA-256); a family is one login session."""

    id = UUID(primary_key=True)
    account = account_key(index=True)
    token_hash = Varchar(length=64, unique=True)
    family_id = UUID(index=True)
    issued_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    ip = Varchar(length=64, null=True, default=None)
    user_agent = Varchar(length=400, null=True, default=None)


class OneTimeToken(Table, tablename="one_time_token"):
    """A single-use e-mail verification or password reset token (stored as SHA-256)."""

    id = UUID(primary_key=True)
    account = account_key(index=True)
    purpose = Varchar(length=32)
    token_hash = Varchar(length=64, unique=True)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class RecoveryCode(Table, tablename="mfa_recovery_code"):
    """A one-time MFA recovery code (stored as SHA-256)."""

    id = UUID(primary_key=True)
    account = account_key(index=True)
    code_hash = Varchar(length=64)
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
