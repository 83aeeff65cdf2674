"""The `DocumentReader` contract other plugins (search) read documents through."""

import uuid

from hduce.contracts.documents import DocumentReader, DocumentStatus, DocumentSummary
from tests.plugins.documents.files import CLINIC_LETTER
from tests.plugins.documents.helpers import API, extracted, uploaded
from tests.plugins.users.clinic import Clinic, Member


async def test_live_documents_with_their_text(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    reader = clinic.context.registry.get(DocumentReader)
    letter = await uploaded(
        clinic, doctor, CLINIC_LETTER.encode(), patient=patient, kind="referral"
    )
    gone = await uploaded(
        clinic, doctor, b"To be deleted " + uuid.uuid4().hex.encode(), patient=patient
    )
    await extracted(clinic, letter["id"])
    assert (await clinic.client.delete(f"{API}/{gone['id']}", headers=doctor.headers)).is_success
    ids = [uuid.UUID(letter["id"]), uuid.UUID(gone["id"]), uuid.uuid4()]

    (summary,) = await clinic.in_app(reader.summaries, ids)
    assert isinstance(summary, DocumentSummary)
    assert (summary.patient_id, summary.kind, summary.status) == (
        patient.id,
        "referral",
        DocumentStatus.DONE,
    )
    assert "lisinopril 10 mg" in summary.text

    seen: list[uuid.UUID] = []
    after = None
    while batch := await clinic.in_app(_page, reader, after):
        seen += [s.id for s in batch]
        after = batch[-1].id
    assert seen == sorted(seen)
    assert ids[0] in seen
    assert ids[1] not in seen


async def _page(reader: DocumentReader, after: uuid.UUID | None) -> list[DocumentSummary]:
    return await reader.summaries_page(after=after, limit=2)
