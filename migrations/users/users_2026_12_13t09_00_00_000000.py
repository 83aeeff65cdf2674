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
# NFC may lengthen text (U+095B becomes U+091C U+093C): a value whose NFC form would not fit its
# column is left as stored, and the accounts holding one are logged (ids only, never the text).
WIDTHS = {
    "first_name": 100,
    "last_name": 100,
    "address": None,  # text: any length
    "emergency_contact_name": 200,
    "specialty": 100,
    "institution": 200,
}


def _fits(column: str) -> str:
    """SQL: `column`'s NFC form fits the column."""
    width = WIDTHS[column]
    return "TRUE" if width is None else f"char_length(normalize({column}, NFC)) <= {width}"


def _other_form(column: str) -> str:
    """SQL: `column` holds text in another form than NFC."""
    return f"{column} IS NOT NFC NORMALIZED"


PRECOMPOSE = (
    "UPDATE profile SET "
    + ", ".join(
        f"{column} = CASE WHEN {_fits(column)} THEN normalize({column}, NFC) ELSE {column} END"
        for column in WIDTHS
    )
    + " WHERE "
    + " OR ".join(f"({_other_form(column)} AND {_fits(column)})" for column in WIDTHS)
)
TOO_LONG = {
    column: f"({_other_form(column)} AND NOT {_fits(column)})"
    for column, width in WIDTHS.items()
    if width
}
LEFT_AS_STORED = (
    "SELECT account, array_remove(ARRAY["
    + ", ".join(f"CASE WHEN {test} THEN '{column}' END" for column, test in TOO_LONG.items())
    + "], NULL) AS columns FROM profile WHERE "
    + " OR ".join(TOO_LONG.values())
    + " ORDER BY account"
)


async def precompose(connection: asyncpg.Connection) -> None:
    """Rewrite the profiles holding text in another form than NFC; log how many, and which not."""
    changed = await changed_rows(connection, PRECOMPOSE)
    if changed:
        logger.info("users: %d profiles' names and addresses rewritten in Unicode NFC", changed)
    left = await connection.fetch(LEFT_AS_STORED)
    if left:
        logger.warning(
            "users: %d profile%s kept text as stored, as its Unicode NFC form would not fit its"
            " column (a search in the other form misses it until it is changed): %s",
            len(left),
            "" if len(left) == 1 else "s",
            ", ".join(f"account {row['account']} ({', '.join(row['columns'])})" for row in left),
        )


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
