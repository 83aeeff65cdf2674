"""The account section of a person's data export: the account and its live sessions."""

from hduce.plugins.auth.store import LIVE_SESSIONS

ACCOUNT_DATA = {
    "account": (
        "SELECT id, email, username, roles, status, email_verified_at, mfa_enabled, "
        "last_login_at, password_changed_at, created_at FROM account WHERE id = $1"
    ),
    "sessions": LIVE_SESSIONS,
}
