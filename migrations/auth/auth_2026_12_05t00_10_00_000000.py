from hduce.core.migrations import raw_sql_migration

ID = "2026-12-05T00:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "failed logins counted per identifier, an account's as anyone's"

# Counted per account, an account's e-mail address and username shared one count, which told
# that they belong together. Each identifier is now counted in `login_failure` (keyed by the
# SHA-256 of the normalised identifier); a lock still running moves to both of an account's
# identifiers. The table now holds accounts' locks, so a crash must not forget them: LOGGED.
_HASH = "encode(sha256(convert_to({}, 'UTF8')), 'hex')"
FORWARDS_SQL = [
    "ALTER TABLE login_failure SET LOGGED",
    f"""
    INSERT INTO login_failure (key, failed_logins, lockouts, locked_until)
    SELECT {_HASH.format("identifier")}, 0, lockouts, locked_until
    FROM account, LATERAL (VALUES (email), (username)) AS named (identifier)
    WHERE locked_until > now()
    ON CONFLICT (key) DO UPDATE SET lockouts = excluded.lockouts,
        locked_until = excluded.locked_until
    """,
    "ALTER TABLE account DROP COLUMN failed_logins, DROP COLUMN lockouts, DROP COLUMN locked_until",
]

BACKWARDS_SQL = [
    "ALTER TABLE account ADD COLUMN failed_logins integer NOT NULL DEFAULT 0, "
    "ADD COLUMN lockouts integer NOT NULL DEFAULT 0, ADD COLUMN locked_until timestamptz",
    "ALTER TABLE login_failure SET UNLOGGED",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="auth",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
