"""Text documents download labelled with the charset their bytes are in (UTF-8 or Windows-1252)."""

import uuid

from tests.plugins.documents.helpers import API, extracted, uploaded
from tests.plugins.users.clinic import Clinic, Member

WINDOWS_1252 = "text/plain; charset=windows-1252"


async def downloaded_type(clinic: Clinic, caller: Member, body: bytes) -> str:
    created = await uploaded(clinic, caller, body, filename="note.txt")
    response = await clinic.client.get(f"{API}/{created['id']}/content", headers=caller.headers)
    assert response.status_code == 200, response.text
    assert response.content == body
    return response.headers["content-type"]


async def test_legacy_text_is_labelled_windows_1252_and_utf8_text_utf8(
    clinic: Clinic, patient: Member
) -> None:
    unique = str(uuid.uuid4())
    latin1 = f"Note {unique}: température 37.5 °C, café\n".encode("latin-1")
    assert await downloaded_type(clinic, patient, latin1) == WINDOWS_1252
    utf8 = f"Note {unique}: température 37.5 °C, 診断書\n".encode()
    assert await downloaded_type(clinic, patient, utf8) == "text/plain; charset=utf-8"
    # Past what the upload sniffs: ASCII first, a legacy byte only at the end.
    late = b"a" * 20_000 + unique.encode() + b" fin: caf\xe9"
    assert await downloaded_type(clinic, patient, late) == WINDOWS_1252


async def test_windows_1252_quotes_dashes_and_euro_are_text(
    clinic: Clinic, patient: Member
) -> None:
    short = f"Patient {uuid.uuid4()} said “no fever” — cost €20.\n"
    regular = "The patient is well and attends clinic regularly. " * 40
    long = f"Referral {uuid.uuid4()}. {regular}She said “no fever” — fee €20.\n"
    for letter in (short, long):
        created = await uploaded(clinic, patient, letter.encode("cp1252"), filename="letter.txt")
        download = await clinic.client.get(
            f"{API}/{created['id']}/content", headers=patient.headers
        )
        assert download.headers["content-type"] == WINDOWS_1252
        assert (await extracted(clinic, created["id"]))["status"] == "done"
        text = await clinic.client.get(f"{API}/{created['id']}/text", headers=patient.headers)
        assert text.status_code == 200, text.text
        assert text.text == letter
