"""An extraction process killed from outside (kill -9, the OOM killer) is not the file's fault."""

import asyncio
import signal
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.plugins.documents.files import scanned_letters_pdf
from tests.plugins.documents.helpers import extracted, extraction_processes, processing, uploaded
from tests.plugins.users.clinic import Clinic, Member

PAGES = 10
"""Scanned pages of the slow document: OCR takes seconds."""
KILLED_THRICE = (
    "the extraction process was killed 3 times while reading this file (by the system or an "
    "operator; it may need more than the 1024 MiB extraction memory limit)"
)


@pytest.fixture(scope="module")
def documents_config() -> dict[str, Any]:
    """One process: the one extracting is the only one."""
    return {"extraction_workers": 1}


def reading(process: psutil.Process, storage: Path) -> bool:
    """Whether `process` has a stored document open (it is reading the document)."""
    try:
        return any(Path(file.path).is_relative_to(storage) for file in process.open_files())
    except psutil.NoSuchProcess:
        return False


async def kill_next(storage: Path, spared: set[int]) -> int:
    """SIGKILL the next extraction process not in `spared` while it reads a document; its pid."""
    for _ in range(600):
        for process in extraction_processes():
            if process.pid not in spared and reading(process, storage):
                process.send_signal(signal.SIGKILL)
                return process.pid
        await asyncio.sleep(0.05)
    raise AssertionError("no extraction process read the document")


async def test_a_killed_extraction_process_is_retried_and_the_document_is_done(
    clinic: Clinic, doctor: Member, patient: Member, storage: Path
) -> None:
    created = await uploaded(clinic, doctor, scanned_letters_pdf(PAGES), patient=patient)
    await processing(clinic, created["id"])
    killed = await kill_next(storage, set())
    row = await extracted(clinic, created["id"], timeout=60)
    assert (row["status"], row["error"], row["page_count"]) == ("done", None, PAGES)
    assert "blood pressure" in row["text"]
    assert row["attempts"] == 1, "a retry in a fresh process, not another claim"
    assert killed not in {process.pid for process in extraction_processes()}


async def test_a_process_killed_every_time_fails_the_document_saying_so(
    clinic: Clinic, doctor: Member, patient: Member, storage: Path
) -> None:
    created = await uploaded(clinic, doctor, scanned_letters_pdf(PAGES) + b"%", patient=patient)
    await processing(clinic, created["id"])
    killed: set[int] = set()
    for _ in range(3):
        killed.add(await kill_next(storage, killed))
    row = await extracted(clinic, created["id"])
    assert (row["status"], row["error"], row["attempts"]) == ("failed", KILLED_THRICE, 1)
