from hduce.core.migrations import raw_sql_migration

ID = "2026-12-15T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "webhook: the secret before the last rotation, signing beside the new one for a while"

# After `POST /webhooks/{id}/rotate-secret` deliveries carry a signature with each secret until
# `previous_secret_until`, so the receiver can switch to the new one without missing any.
FORWARDS_SQL = [
    "ALTER TABLE webhook ADD COLUMN previous_secret text, "
    "ADD COLUMN previous_secret_until timestamptz",
]

BACKWARDS_SQL = [
    "ALTER TABLE webhook DROP COLUMN IF EXISTS previous_secret, "
    "DROP COLUMN IF EXISTS previous_secret_until",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="webhooks",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
