"""Accents aside: accented and unaccented spellings find each other, prefixes included."""

import asyncpg
import pytest

from hduce.plugins.search.services._folding import fold
from tests.plugins.search.helpers import API, index, register, search, wait_for_entry, word
from tests.plugins.users.clinic import Clinic


def test_folding_drops_accents_and_spells_out_the_letters_without_a_decomposition() -> None:
    assert fold("Héloïse Müller, Zoë, café") == "Heloise Muller, Zoe, cafe"
    assert fold("Łódź Øresund Æsir Straße Đorđe œuvre") == "Lodz Oresund AEsir Strasse Dorde oeuvre"


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("muller", {"accented", "plain"}),
        ("müller", {"accented", "plain"}),
        ("mul", {"accented", "plain"}),
        ("zoe", {"accented"}),
        ("zoë", {"accented"}),
        ("cafe", {"accented"}),
        ("lodz", {"accented"}),
        ("oresund", {"accented"}),
        ("øresund", {"accented"}),
    ],
)
async def test_accent_free_and_accented_words_find_each_other(
    clinic: Clinic, q: str, found: set[str]
) -> None:
    patient = await clinic.member("patient")
    accented = await index(clinic, patient.id, "Note", "Dr Müller referred. Zoë Łódź Øresund café")
    plain = await index(clinic, patient.id, "Note", "Dr Muller referred again.")
    notes = {str(accented): "accented", str(plain): "plain"}
    doctor = await clinic.member("doctor")

    hits = (await search(clinic, doctor, q, patient_id=str(patient.id), limit=50))["hits"]
    assert {notes[hit["id"]] for hit in hits if hit["id"] in notes} == found


@pytest.mark.parametrize("typed", ["hel", "helo", "hél", "heloise"])
async def test_a_receptionist_finds_and_completes_an_accented_name_typed_without_accents(
    clinic: Clinic, raw_pool: asyncpg.Pool, typed: str
) -> None:
    surname = word().capitalize()
    patient = await register(clinic, "Héloïse", surname)
    await wait_for_entry(raw_pool, "patient", patient.id)
    receptionist = await clinic.member("receptionist")

    page = await search(clinic, receptionist, f"{typed} {surname}", kind="patient")
    assert [hit["title"] for hit in page["hits"]] == [f"Héloïse {surname}"]
    suggested = await clinic.client.get(
        f"{API}/suggest", params={"q": typed}, headers=receptionist.headers
    )
    assert suggested.status_code == 200, suggested.text
    assert "héloïse" in suggested.json()["suggestions"]
