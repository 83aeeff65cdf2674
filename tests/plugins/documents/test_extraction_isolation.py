"""A timeout ends only the stuck extraction process; time spent waiting for one is not counted."""

from typing import Any

import pytest

from tests.plugins.documents.files import long_pdf, scanned_letters_pdf
from tests.plugins.documents.helpers import (
    extracted,
    extraction_processes,
    processing,
    uploaded,
)
from tests.plugins.users.clinic import Clinic, Member

TIMED_OUT = "extraction took longer than 3 s"


@pytest.fixture(scope="module")
def documents_config() -> dict[str, Any]:
    """Two processes; OCR of 100 scanned pages (~20 s) runs far over the timeout."""
    return {"extraction_timeout": "3s", "extraction_workers": 2, "ocr_max_pages": 100}


async def test_a_timeout_kills_the_stuck_process_and_spares_the_other(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    slow = await uploaded(clinic, doctor, scanned_letters_pdf(100), patient=patient)
    await processing(clinic, slow["id"])
    quick = await uploaded(clinic, doctor, long_pdf(2), patient=patient)
    assert (await extracted(clinic, quick["id"]))["status"] == "done"
    before = {process.pid for process in extraction_processes()}
    assert len(before) == 2
    row = await extracted(clinic, slow["id"])
    assert (row["status"], row["error"], row["attempts"]) == ("failed", TIMED_OUT, 1)
    after = {process.pid for process in extraction_processes()}
    assert len(before & after) == 1, "the process of the quick document was killed too"


async def test_time_waiting_for_a_free_process_does_not_count(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    slow = [
        await uploaded(clinic, doctor, scanned_letters_pdf(100) + bytes([n]), patient=patient)
        for n in range(2)
    ]
    for document in slow:
        await processing(clinic, document["id"])
    queued = await uploaded(clinic, doctor, long_pdf(3), patient=patient)
    for document in slow:
        assert (await extracted(clinic, document["id"]))["error"] == TIMED_OUT
    row = await extracted(clinic, queued["id"])
    assert (row["status"], row["page_count"], row["attempts"]) == ("done", 3, 1)
