"""The account section of a person's data export: the account and its live sessions."""

ACCOUNT_DATA = {
    "account": (
        "SELECT id, email, username, roles, status, email_verified_at, mfa_enabled, "
        "last_login_at, password_changed_at, created_at FROM account WHERE id = $1"
    ),
    "sessions": (
        "SELECT family_id AS id, min(issued_at) AS started_at, max(issued_at) AS last_used_at, "
        "(array_agg(ip ORDER BY issued_at DESC))[1] AS ip, "
        "(array_agg(user_agent ORDER BY issued_at DESC))[1] AS user_agent "
        "FROM refresh_token WHERE account = $1 GROUP BY family_id "
        "HAVING bool_and(revoked_at IS NULL) AND bool_or(used_at IS NULL AND expires_at > now()) "
        "ORDER BY last_used_at DESC"
    ),
}
