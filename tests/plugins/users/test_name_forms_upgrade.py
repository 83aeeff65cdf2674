"""Upgrading an install that stored names as typed: every profile's text becomes NFC."""

import unicodedata
import uuid

from hduce.piccolo_conf import DB
from tests.plugins.users.clinic import Clinic
from tests.support.migrations import run_forwards

PRECOMPOSE = "2026-12-13T09:00:00:000000"
TEXTS = ("first_name", "last_name", "address", "emergency_contact_name", "specialty", "institution")
# As versions before the migration stored them: e + U+0308, E + U+0301, a + U+030A.
TYPED = {
    "first_name": "Noe\u0308lle",
    "last_name": "Bro\u0308nte",
    "address": "1 rue de l'E\u0301glise",
    "emergency_contact_name": "A\u030asa Ne\u0301el",
    "specialty": "Ge\u0301riatrie",
    "institution": "Ho\u0302pital",
}


class RolledBack(Exception):
    """Raised to undo the test's transaction (the rows go back as they were)."""


async def precompose(account: uuid.UUID) -> dict[str, str]:
    """Store `TYPED` on `account`'s profile as typed, run the migration, return what it holds."""
    stored: dict[str, str] = {}
    try:
        async with DB.transaction() as transaction:
            connection = transaction.connection
            assignments = ", ".join(f"{column} = ${n}" for n, column in enumerate(TEXTS, 2))
            await connection.execute(
                f"UPDATE profile SET {assignments} WHERE account = $1", account, *TYPED.values()
            )
            await run_forwards("users", PRECOMPOSE)
            row = await connection.fetchrow(
                f"SELECT {', '.join(TEXTS)} FROM profile WHERE account = $1", account
            )
            stored = dict(row)
            raise RolledBack
    except RolledBack:
        return stored


async def test_the_migration_precomposes_names_stored_as_typed(clinic: Clinic) -> None:
    patient = await clinic.member("patient")
    stored = await clinic.in_app(precompose, patient.id)
    assert stored == {column: unicodedata.normalize("NFC", text) for column, text in TYPED.items()}
    assert stored["first_name"] == "No\u00eblle"
