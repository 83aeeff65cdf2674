"""The portal's documents: upload from a form, the extracted entities, download; own ones only."""

import io
import re
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest
from httpx import Response

from hduce.core.config import Settings
from tests.plugins.documents.files import lab_report_pdf
from tests.plugins.documents.helpers import extracted
from tests.plugins.users.clinic import Clinic, running_clinic
from tests.plugins.web.helpers import Browser, signed_in, web_settings

DOCUMENT = re.compile(r"^/portal/documents/([0-9a-f-]+)$")
ALERT = re.compile(r'<p class="error"[^>]*role="alert">([^<]+)</p>')
HTTP_WORDS = ("Content-Type", "request", "`", "octet-stream", "bytes")
MIB = 1024 * 1024
BOUNDARY = "hduce-test-boundary"


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


def word_document() -> bytes:
    """The start of a .docx (a zip archive), which the clinic does not accept."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


async def test_the_content_decides_the_type_whatever_the_name_or_browser_say(
    clinic: Clinic,
) -> None:
    patient, browser = await signed_in(clinic, "patient")
    token = await browser.csrf("/portal/documents")
    answer = await browser.request(
        "POST",
        "/portal/documents",
        data={"csrf_token": token, "title": "Scan"},
        files={"file": ("scan.png", lab_report_pdf(), "image/png")},
    )
    assert answer.status_code == 303, answer.text
    rows = await clinic.fetch("SELECT content_type FROM document WHERE patient = $1", patient.id)
    assert [r["content_type"] for r in rows] == ["application/pdf"]


async def test_a_refused_file_shows_the_form_again_with_plain_words_and_the_title(
    clinic: Clinic,
) -> None:
    patient, browser = await signed_in(clinic, "patient")
    refusals = (
        (("letter.docx", word_document(), "application/msword"), 415, "cannot read"),
        (("empty.pdf", b"", "application/pdf"), 422, "empty"),
        (("", b"", "application/octet-stream"), 422, "choose a file"),
    )
    for file, status, words in refusals:
        token = await browser.csrf("/portal/documents")
        form = {"csrf_token": token, "title": "My letter", "kind": "referral"}
        answer = await browser.request("POST", "/portal/documents", data=form, files={"file": file})
        assert answer.status_code == status, (file[0], answer.text)
        said = ALERT.search(answer.text)
        assert said and words in said[1].lower(), (file[0], answer.text)
        assert not [w for w in HTTP_WORDS if w in said[1]], said[1]
        assert 'name="title" maxlength="200" value="My letter"' in answer.text
        assert '<option value="referral" selected>' in answer.text
    assert await clinic.fetch("SELECT 1 FROM document WHERE patient = $1", patient.id) == []


async def test_an_upload_needs_the_forms_token(clinic: Clinic) -> None:
    patient, browser = await signed_in(clinic, "patient")
    answer = await browser.request(
        "POST", "/portal/documents", files={"file": ("a.pdf", lab_report_pdf(), "application/pdf")}
    )
    assert answer.status_code == 403
    rows = await clinic.fetch("SELECT 1 FROM document WHERE patient = $1", patient.id)
    assert rows == []


def multipart(token: str, size: int) -> bytes:
    """An upload form whose PDF is `size` bytes (a body just above a limit: held, not streamed,
    since the in-process test client reads a request whole before the app sees it)."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\nBig scan\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    pdf = b"%PDF-1.7\n"
    return head + pdf + bytes(size - len(pdf)) + f"\r\n--{BOUNDARY}--\r\n".encode()


async def send_unannounced(browser: Browser, url: str, body: bytes, content_type: str) -> Response:
    """POST `body` without a `Content-Length` (as a chunked body comes): the app counts it."""
    client = browser.clinic.client
    client.cookies.clear()
    jar = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    headers = {"Content-Type": content_type, "Cookie": jar}
    request = client.build_request("POST", url, content=body, headers=headers)
    del request.headers["Content-Length"]
    return await client.send(request)


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "counted"])
async def test_a_file_too_large_for_the_form_or_the_clinic_says_the_largest_size(
    clinic: Clinic, announced: bool
) -> None:
    patient, browser = await signed_in(clinic, "patient")
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    for size in (64 * MIB + 1, 25 * MIB + 1):  # over the form's limit; over the documents' cap
        body = multipart(await browser.csrf("/portal/documents"), size)
        if announced:  # as browsers do: refused before the body is read
            headers = {"Content-Type": content_type}
            answer = await browser.request(
                "POST", "/portal/documents", content=body, headers=headers
            )
        else:
            answer = await send_unannounced(browser, "/portal/documents", body, content_type)
        del body
        assert answer.status_code == 413, (size, answer.text)
        assert 'enctype="multipart/form-data"' in answer.text, "the upload form again"
        said = ALERT.search(answer.text)
        assert said and "25 MB" in said[1], (size, answer.text)
        assert not [w for w in HTTP_WORDS if w in said[1]], said[1]
    assert await clinic.fetch("SELECT 1 FROM document WHERE patient = $1", patient.id) == []
