import logging

import asyncpg

from hduce.core.migrations import changed_rows, raw_sql_migration

ID = "2026-12-13T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "profile names and other text in Unicode NFC"

logger = logging.getLogger("hduce.migrations")

# Names (and the rest of a profile's text) were stored as typed: `Noëlle` sent as `e` and a
# combining diaeresis (NFD) was not found by `Noëlle` typed as one character, nor the other way
# round. Profiles are now written in NFC and searched in NFC; this rewrites the older rows.
# `updated_at` stays: the text reads the same, and search entries are indexed in NFC already.
TEXTS = ("first_name", "last_name", "address", "emergency_contact_name", "specialty", "institution")
PRECOMPOSE = (
    "UPDATE profile SET "
    + ", ".join(f"{column} = normalize({column}, NFC)" for column in TEXTS)
    + " WHERE "
    + " OR ".join(f"{column} IS NOT NFC NORMALIZED" for column in TEXTS)
)


async def precompose(connection: asyncpg.Connection) -> None:
    """Rewrite the profiles holding text in another form than NFC; log how many."""
    changed = await changed_rows(connection, PRECOMPOSE)
    if changed:
        logger.info("users: %d profiles' names and addresses rewritten in Unicode NFC", changed)


FORWARDS_SQL = [precompose]

BACKWARDS_SQL: list[str] = []  # NFC text reads as the text typed: nothing to undo


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="users",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
