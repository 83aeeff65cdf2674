"""A dead-lettered extraction task never leaves its document `processing` for good."""

import json
import uuid
from contextlib import AbstractAsyncContextManager
from typing import Any

import asyncpg
import msgspec
import pytest

from hduce.core.config import PositiveDuration, Settings
from tests.plugins.documents.files import long_pdf
from tests.plugins.documents.helpers import extracted, slow_writes, uploaded
from tests.plugins.users.clinic import Clinic, Member
from tests.support.context import isolated, wait_for_row


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    """A statement timeout of 1 s and two quick deliveries of each task, on a stream of its own."""
    database = msgspec.structs.replace(settings.database, statement_timeout=PositiveDuration(1))
    shared = isolated(settings, max_attempts=2, retry_backoff=PositiveDuration(0.2))
    return msgspec.structs.replace(shared, database=database)


@pytest.fixture(scope="module")
def documents_config() -> dict[str, Any]:
    """Look for stuck documents twice a second."""
    return {"stuck_check_interval": 0.5}


def frozen_after_claim(pool: asyncpg.Pool) -> AbstractAsyncContextManager[str]:
    """A title whose document can be claimed once; every later write of it takes 1.5 s, over
    the 1 s deadline, as when PostgreSQL freezes right after the first claim. Back on exit.

    Writes setting 3 attempts or more pass: the test's own, and what follows them."""
    return slow_writes(pool.execute, "OLD.status = 'processing' AND NEW.attempts < 3", 10**6)


async def dead_lettered(clinic: Clinic, document_id: str) -> None:
    """Wait until the document's extraction task is in `dead_letter`."""
    await clinic.in_app(
        wait_for_row,
        clinic.context.db.shared_pool,
        "SELECT 1 FROM dead_letter WHERE task_name LIKE 'documents.extract%' "
        "AND message->'args'->1->>'document_id' = $1",
        document_id,
    )


async def test_a_document_whose_task_died_with_a_frozen_database_is_extracted_once_it_is_back(
    clinic: Clinic, raw_pool: asyncpg.Pool, doctor: Member, patient: Member
) -> None:
    """Regression: the claims timed out on every delivery, the task was dead-lettered and the
    document stayed `processing` for good."""
    body = long_pdf(1) + b"%" + uuid.uuid4().bytes
    async with frozen_after_claim(raw_pool) as title:
        created = await uploaded(clinic, doctor, body, patient=patient, title=title)
        await dead_lettered(clinic, created["id"])
        (row,) = await clinic.fetch(
            "SELECT status FROM document WHERE id = $1", uuid.UUID(created["id"])
        )
        assert row["status"] == "processing"
    row = await extracted(clinic, created["id"])
    assert (row["status"], row["error"]) == ("done", None)
    assert "fièvre" in row["text"]


async def test_a_document_out_of_attempts_when_its_task_died_fails_saying_why(
    clinic: Clinic, raw_pool: asyncpg.Pool, doctor: Member, patient: Member
) -> None:
    body = long_pdf(1) + b"%" + uuid.uuid4().bytes
    async with frozen_after_claim(raw_pool) as title:
        created = await uploaded(clinic, doctor, body, patient=patient, title=title)
        await dead_lettered(clinic, created["id"])
        await raw_pool.execute(
            "UPDATE document SET attempts = 3 WHERE id = $1", uuid.UUID(created["id"])
        )
        row = await extracted(clinic, created["id"])
    assert (row["status"], row["error"]) == (
        "failed",
        "its extraction task failed 2 times and was given up (the database took too long to "
        "answer)",
    )


async def test_a_document_whose_task_was_given_up_three_times_fails_without_a_fourth(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    body = long_pdf(1) + b"%" + uuid.uuid4().bytes
    created = await uploaded(clinic, doctor, body, patient=patient)
    await extracted(clinic, created["id"])
    document_id = uuid.UUID(created["id"])
    await clinic.execute("UPDATE document SET status = 'pending' WHERE id = $1", document_id)
    messages = [
        json.dumps({"task_name": "documents.extract", "args": ["", payload, ""]})
        for payload in ({"document_id": "not a document"}, *[{"document_id": created["id"]}] * 3)
    ]
    for message in messages:  # as the broker keeps them (see `DeadLetterStore`)
        await clinic.execute(
            "INSERT INTO dead_letter (id, task_name, task_id, message, attempts, error) "
            "VALUES ($1, 'documents.extract', '', $2::jsonb, 2, 'RuntimeError()')",
            uuid.uuid4(),
            message,
        )
    row = await extracted(clinic, created["id"])
    assert (row["status"], row["error"]) == (
        "failed",
        "its extraction task failed 2 times and was given up (RuntimeError())",
    )
