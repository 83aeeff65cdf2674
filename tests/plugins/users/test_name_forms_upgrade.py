"""Upgrading an install that stored names as typed: every profile's text becomes NFC."""

import logging
import unicodedata
import uuid
from collections.abc import Mapping

import pytest

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
# 60 characters, within last_name's 100, that NFC makes 120: U+095B is U+091C U+093C in NFC.
GROWING = "\u095b" * 60


class RolledBack(Exception):
    """Raised to undo the test's transaction (the rows go back as they were)."""


async def precompose(account: uuid.UUID, typed: Mapping[str, str]) -> dict[str, str]:
    """Store `typed` on `account`'s profile as typed, run the migration, return what it holds."""
    stored: dict[str, str] = {}
    try:
        async with DB.transaction() as transaction:
            connection = transaction.connection
            assignments = ", ".join(f"{column} = ${n}" for n, column in enumerate(typed, 2))
            await connection.execute(
                f"UPDATE profile SET {assignments} WHERE account = $1", account, *typed.values()
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
    stored = await clinic.in_app(precompose, patient.id, TYPED)
    assert stored == {column: unicodedata.normalize("NFC", text) for column, text in TYPED.items()}
    assert stored["first_name"] == "No\u00eblle"


async def test_a_name_nfc_lengthens_past_its_column_is_left_as_stored_and_its_account_named(
    clinic: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    # Seen: `hduce migrate` stopped at StringDataRightTruncationError (varchar(100)), naming no
    # profile, so neither `migrate` nor `serve` could go on.
    patient = await clinic.member("patient")
    typed = {**TYPED, "last_name": GROWING}
    with caplog.at_level(logging.INFO, logger="hduce.migrations"):
        stored = await clinic.in_app(precompose, patient.id, typed)
    assert stored["last_name"] == GROWING, "left as stored"
    assert stored["first_name"] == "No\u00eblle", "the other text of the profile is rewritten"
    left = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(left) == 1, caplog.text
    assert f"{patient.id} (last_name)" in left[0] and "1 profile " in left[0], left[0]
    assert GROWING not in caplog.text and "No\u00eblle" not in caplog.text, "no names logged"
