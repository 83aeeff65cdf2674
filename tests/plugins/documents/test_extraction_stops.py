"""Workers that stop cleanly mid-extraction hand the document back without using its attempts."""

import json
import signal
import uuid
from pathlib import Path

import msgspec
import pytest

from hduce.core.config import Settings
from tests.plugins.documents.files import scanned_letters_pdf
from tests.plugins.documents.helpers import extracted, uploaded
from tests.plugins.users.clinic import IDENTITY_PLUGINS, Clinic, Member
from tests.support.context import wait_for_row
from tests.support.serving import working

CLAIMED = "SELECT 1 FROM document WHERE id = $1 AND status = 'processing' AND attempts = $2"


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    """No embedded worker: only the `hduce worker` processes a test starts run the tasks."""
    worker = msgspec.structs.replace(settings.worker, embedded=False)
    return msgspec.structs.replace(settings, worker=worker)


async def test_workers_stopped_mid_extraction_do_not_use_up_its_attempts(
    clinic: Clinic, storage: Path, tmp_path: Path, doctor: Member, patient: Member
) -> None:
    """Regression: each claim counted, so a rolling restart of three processes during one long
    OCR failed the document with "started 3 times and never finished"."""
    body = scanned_letters_pdf(6) + b"%" + uuid.uuid4().bytes
    scan = await uploaded(clinic, doctor, body, patient=patient)
    document = uuid.UUID(scan["id"])
    extracting = {  # the clinic's documents, from its task stream
        "HDUCE_SERVER__SHUTDOWN_TIMEOUT": "1s",
        "HDUCE_PLUGINS__ENABLED": json.dumps([*IDENTITY_PLUGINS, "documents"]),
        "HDUCE_PLUGINS__DOCUMENTS__STORAGE_DIR": str(storage),
    }
    for stop in range(3):
        (before,) = await clinic.fetch("SELECT attempts FROM document WHERE id = $1", document)
        with working(tmp_path / f"stopped-{stop}", clinic.context.settings, **extracting) as one:
            await clinic.in_app(
                wait_for_row, clinic.context.db.shared_pool, CLAIMED, document, before[0] + 1
            )
            one.process.send_signal(signal.SIGTERM)
            assert one.process.wait(timeout=30) == 0, one.log.read_text()[-3000:]
        assert "task interrupted by shutdown, handed back" in one.log.read_text()
        (row,) = await clinic.fetch("SELECT status, attempts FROM document WHERE id = $1", document)
        assert (row["status"], row["attempts"]) == ("processing", 0)
    with working(tmp_path / "last", clinic.context.settings, **extracting):
        row = await extracted(clinic, scan["id"], timeout=120)
    assert (row["status"], row["attempts"], row["error"]) == ("done", 1, None)
    assert "blood pressure" in row["text"]
