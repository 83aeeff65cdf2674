"""File names and titles from clients: cleaned where stored and where sent back in downloads."""

import uuid
from email.message import EmailMessage
from typing import Any

from tests.plugins.documents.helpers import API, upload, uploaded
from tests.plugins.users.clinic import Clinic, Member

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def unique_text() -> bytes:
    return f"Note {uuid.uuid4()}".encode()


async def named(clinic: Clinic, caller: Member, filename: str, title: str) -> dict[str, Any]:
    """A text document uploaded with `filename` and `title`, as created."""
    return await uploaded(clinic, caller, unique_text(), filename=filename, title=title)


async def download_name(clinic: Clinic, caller: Member, title: str, **params: str) -> str:
    """The name a text document uploaded with `title` (no filename unless given) downloads as."""
    created = await uploaded(clinic, caller, unique_text(), title=title, **params)
    response = await clinic.client.get(f"{API}/{created['id']}/content", headers=caller.headers)
    assert response.status_code == 200, response.text
    assert "set-cookie" not in response.headers
    message = EmailMessage()
    message["content-disposition"] = response.headers["content-disposition"]
    assert message.get_content_disposition() == "attachment"
    return message.get_filename() or ""


async def test_a_title_is_cleaned_like_a_file_name_when_it_names_the_download(
    clinic: Clinic, patient: Member
) -> None:
    for title, expected in (
        ("../../etc/cron.d/evil", "evil.txt"),
        ("..\\..\\Windows\\evil", "evil.txt"),
        ("a\r\nSet-Cookie: x=1", "aSet-Cookie: x=1.txt"),
        ("x\u202etxt.exe", "xtxt.txt"),
        ("scans/", "document.txt"),
        ("blood.count.v2", "blood.count.txt"),
    ):
        assert await download_name(clinic, patient, title) == expected, title


