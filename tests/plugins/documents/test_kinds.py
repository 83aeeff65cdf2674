"""The document kinds a clinic files: each accepted, listed by kind, and typed by LOINC."""

from hduce.contracts.documents import LOINC_DOCUMENT_TYPES, DocumentKind
from tests.plugins.documents.files import CLINIC_LETTER
from tests.plugins.documents.helpers import API, uploaded
from tests.plugins.users.clinic import Clinic, Member

NEW_KINDS = ("clinical_note", "letter", "consent", "insurance", "questionnaire")


async def test_the_clinic_kinds_are_filed_and_listed_by_kind(
    clinic: Clinic, patient: Member, doctor: Member
) -> None:
    body = CLINIC_LETTER.encode()
    created = {
        kind: (await uploaded(clinic, doctor, body, patient=patient, kind=kind))["id"]
        for kind in NEW_KINDS
    }
    for kind, document_id in created.items():
        listing = await clinic.client.get(
            API, params={"patient_id": str(patient.id), "kind": kind}, headers=doctor.headers
        )
        assert listing.status_code == 200, listing.text
        assert [d["id"] for d in listing.json()["items"]] == [document_id], kind
    refiled = await clinic.client.patch(
        f"{API}/{created['letter']}", json={"kind": "consent"}, headers=doctor.headers
    )
    assert (refiled.status_code, refiled.json()["kind"]) == (200, "consent")


def test_every_kind_but_other_has_a_loinc_document_type() -> None:
    assert set(LOINC_DOCUMENT_TYPES) == set(DocumentKind)
    typed = {kind for kind, loinc in LOINC_DOCUMENT_TYPES.items() if loinc}
    assert typed == set(DocumentKind) - {DocumentKind.OTHER}
    assert LOINC_DOCUMENT_TYPES[DocumentKind.CLINICAL_NOTE] == ("11506-3", "Progress note")
    codes = [loinc[0] for loinc in LOINC_DOCUMENT_TYPES.values() if loinc]
    assert len(set(codes)) == len(codes), "two kinds share a LOINC code"
