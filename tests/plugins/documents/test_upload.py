"""Uploads end to end: streamed to the store, sniffed, capped, extracted off the request path."""

import hashlib
from pathlib import Path
from typing import Any

import pytest

from hduce.core.refusals import NOT_A_FILE
from tests.plugins.documents.files import CLINIC_LETTER, image, lab_report_pdf, long_pdf
from tests.plugins.documents.helpers import (
    API,
    asgi_request,
    extracted,
    partial_files,
    stored_files,
    upload,
    uploaded,
)
from tests.plugins.users.clinic import Clinic, Member

CAP = 64 * 1024


@pytest.fixture(scope="module")
def documents_config() -> dict[str, Any]:
    """A small cap, so the over-the-cap tests send little."""
    return {"max_upload_size": CAP}


def entities_of(document: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in document["entities"] if e["kind"] == kind]


async def test_a_lab_report_is_stored_then_extracted_with_its_entities(
    clinic: Clinic, storage: Path, doctor: Member, patient: Member
) -> None:
    pdf = lab_report_pdf()
    created = await uploaded(
        clinic, doctor, pdf, patient=patient, title="HbA1c March", kind="lab_result"
    )
    assert created["status"] == "pending"
    assert (created["content_type"], created["size"]) == ("application/pdf", len(pdf))
    assert created["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert created["patient_id"] == str(patient.id)
    assert created["uploaded_by"] == str(doctor.id)
    digest = created["sha256"]
    assert (storage / digest[:2] / digest[2:]).read_bytes() == pdf

    row = await extracted(clinic, created["id"])
    assert row["status"] == "done", row["error"]
    assert row["page_count"] == 2
    assert "\r" not in row["text"]
    assert "Renée Müller" in row["text"]
    assert row["text"].count("\f") == 1

    response = await clinic.client.get(f"{API}/{created['id']}", headers=doctor.headers)
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["status"] == "done"
    assert document["extracted_at"]
    meds = {(e["value"], e["amount"], e["unit"]) for e in entities_of(document, "medication")}
    assert meds == {("metformin", 500, "mg"), ("atorvastatin", 20, "mg")}
    assert all(e["page"] == 2 for e in entities_of(document, "medication"))
    (bp,) = entities_of(document, "blood_pressure")
    assert (bp["value"], bp["unit"], bp["page"]) == ("128/82", "mmHg", 1)
    assert [e["amount"] for e in entities_of(document, "heart_rate")] == [76]
    assert [(e["amount"], e["unit"]) for e in entities_of(document, "temperature")] == [
        (37.9, "°C")
    ]
    assert [e["amount"] for e in entities_of(document, "oxygen_saturation")] == [96]
    labs = {(e["value"], e["amount"], e["unit"]) for e in entities_of(document, "lab_value")}
    assert {("hba1c", 7.2, "%"), ("glucose", 6.1, "mmol/L"), ("creatinine", 88, "µmol/L")} <= labs
    codes = [e["value"] for e in entities_of(document, "diagnosis_code")]
    assert codes == ["E11.9", "I10"]
    assert [e["value"] for e in entities_of(document, "allergy")] == ["penicillin"]
    dates = {e["value"] for e in entities_of(document, "date")}
    assert dates == {"2026-03-12", "2026-04-14"}
    text = (await clinic.client.get(f"{API}/{created['id']}/text", headers=doctor.headers)).text
    for entity in document["entities"]:
        assert text[entity["start"] : entity["end"]] == entity["text"]


async def test_a_multi_page_pdf_keeps_its_accents_and_page_breaks(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    created = await uploaded(clinic, doctor, long_pdf(5), patient=patient)
    row = await extracted(clinic, created["id"])
    assert (row["status"], row["page_count"]) == ("done", 5)
    pages = row["text"].split("\f")
    assert len(pages) == 5
    assert "page 3: fièvre à 38,5 °C, Müller, Øre." in pages[2]
    assert "toux sèche" in pages[4]


async def test_plain_text_and_images(clinic: Clinic, doctor: Member, patient: Member) -> None:
    letter = await uploaded(
        clinic, doctor, CLINIC_LETTER.encode("latin-1"), patient=patient, kind="referral"
    )
    assert letter["content_type"] == "text/plain"
    picture = await uploaded(clinic, doctor, image("PNG"), patient=patient, kind="imaging_report")
    assert picture["content_type"] == "image/png"
    row = await extracted(clinic, letter["id"])
    assert row["status"] == "done"
    assert "\r" not in row["text"]
    assert "lisinopril 10 mg" in row["text"]
    document = (await clinic.client.get(f"{API}/{letter['id']}", headers=doctor.headers)).json()
    values = {(e["kind"], e["value"]) for e in document["entities"]}
    expected = {("blood_pressure", "150/95"), ("medication", "lisinopril")}
    assert expected | {("allergy", "none known")} <= values
    row = await extracted(clinic, picture["id"])
    assert (row["status"], row["text"], row["page_count"]) == ("done", None, 1)  # no words in it
    assert row["note"] == "1 of 1 pages read by OCR (may contain errors)"


async def test_the_same_bytes_are_stored_once(
    clinic: Clinic, storage: Path, doctor: Member, patient: Member
) -> None:
    pdf = long_pdf(1, paragraphs=1) + b"\n% unique " + doctor.id.bytes
    before = len(stored_files(storage))
    first = await uploaded(clinic, doctor, pdf, patient=patient, title="Copy 1")
    second = await uploaded(clinic, doctor, pdf, patient=patient, title="Copy 2")
    assert first["id"] != second["id"]
    assert first["sha256"] == second["sha256"]
    assert len(stored_files(storage)) == before + 1
    assert partial_files(storage) == []


async def test_download_returns_the_identical_bytes(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    pdf = lab_report_pdf()
    created = await uploaded(
        clinic,
        doctor,
        pdf,
        patient=patient,
        headers={"Content-Disposition": "attachment; filename*=UTF-8''r%C3%A9sultats.pdf"},
    )
    assert created["filename"] == "résultats.pdf"
    assert created["title"] == "résultats.pdf"
    response = await clinic.client.get(f"{API}/{created['id']}/content", headers=patient.headers)
    assert response.status_code == 200
    assert response.content == pdf
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    assert "r%C3%A9sultats.pdf" in response.headers["content-disposition"]
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_over_the_cap_is_413_and_leaves_nothing(
    clinic: Clinic, storage: Path, doctor: Member, patient: Member
) -> None:
    before = stored_files(storage)
    body = b"%PDF-1.7\n" + b"x" * CAP
    response = await upload(clinic, doctor, body, patient=patient)
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "at most 65,536 bytes" in response.json()["detail"]

    # What a server hands the app for `Transfer-Encoding: chunked`: no Content-Length, many parts.
    chunks = [b"%PDF-1.7\n", *[b"y" * 4096] * (CAP // 4096 + 2)]
    headers = {**doctor.headers, "Content-Type": "application/pdf"}
    query = f"patient_id={patient.id}"
    status, body = await clinic.in_app(asgi_request, clinic.client.app, API, query, headers, chunks)
    assert status == 413, body
    assert b"at most 65,536 bytes" in body
    assert stored_files(storage) == before
    assert partial_files(storage) == []


@pytest.mark.parametrize(
    ("body", "content_type", "status", "words"),
    [
        (b"\x00\x01\x02binary\x00junk" * 10, "application/octet-stream", 415, "does not recognise"),
        (b"GIF89a" + b"\x00" * 40, "image/gif", 415, "accepted: a PDF, a PNG image"),
        (lab_report_pdf(), "image/png", 415, "`image/png` but the content is a PDF"),
        (image("PNG"), "application/pdf", 415, "is a PNG image"),
        (b"", "application/pdf", 422, "empty"),
        (b"--x\r\n", "multipart/form-data; boundary=x", 415, "not a multipart form"),
    ],
)
async def test_bad_bodies_are_refused_with_a_reason(
    clinic: Clinic,
    storage: Path,
    doctor: Member,
    patient: Member,
    body: bytes,
    content_type: str,
    status: int,
    words: str,
) -> None:
    response = await upload(clinic, doctor, body, patient=patient, content_type=content_type)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert words in response.json()["detail"]
    assert partial_files(storage) == []


async def test_jpeg_and_tiff_are_sniffed(clinic: Clinic, doctor: Member, patient: Member) -> None:
    jpeg = await uploaded(clinic, doctor, image("JPEG"), patient=patient, content_type="image/jpg")
    tiff = await uploaded(clinic, doctor, image("TIFF"), patient=patient)
    assert (jpeg["content_type"], tiff["content_type"]) == ("image/jpeg", "image/tiff")


async def test_bad_metadata(clinic: Clinic, doctor: Member, patient: Member) -> None:
    response = await upload(clinic, doctor, b"hello", patient=patient, kind="x-ray-film")
    assert response.status_code in (400, 422), response.text
    response = await upload(clinic, doctor, b"hello", patient=doctor)
    assert response.status_code == 422
    assert "patient" in response.json()["detail"]
    response = await upload(clinic, doctor, b"hello")
    assert response.status_code == 422
    assert "patient_id" in response.json()["detail"]


async def test_a_browser_form_uploads_the_same_way(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    pdf = lab_report_pdf()
    response = await clinic.client.post(
        f"{API}/form",
        files={"file": ("Bilan sanguin.pdf", pdf, "application/pdf")},
        data={"patient_id": str(patient.id), "kind": "lab_result"},
        headers=doctor.headers,
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["filename"], created["title"]) == ("Bilan sanguin.pdf", "Bilan sanguin.pdf")
    assert (created["kind"], created["size"]) == ("lab_result", len(pdf))
    assert (await extracted(clinic, created["id"]))["status"] == "done"

    mine = await clinic.client.post(
        f"{API}/form",
        files={"file": ("note.txt", b"Feeling better, BP 121/79 mmHg", "text/plain")},
        data={"title": "Home reading"},
        headers=patient.headers,
    )
    assert mine.status_code == 201, mine.text
    assert (mine.json()["patient_id"], mine.json()["title"]) == (str(patient.id), "Home reading")


async def test_a_browser_form_is_capped_and_sniffed(
    clinic: Clinic, storage: Path, doctor: Member, patient: Member
) -> None:
    before = stored_files(storage)
    too_big = await clinic.client.post(
        f"{API}/form",
        files={"file": ("big.pdf", b"%PDF-1.7\n" + b"z" * (CAP + 70_000), "application/pdf")},
        data={"patient_id": str(patient.id)},
        headers=doctor.headers,
    )
    assert too_big.status_code == 413, too_big.text
    assert too_big.headers["content-type"] == "application/problem+json"
    just_over = await clinic.client.post(
        f"{API}/form",
        files={"file": ("big.pdf", b"%PDF-1.7\n" + b"z" * CAP, "application/pdf")},
        data={"patient_id": str(patient.id)},
        headers=doctor.headers,
    )
    assert just_over.status_code == 413, just_over.text
    assert "at most 65,536 bytes" in just_over.json()["detail"]
    wrong = await clinic.client.post(
        f"{API}/form",
        files={"file": ("scan.png", lab_report_pdf(), "image/png")},
        data={"patient_id": str(patient.id)},
        headers=doctor.headers,
    )
    assert wrong.status_code == 415
    assert "is a PDF" in wrong.json()["detail"]
    assert stored_files(storage) == before
    assert partial_files(storage) == []


async def test_the_upload_bodies_are_in_the_openapi_document(clinic: Clinic) -> None:
    paths = (await clinic.client.get("/schema/openapi.json")).json()["paths"]
    raw = paths[API]["post"]["requestBody"]["content"]["application/octet-stream"]["schema"]
    assert raw == {"type": "string", "format": "binary"}
    form = paths[f"{API}/form"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in form
    assert {"413", "415", "422"} <= set(paths[API]["post"]["responses"])


async def test_a_browser_form_without_a_file_is_422_and_a_body_not_a_form_415(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    for parts in ({"patient_id": (None, str(patient.id))}, {"other": ("a.txt", b"x")}):
        response = await clinic.client.post(f"{API}/form", headers=doctor.headers, files=parts)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "file" in response.json()["detail"]
    # Seen: a `file` part without `filename=` (a text field) was "Unsupported type: <class 'str'>".
    text = await clinic.client.post(
        f"{API}/form", headers=doctor.headers, files={"file": (None, "x")}
    )
    assert text.status_code == 422, text.text
    assert text.json()["errors"] == [{"message": NOT_A_FILE, "key": "file", "source": "body"}]
    empty = await clinic.client.post(f"{API}/form", headers=doctor.headers)
    assert empty.status_code == 422, empty.text
    not_forms = [
        await clinic.client.post(
            f"{API}/form", headers=doctor.headers, data={"patient_id": str(patient.id)}
        ),
        await clinic.client.post(
            f"{API}/form",
            headers={**doctor.headers, "Content-Type": "text/plain"},
            content=b"Feeling better",
        ),
    ]
    for response in not_forms:
        assert response.status_code == 415, response.text
        assert response.json()["type"].endswith("/unsupported-type")
        assert "`POST /api/v1/documents`" in response.json()["detail"]
