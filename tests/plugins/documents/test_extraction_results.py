"""What extraction hands back stays bounded, and a result the database cannot write fails truly."""

import json
import uuid
from contextlib import AbstractAsyncContextManager

import msgspec
import pytest

from hduce.core.config import PositiveDuration, Settings
from tests.plugins.documents.files import long_pdf
from tests.plugins.documents.helpers import API, extracted, slow_writes, uploaded
from tests.plugins.users.clinic import Clinic, Member

LINE = b"aspirin 1 mg BP 120/80 \n"
"""Two entities: a medication with its dose and a blood pressure."""


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    """The session's settings with a statement timeout of 1 s (the API's deadline)."""
    database = msgspec.structs.replace(settings.database, statement_timeout=PositiveDuration(1))
    return msgspec.structs.replace(settings, database=database)


def slow_done_writes(clinic: Clinic, times: int) -> AbstractAsyncContextManager[str]:
    """A title whose document's first `times` `done` writes take 1.5 s, over the 1 s deadline."""
    return slow_writes(clinic.execute, "NEW.status = 'done'", times)


async def test_a_text_with_more_entities_than_kept_keeps_the_first_and_says_so(
    clinic: Clinic, patient: Member
) -> None:
    created = await uploaded(clinic, patient, LINE * 6_000)
    row = await extracted(clinic, created["id"])
    assert (row["status"], row["attempts"]) == ("done", 1)
    assert len(json.loads(row["entities"])) == 10_000
    assert row["note"] == (
        "more than 10000 entities found; only the first 10000 are kept (max_entities)"
    )
    answer = await clinic.client.get(f"{API}/{created['id']}", headers=patient.headers)
    document = answer.json()
    assert len(document["entities"]) == 10_000
    assert document["entities"][0]["value"] == "aspirin"


async def test_a_result_the_database_is_slow_to_write_is_stored_by_a_retry(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    """Regression: any storing timeout failed the document for good, so a database frozen or
    slow for a moment lost good extractions."""
    body = long_pdf(1) + b"%" + uuid.uuid4().bytes
    async with slow_done_writes(clinic, 1) as title:
        created = await uploaded(clinic, doctor, body, patient=patient, title=title)
        row = await extracted(clinic, created["id"])
    assert (row["status"], row["attempts"], row["error"]) == ("done", 2, None)
    assert "fièvre" in row["text"]


async def test_a_result_the_database_never_writes_in_time_fails_saying_so(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    body = long_pdf(1) + b"%" + uuid.uuid4().bytes
    async with slow_done_writes(clinic, 1_000) as title:
        created = await uploaded(clinic, doctor, body, patient=patient, title=title)
        row = await extracted(clinic, created["id"], timeout=60)
    # Three claims that could not store their result, then the fourth gives up.
    assert (row["status"], row["attempts"]) == ("failed", 4)
    assert row["error"] == (
        "its result could not be stored: the database took too long to write it"
    )
