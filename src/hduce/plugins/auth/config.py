"""Settings of the auth plugin (`[plugins.auth]`)."""

from hduce.core.config import Positive, PositiveDuration, Section


class AuthConfig(Section):
    """Password hashing, password policy, lockout, token lifetimes and rate limits."""

    require_verified_email: bool = True
    """Refuse logins until the e-mail address is verified."""
    argon2_memory_kib: int = 19_456
    argon2_time_cost: Positive = 2
    argon2_parallelism: Positive = 1
    hash_concurrency: Positive = 2
    """How many argon2 computations may run at once (each uses `argon2_memory_kib`)."""
    password_min_length: Positive = 12
    password_min_score: int = 3
    """Minimum zxcvbn score (0-4) of a new password."""
    lockout_threshold: int = 5
    """Consecutive failed logins that lock the account."""
    lockout_base: PositiveDuration = PositiveDuration(60)
    """First lock duration; each further lock doubles it, up to `lockout_max`."""
    lockout_max: PositiveDuration = PositiveDuration(3600)
    refresh_token_ttl: PositiveDuration = PositiveDuration(30 * 86400)
    verification_token_ttl: PositiveDuration = PositiveDuration(48 * 3600)
    reset_token_ttl: PositiveDuration = PositiveDuration(3600)
    login_per_minute_per_ip: int = 20
    login_per_minute_per_account: int = 10
    """Per identifier: an account's e-mail address and username count apart (no linking)."""
    register_per_hour_per_ip: int = 20
    password_reset_per_hour_per_ip: int = 10
    """Per client address, for forgot-password and reset-password each."""
    password_reset_per_hour_per_account: int = 5
    """Per e-mail address (forgot-password) and per account (reset-password)."""
    verify_email_per_hour_per_ip: int = 20
    """Per client address, for verify-email and resending the verification each."""
    verify_email_per_hour_per_account: int = 5
    mfa_per_minute_per_ip: int = 20
    mfa_per_minute_per_account: int = 10
    """TOTP checks per account (login second factor, MFA verify and disable)."""
    mfa_issuer: str = "HDuce"
    """The issuer shown by authenticator apps."""
