"""The portal's documents: upload from a form, the extracted entities, download; own ones only."""

import re
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest

from hduce.core.config import Settings
from tests.plugins.documents.files import lab_report_pdf
from tests.plugins.documents.helpers import extracted
from tests.plugins.users.clinic import Clinic, running_clinic
from tests.plugins.web.helpers import Browser, signed_in, web_settings

DOCUMENT = re.compile(r"^/portal/documents/([0-9a-f-]+)$")


@pytest.fixture(scope="module")
async def clinic(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Clinic]:
    """The web clinic with documents stored in a temporary folder."""
    base = web_settings(settings)
    storage: Path = tmp_path_factory.mktemp("documents")
    sections = {**base.plugins.sections, "documents": {"storage_dir": str(storage)}}
    plugins = msgspec.structs.replace(
        base.plugins, enabled=(*base.plugins.enabled, "documents"), sections=sections
    )
    async with running_clinic(msgspec.structs.replace(base, plugins=plugins)) as running:
        yield running


async def upload(browser: Browser, body: bytes, name: str, **fields: str) -> str:
    """Send the portal's upload form; the new document's id."""
    token = await browser.csrf("/portal/documents")
    answer = await browser.request(
        "POST",
        "/portal/documents",
        data={"csrf_token": token, **fields},
        files={"file": (name, body, "application/pdf")},
    )
    assert answer.status_code == 303, answer.text
    found = DOCUMENT.match(answer.headers["location"])
    assert found, answer.headers
    return found[1]


async def test_a_patient_uploads_a_report_and_sees_what_was_found(clinic: Clinic) -> None:
    _, browser = await signed_in(clinic, "patient")
    body = lab_report_pdf()
    document = await upload(browser, body, "blood.pdf", title="Blood count", kind="lab_result")
    await extracted(clinic, document)
    page = await browser.get(f"/portal/documents/{document}")
    assert page.status_code == 200
    assert "Blood count" in page.text
    assert "<table>" in page.text  # the entities
    assert "medication" in page.text
    listing = await browser.get("/portal/documents")
    assert f'href="/portal/documents/{document}"' in listing.text
    download = await browser.get(f"/portal/documents/{document}/file")
    assert download.status_code == 200
    assert download.content == body
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["cache-control"] == "no-store"


async def test_a_download_keeps_the_cleaned_original_name(clinic: Clinic) -> None:
    _, browser = await signed_in(clinic, "patient")
    document = await upload(browser, lab_report_pdf(), 'Bilan "sanguin" été.pdf', title="Bilan")
    download = await browser.get(f"/portal/documents/{document}/file")
    assert download.status_code == 200
    disposition = download.headers["content-disposition"]
    assert 'filename="Bilan _sanguin_ ete.pdf"' in disposition, disposition
    assert "filename*=UTF-8''Bilan%20_sanguin_%20%C3%A9t%C3%A9.pdf" in disposition, disposition


async def test_another_patient_never_reaches_the_document(clinic: Clinic) -> None:
    _, owner = await signed_in(clinic, "patient")
    document = await upload(owner, lab_report_pdf(), "mine.pdf")
    _, other = await signed_in(clinic, "patient")
    assert (await other.get(f"/portal/documents/{document}")).status_code == 404
    assert (await other.get(f"/portal/documents/{document}/file")).status_code == 404
    assert document not in (await other.get("/portal/documents")).text
    _, desk = await signed_in(clinic, "receptionist")
    assert (await desk.get(f"/portal/documents/{document}")).status_code == 403


async def test_a_file_of_an_unknown_type_is_refused_with_the_reason(clinic: Clinic) -> None:
    patient, browser = await signed_in(clinic, "patient")
    token = await browser.csrf("/portal/documents")
    answer = await browser.request(
        "POST",
        "/portal/documents",
        data={"csrf_token": token},
        files={"file": ("tool.exe", b"MZ\x90\x00" + bytes(200), "application/octet-stream")},
    )
    assert answer.status_code == 415
    assert answer.headers["content-type"].startswith("text/html")
    rows = await clinic.fetch("SELECT 1 FROM document WHERE patient = $1", patient.id)
    assert rows == []


async def test_an_upload_needs_the_forms_token(clinic: Clinic) -> None:
    patient, browser = await signed_in(clinic, "patient")
    answer = await browser.request(
        "POST", "/portal/documents", files={"file": ("a.pdf", lab_report_pdf(), "application/pdf")}
    )
    assert answer.status_code == 403
    rows = await clinic.fetch("SELECT 1 FROM document WHERE patient = $1", patient.id)
    assert rows == []
