"""An upload whose row cannot be written leaves no file in the store; shared files stay."""

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.plugins.documents.files import long_pdf
from tests.plugins.documents.helpers import partial_files, stored_files, upload, uploaded
from tests.plugins.users.clinic import Clinic, Member

REFUSE = """
CREATE FUNCTION refuse_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'could not extend file "base/5/16853": No space left on device'
        USING ERRCODE = '53100';
END $$;
CREATE TRIGGER refuse_document BEFORE INSERT ON document
    FOR EACH ROW WHEN (NEW.title LIKE 'refused%') EXECUTE FUNCTION refuse_document();
"""
"""PostgreSQL out of disk for the insert of documents titled `refused...` (and only those)."""


@pytest.fixture
async def refusing(clinic: Clinic) -> AsyncIterator[None]:
    """The database refuses some document rows for the test."""
    await clinic.execute(REFUSE)
    try:
        yield
    finally:
        await clinic.execute(
            "DROP TRIGGER refuse_document ON document; DROP FUNCTION refuse_document()"
        )


def blob(storage: Path, body: bytes) -> Path:
    digest = hashlib.sha256(body).hexdigest()
    return storage / digest[:2] / digest[2:]


@pytest.mark.usefixtures("refusing")
async def test_a_refused_row_leaves_no_file_but_a_shared_file_stays(
    clinic: Clinic, storage: Path, doctor: Member, patient: Member
) -> None:
    kept = long_pdf(1, paragraphs=1) + b"\n% kept " + doctor.id.bytes
    await uploaded(clinic, doctor, kept, patient=patient, title="Kept")
    before = stored_files(storage)

    new = long_pdf(1, paragraphs=1) + b"\n% new " + doctor.id.bytes
    response = await upload(clinic, doctor, new, patient=patient, title="refused new")
    assert response.status_code == 507, response.text
    assert not blob(storage, new).exists()

    response = await upload(clinic, doctor, kept, patient=patient, title="refused copy")
    assert response.status_code == 507, response.text
    assert blob(storage, kept).read_bytes() == kept
    assert stored_files(storage) == before
    assert partial_files(storage) == []

    await uploaded(clinic, doctor, new, patient=patient, title="Accepted later")
    assert blob(storage, new).read_bytes() == new
