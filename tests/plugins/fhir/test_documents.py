"""FHIR `DocumentReference` and `Binary`: the documents rules, search by patient and date."""

import base64
from datetime import UTC, datetime, timedelta

from fhir.resources.R4B.binary import Binary
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.documentreference import DocumentReference

from tests.plugins.documents.helpers import uploaded
from tests.plugins.fhir.test_patients import BASE, outcome
from tests.plugins.users.clinic import Clinic

LETTER = b"Discharge letter: BP 118/76 mmHg, follow-up in two weeks."


async def test_a_patient_reads_their_document_and_its_binary(clinic: Clinic) -> None:
    patient = await clinic.member("patient")
    stored = await uploaded(
        clinic, patient, LETTER, title="Discharge letter", kind="discharge_summary"
    )
    response = await clinic.client.get(
        f"{BASE}/DocumentReference/{stored['id']}", headers=patient.headers
    )
    assert response.status_code == 200, response.text
    reference = DocumentReference.model_validate(response.json())
    assert reference.subject.reference == f"Patient/{patient.id}"
    assert reference.description == "Discharge letter"
    codes = [(c.system, c.code, c.display) for c in reference.type.coding]
    assert codes == [
        ("urn:hduce:document-kind", "discharge_summary", None),
        ("http://loinc.org", "18842-5", "Discharge summary"),
    ]
    url = reference.content[0].attachment.url
    assert url.endswith(f"/fhir/R4/Binary/{stored['id']}")
    binary = await clinic.client.get(
        url.split("/fhir/R4")[1].join([BASE, ""]), headers=patient.headers
    )
    assert binary.status_code == 200, binary.text
    assert Binary.model_validate(binary.json()).contentType.startswith("text/plain")
    assert base64.b64decode(binary.json()["data"]) == LETTER
    audited = await clinic.fetch(
        "SELECT action, ip FROM audit_event WHERE actor_id = $1 AND action LIKE 'documents.%'",
        patient.id,
    )
    assert {"documents.read", "documents.download"} <= {row["action"] for row in audited}
    assert {row["ip"] for row in audited} == {"testclient"}, audited  # the caller's address


async def test_search_by_patient_and_date_with_the_documents_rules(clinic: Clinic) -> None:
    patient, other = await clinic.member("patient"), await clinic.member("patient")
    doctor, receptionist = await clinic.member("doctor"), await clinic.member("receptionist")
    mine = await uploaded(clinic, doctor, LETTER, patient=patient)
    await uploaded(clinic, doctor, LETTER, patient=other)

    async def search(headers: dict[str, str], **params: str) -> list[str]:
        response = await clinic.client.get(
            f"{BASE}/DocumentReference", params=params, headers=headers
        )
        assert response.status_code == 200, response.text
        return [entry.resource.id for entry in Bundle.model_validate(response.json()).entry or []]

    today = datetime.now(UTC).date()
    subject = f"Patient/{patient.id}"
    assert await search(doctor.headers, patient=subject) == [mine["id"]]
    assert await search(doctor.headers, patient=subject, date=f"ge{today}") == [mine["id"]]
    assert await search(doctor.headers, patient=subject, date=f"lt{today}") == []
    tomorrow = today + timedelta(days=1)
    assert await search(doctor.headers, patient=subject, date=f"ge{tomorrow}") == []
    assert await search(patient.headers) == [mine["id"]]
    assert await search(other.headers, patient=subject) == []
    outcome(await clinic.client.get(f"{BASE}/DocumentReference", headers=receptionist.headers), 403)
    outcome(
        await clinic.client.get(f"{BASE}/DocumentReference/{mine['id']}", headers=other.headers),
        404,
    )
    outcome(await clinic.client.get(f"{BASE}/Binary/{mine['id']}", headers=other.headers), 404)