async def test_a_long_filename_makes_a_title_of_at_most_200_characters(
    clinic: Clinic, patient: Member
) -> None:
    for length in (200, 201, 255):
        name = "r" * (length - 4) + ".txt"
        created = await uploaded(clinic, patient, unique_text(), filename=name)
        assert created["filename"] == name
        assert len(created["title"]) == min(length, 200)
        assert created["title"].endswith(".txt")
    response = await clinic.client.post(
        f"{API}/form",
        files={"file": ("f" * 240 + ".txt", unique_text(), "text/plain")},
        headers=patient.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["title"] == "f" * 196 + ".txt"


async def test_bidirectional_controls_leave_names_and_titles(
    clinic: Clinic, patient: Member
) -> None:
    created = await named(
        clinic, patient, f"résumé 診断書 {BIDI}exe.txt", f"Scan \u2066{BIDI}of March\u2069"
    )
    assert (created["filename"], created["title"]) == ("résumé 診断書 exe.txt", "Scan of March")
    untitled = await uploaded(clinic, patient, unique_text(), filename="\u202eabc.txt")
    assert (untitled["filename"], untitled["title"]) == ("abc.txt", "abc.txt")
    url = f"{API}/{created['id']}"
    changed = await clinic.client.patch(
        url, json={"title": "Scan \u202egpj.exe"}, headers=patient.headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "Scan gpj.exe"
    empty = await clinic.client.patch(url, json={"title": "\u202e\u2066"}, headers=patient.headers)
    assert empty.status_code == 422, empty.text
    assert "title" in empty.json()["detail"]
    only_controls = await upload(clinic, patient, unique_text(), title="\u202e")
    assert only_controls.status_code == 201, only_controls.text
    assert only_controls.json()["title"] == "Untitled document"


async def test_a_disposition_filename_in_raw_utf8_is_kept(clinic: Clinic, patient: Member) -> None:
    # As curl sends it: UTF-8 bytes in the header (Å is C3 85, 病 E7 97 85: 0x85 is NEL in Latin-1).
    for name in ("Åsa Berg.txt", "病歴.txt", "café.txt"):
        header = f'attachment; filename="{name}"'.encode()
        created = await uploaded(
            clinic, patient, unique_text(), kind="letter", headers={"Content-Disposition": header}
        )
        assert (created["filename"], created["title"]) == (name, name)
    # Bytes that are not UTF-8 are Latin-1, as HTTP has them.
    latin1 = {"Content-Disposition": b'attachment; filename="caf\xe9.txt"'}
    created = await uploaded(clinic, patient, unique_text(), headers=latin1)
    assert created["filename"] == "café.txt"


async def test_a_disposition_header_that_cannot_be_parsed_is_422(
    clinic: Clinic, patient: Member
) -> None:
    # U+0085 (NEL) and U+2028 end a header line for the parser.
    for name in ("a\u0085b.txt", "a\u2028b.txt"):
        header = f'attachment; filename="{name}"'.encode()
        response = await upload(
            clinic, patient, unique_text(), headers={"Content-Disposition": header}
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert "Content-Disposition" in problem["detail"]
        assert problem["errors"][0]["key"] == "Content-Disposition"
        assert problem["errors"][0]["source"] == "header"


async def test_c1_and_format_controls_leave_names_and_titles(
    clinic: Clinic, patient: Member
) -> None:
    created = await named(
        clinic,
        patient,
        "a\x85b\x9b31mc\u2028\u2029\ufeff\u200b.txt",
        "t\x9b2Jx\x80\x9f\u2028\u00ad",
    )
    assert (created["filename"], created["title"]) == ("ab31mc.txt", "t2Jx")
    changed = await clinic.client.patch(
        f"{API}/{created['id']}", json={"title": "Scan\x85 \x9b1m"}, headers=patient.headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "Scan 1m"
    # The zero-width (non-)joiners are format characters too, but spell Persian and Indic names.
    persian = await named(clinic, patient, "می‌خواهم.txt", "क्‍ष")
    assert (persian["filename"], persian["title"]) == ("می‌خواهم.txt", "क्‍ष")


async def disposition(clinic: Clinic, caller: Member, header: str | bytes) -> Any:
    """The answer to a text upload named by a `Content-Disposition` header."""
    headers = {"Content-Disposition": header}
    return await upload(clinic, caller, unique_text(), headers=headers)


async def test_filename_star_wins_over_filename_as_rfc_6266_says(
    clinic: Clinic, patient: Member
) -> None:
    for header in (
        "attachment; filename=\"resume.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt",
        "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.txt; filename=\"resume.txt\"",
        "inline; filename=resume.txt; filename*=iso-8859-1'fr'r%E9sum%E9.txt",
    ):
        response = await disposition(clinic, patient, header)
        assert response.status_code == 201, response.text
        assert response.json()["filename"] == "résumé.txt", header


async def test_a_filename_star_that_cannot_be_decoded_falls_back_to_filename_or_is_422(
    clinic: Clinic, patient: Member
) -> None:
    for bad in ("UTF-8''%C3%28.txt", "UTF-8''%ZZbad.txt", "nope.txt", "x-unknown''a.txt"):
        fallback = await disposition(
            clinic, patient, f'attachment; filename="a.txt"; filename*={bad}'
        )
        assert fallback.status_code == 201, fallback.text
        assert fallback.json()["filename"] == "a.txt", bad
        alone = await disposition(clinic, patient, f"attachment; filename*={bad}")
        assert alone.status_code == 422, alone.text
        problem = alone.json()
        assert "filename*" in problem["detail"] and "Content-Disposition" in problem["detail"]
        assert (problem["errors"][0]["key"], problem["errors"][0]["source"]) == (
            "Content-Disposition",
            "header",
        )


async def test_a_filename_over_255_characters_is_cut_keeping_its_extension_however_sent(
    clinic: Clinic, patient: Member
) -> None:
    name = "n" * 300 + ".txt"
    expected = "n" * 251 + ".txt"
    answers = [
        await upload(clinic, patient, unique_text(), filename=name),
        await disposition(clinic, patient, f'attachment; filename="{name}"'),
        await disposition(clinic, patient, f"attachment; filename*=UTF-8''{name}"),
        await clinic.client.post(
            f"{API}/form",
            files={"file": (name, unique_text(), "text/plain")},
            headers=patient.headers,
        ),
    ]
    for response in answers:
        assert response.status_code == 201, response.text
        assert response.json()["filename"] == expected


async def test_a_long_filename_downloads_under_at_most_255_bytes_with_its_extension(
    clinic: Clinic, patient: Member
) -> None:
    for filename in ("B" * 600, "C" * 255, "D" * 251 + ".pdf"):
        name = await download_name(clinic, patient, "t", filename=filename)
        assert name == filename[0] * 251 + ".txt", filename
    # File systems count bytes (255 on ext4, APFS): "é" is two, "名" three, "😀" four.
    for filename, kept in (("é" * 300 + ".txt", 125), ("名" * 300, 83), ("😀" * 200 + ".txt", 62)):
        name = await download_name(clinic, patient, "t", filename=filename)
        assert name == filename[0] * kept + ".txt", (filename[0], len(name.encode()))
