"""OCR: photos, scans and image-only PDF pages are read by the bundled Tesseract."""

from pathlib import Path

import msgspec
import pytest

from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.core.config import ConfigError, Settings
from hduce.plugins.documents.services.extraction import (
    ExtractionOptions,
    OcrOptions,
    OcrUnavailable,
    check_models,
    extract_file,
)
from hduce.plugins.documents.services.extraction.entities import PAGE_BREAK
from tests.plugins.documents.files import (
    filled_form_pdf,
    scan_and_text_pdf,
    scanned_pdf,
    sideways_photo,
    stamped_scan_pdf,
    text_picture,
    transparent_picture,
)
from tests.plugins.documents.helpers import documents_settings, extracted, uploaded
from tests.plugins.users.clinic import Clinic, Member

PRESCRIPTION = ["Metformin 500 mg twice daily", "Blood pressure 150/95 mmHg"]


def extract(tmp_path: Path, data: bytes, content_type: str, **ocr: object) -> dict:
    path = tmp_path / "file"
    path.write_bytes(data)
    return extract_file(str(path), content_type, ExtractionOptions(ocr=OcrOptions(**ocr)))


def values(result: dict, kind: str) -> list[str]:
    return [entity["value"] for entity in result["entities"] if entity["kind"] == kind]


@pytest.mark.parametrize(("kind", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_a_photographed_prescription_is_read_with_its_entities(
    tmp_path: Path, kind: str, content_type: str
) -> None:
    result = extract(tmp_path, text_picture(PRESCRIPTION, kind), content_type)
    assert result["ok"] and result["page_count"] == 1
    assert "Metformin 500 mg twice daily" in result["text"]
    assert values(result, "medication") == ["metformin"]
    assert values(result, "blood_pressure") == ["150/95"]
    assert result["note"] == "1 of 1 pages read by OCR (may contain errors)"


def test_every_page_of_a_multi_page_tiff_is_read(tmp_path: Path) -> None:
    result = extract(tmp_path, text_picture(["Scanned page {page}"], "TIFF", 3), "image/tiff")
    assert result["page_count"] == 3
    assert [page.strip() for page in result["text"].split(PAGE_BREAK)] == [
        "Scanned page 1",
        "Scanned page 2",
        "Scanned page 3",
    ]


def test_only_pdf_pages_without_text_are_read_by_ocr(tmp_path: Path) -> None:
    pdf = scan_and_text_pdf(PRESCRIPTION, "Follow-up in 3 months. Lisinopril 10 mg daily.")
    result = extract(tmp_path, pdf, "application/pdf")
    scanned, typed = result["text"].split(PAGE_BREAK)
    assert "Metformin 500 mg" in scanned and "Lisinopril 10 mg daily" in typed
    assert sorted(values(result, "medication")) == ["lisinopril", "metformin"]
    assert result["note"] == "1 of 2 pages read by OCR (may contain errors)"


def test_pages_ocr_does_not_read_are_noted(tmp_path: Path) -> None:
    off = extract(tmp_path, scanned_pdf(), "application/pdf", enabled=False)
    assert (off["ok"], off["text"].strip(), off["page_count"]) == (True, "", 2)
    assert off["note"] == "2 of 2 pages are scans OCR did not read (OCR is turned off)"
    capped = extract(tmp_path, text_picture(["Page {page}"], "TIFF", 3), "image/tiff", max_pages=2)
    assert capped["text"].split(PAGE_BREAK)[2] == ""
    assert capped["note"] == (
        "2 of 3 pages read by OCR (may contain errors); "
        "1 of 3 pages are scans OCR did not read (OCR stops at 2)"
    )


def test_a_scan_under_a_line_of_text_is_read_by_ocr_with_that_line(tmp_path: Path) -> None:
    stamp = "FAX 2026-01-05 10:32 P.001/001"
    pdf = stamped_scan_pdf(PRESCRIPTION, stamp)
    result = extract(tmp_path, pdf, "application/pdf")
    assert result["text"].startswith(stamp) and result["text"].count("FAX") == 1
    assert "Metformin 500 mg twice daily" in result["text"]
    assert values(result, "medication") == ["metformin"]
    assert result["note"] == "1 of 1 pages read by OCR (may contain errors)"
    off = extract(tmp_path, pdf, "application/pdf", enabled=False)
    assert off["text"].strip() == stamp
    assert off["note"] == "1 of 1 pages are scans OCR did not read (OCR is turned off)"


@pytest.mark.parametrize("appearance", [True, False])
def test_values_typed_into_pdf_form_fields_are_read(tmp_path: Path, appearance: bool) -> None:
    result = extract(tmp_path, filled_form_pdf(appearance=appearance), "application/pdf")
    assert " ".join(result["text"].split()) == "Current medication: Warfarin 5 mg daily"
    assert values(result, "medication") == ["warfarin"]
    assert result["note"] is None


@pytest.mark.parametrize(
    ("kind", "content_type"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("TIFF", "image/tiff")]
)
def test_a_photo_is_read_the_way_its_exif_orientation_shows_it(
    tmp_path: Path, kind: str, content_type: str
) -> None:
    result = extract(tmp_path, sideways_photo(PRESCRIPTION, kind), content_type)
    assert "Metformin 500 mg twice daily" in result["text"]
    assert values(result, "medication") == ["metformin"]


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_a_transparent_background_reads_as_white_paper(tmp_path: Path, mode: str) -> None:
    result = extract(tmp_path, transparent_picture(PRESCRIPTION, mode), "image/png")
    assert "Metformin 500 mg twice daily" in result["text"]
    assert values(result, "blood_pressure") == ["150/95"]


def test_a_damaged_image_fails_with_a_reason(tmp_path: Path) -> None:
    broken = text_picture(["x"])[:200]  # a PNG cut short
    result = extract(tmp_path, broken, "image/png")
    assert result["ok"] is False
    assert result["error"].startswith("the image could not be read")


def test_a_language_without_its_model_is_refused_at_start(
    settings: Settings, tmp_path: Path
) -> None:
    with pytest.raises(OcrUnavailable, match=r"no xyz\.traineddata in .*tessdata"):
        check_models(OcrOptions(languages="eng+xyz"))
    check_models(OcrOptions(languages="xyz", enabled=False))  # off: nothing to check
    configured = documents_settings(settings, tmp_path, ocr_languages="eng+xyz")
    context = build_context(configured, "web", settings.database.url, settings.nats.url)
    with pytest.raises(ConfigError, match="ocr_languages"):
        setup_plugins(context, load_plugins(configured))


async def test_an_uploaded_scan_is_searchable_text(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    created = await uploaded(clinic, doctor, text_picture(PRESCRIPTION), patient=patient)
    row = await extracted(clinic, created["id"])
    assert row["status"] == "done", row["error"]
    assert "Metformin 500 mg" in row["text"]
    entities = msgspec.json.decode(row["entities"])
    assert {"metformin", "150/95"} <= {entity["value"] for entity in entities}
