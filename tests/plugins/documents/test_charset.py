"""Text documents download labelled with the charset their bytes are in (UTF-8 or Latin-1)."""

import uuid

from tests.plugins.documents.helpers import API, uploaded
from tests.plugins.users.clinic import Clinic, Member


async def downloaded_type(clinic: Clinic, caller: Member, body: bytes) -> str:
    created = await uploaded(clinic, caller, body, filename="note.txt")
    response = await clinic.client.get(f"{API}/{created['id']}/content", headers=caller.headers)
    assert response.status_code == 200, response.text
    assert response.content == body
    return response.headers["content-type"]


async def test_latin1_text_is_labelled_latin1_and_utf8_text_utf8(
    clinic: Clinic, patient: Member
) -> None:
    unique = str(uuid.uuid4())
    latin1 = f"Note {unique}: température 37.5 °C, café\n".encode("latin-1")
    assert await downloaded_type(clinic, patient, latin1) == "text/plain; charset=iso-8859-1"
    utf8 = f"Note {unique}: température 37.5 °C, 診断書\n".encode()
    assert await downloaded_type(clinic, patient, utf8) == "text/plain; charset=utf-8"
    # Past what the upload sniffs: ASCII first, Latin-1 only at the end.
    late = b"a" * 20_000 + unique.encode() + b" fin: caf\xe9"
    assert await downloaded_type(clinic, patient, late) == "text/plain; charset=iso-8859-1"
