"""An extraction over `extraction_timeout` fails the document and kills its worker process."""

from typing import Any

import pytest

from tests.plugins.documents.files import long_pdf
from tests.plugins.documents.helpers import extracted, extraction_processes, uploaded
from tests.plugins.users.clinic import Clinic, Member


@pytest.fixture(scope="module")
def documents_config() -> dict[str, Any]:
    """So short that every extraction runs over it."""
    return {"extraction_timeout": "1ms", "extraction_workers": 1}


async def test_a_slow_extraction_fails_and_its_process_is_killed(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    before = {process.pid for process in extraction_processes()}
    for pages in (3, 4):
        created = await uploaded(clinic, doctor, long_pdf(pages), patient=patient)
        row = await extracted(clinic, created["id"])
        assert (row["status"], row["error"]) == ("failed", "extraction took longer than 0.001 s")
        assert row["attempts"] == 1
    assert {process.pid for process in extraction_processes()} <= before, (
        "timed-out extraction processes were left running"
    )
