"""Typo correction against the index's words, the synonym lexicon, and as-you-type suggestions."""

import unicodedata
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from hduce.core.config import Settings
from hduce.plugins.search.services._lexicon import Lexicon
from tests.plugins.search.documents_clinic import documents_clinic, text_document
from tests.plugins.search.helpers import API, booked, register, search, wait_for_entry, word
from tests.plugins.users.clinic import Clinic, Member
from tests.support.context import wait_for_row

SUGGEST = f"{API}/suggest"


@pytest.fixture(scope="module")
async def clinic(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Clinic]:
    """Search with the documents plugin enabled too."""
    async with documents_clinic(settings, tmp_path_factory) as running:
        yield running


def ids(page: dict[str, object]) -> list[str]:
    """The ids of a page's hits."""
    return [hit["id"] for hit in page["hits"]]  # type: ignore[attr-defined, index]


async def suggestions(clinic: Clinic, caller: Member, q: str) -> list[str]:
    """`GET /search/suggest` as `caller`."""
    response = await clinic.client.get(SUGGEST, params={"q": q}, headers=caller.headers)
    assert response.status_code == 200, response.text
    return response.json()["suggestions"]


async def test_a_misspelt_drug_finds_its_documents(clinic: Clinic) -> None:
    marker, patient, doctor = word(), await clinic.member("patient"), await clinic.member("doctor")
    text = f"Visit {marker}: started metformin 500 mg twice daily."
    document = await text_document(clinic, doctor, patient, text, "Visit note")

    page = await search(clinic, doctor, f"metfornin {marker}")
    assert ids(page) == [document["id"]]
    assert "<mark>metformin</mark>" in page["hits"][0]["snippet"]
    assert ids(await search(clinic, patient, f"{marker} METFORNIN")) == [document["id"]]
    assert (await search(clinic, doctor, f"metfornin {word()}"))["hits"] == []


async def test_a_word_typed_without_its_accents_finds_the_accented_word(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    marker, patient, doctor = word(), await clinic.member("patient"), await clinic.member("doctor")
    text = f"{marker}: fièvre persistante, échographie normale, Müller consulted."
    document = await text_document(clinic, doctor, patient, text, "Consultation")
    surname = word()
    heloise = await register(clinic, "Héloïse", surname.capitalize())
    await wait_for_entry(raw_pool, "patient", heloise.id)

    for typed in ("fievre", "fiévre", "FIEVRE", "fièvres", "echographie", "echografie", "muller"):
        assert ids(await search(clinic, doctor, f"{typed} {marker}")) == [document["id"]], typed
    for typed in ("heloise", "héloise", "Heloïse", "Heloise"):
        assert ids(await search(clinic, doctor, f"{typed} {surname}")) == [str(heloise.id)], typed
    # A correction finds only what the caller may see.
    other = await clinic.member("patient")
    assert (await search(clinic, other, f"fievre {marker}"))["hits"] == []
    assert (await search(clinic, other, f"heloise {surname}"))["hits"] == []


async def test_decomposed_and_precomposed_accents_find_the_same_entries(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    # NFD ("e" then a combining grave accent) is what macOS keyboards and some browsers send.
    patient, doctor = await clinic.member("patient"), await clinic.member("doctor")
    text = "{}: fièvre persistante, échographie normale."
    written = {}
    for form in ("NFC", "NFD"):
        marker = word()
        note = unicodedata.normalize(form, text.format(marker))
        written[marker] = (await text_document(clinic, doctor, patient, note, "Note"))["id"]
    surname = word()
    heloise = await register(clinic, unicodedata.normalize("NFD", "Héloïse"), surname)
    await wait_for_entry(raw_pool, "patient", heloise.id)

    for form in ("NFC", "NFD"):
        for typed in ("fièvre", "fièvres", "échografie", "Échographie normale"):
            query = unicodedata.normalize(form, typed)
            for marker, document in written.items():
                found = ids(await search(clinic, doctor, f"{query} {marker}"))
                assert found == [document], (form, typed, marker)
        query = unicodedata.normalize(form, f"héloïse {surname}")
        assert ids(await search(clinic, doctor, query)) == [str(heloise.id)], form
        completed = await suggestions(clinic, doctor, unicodedata.normalize(form, "fièv"))
        assert "fièvre" in completed, form


async def test_abbreviations_and_lay_words_find_the_clinical_term(clinic: Clinic) -> None:
    marker, patient, doctor = word(), await clinic.member("patient"), await clinic.member("doctor")
    hba1c = await text_document(clinic, doctor, patient, f"{marker} HbA1c 7.2 %", "HbA1c")
    glucose = await text_document(
        clinic, doctor, patient, f"{marker} fasting glucose 6.1 mmol/L", "Glucose"
    )
    infarct = await text_document(
        clinic, doctor, patient, f"{marker} old myocardial infarction", "History"
    )

    assert ids(await search(clinic, doctor, f"a1c {marker}")) == [hba1c["id"]]
    assert ids(await search(clinic, doctor, f"{marker} blood sugar")) == [glucose["id"]]
    assert ids(await search(clinic, doctor, f"{marker} MI")) == [infarct["id"]]
    assert ids(await search(clinic, doctor, f"{marker} heart attack")) == [infarct["id"]]
    assert ids(await search(clinic, doctor, f"{marker} glycated haemoglobin")) == [hba1c["id"]]


async def test_each_entry_counts_once_whichever_synonyms_it_holds(clinic: Clinic) -> None:
    marker, patient, doctor = word(), await clinic.member("patient"), await clinic.member("doctor")
    texts = ("hypertension", "HTN on ramipril", "high blood pressure", "hypertension (HTN)")
    found = {
        (await text_document(clinic, doctor, patient, f"{marker} {text}", "Note"))["id"]
        for text in texts
    }
    for typed in ("hypertension", "htn", "high blood pressure"):
        page = await search(clinic, doctor, f"{marker} {typed}", facets="kind")
        assert sorted(ids(page)) == sorted(found), typed
        assert page["total"] == 4 and page["facets"]["kind"] == {"document": 4}, typed


async def test_an_abbreviation_the_lexicon_adds_matches_whole_words_only(clinic: Clinic) -> None:
    marker, patient, doctor = word(), await clinic.member("patient"), await clinic.member("doctor")
    infarct = await text_document(
        clinic, doctor, patient, f"{marker} acute myocardial infarction", "Infarct"
    )
    await text_document(
        clinic, doctor, patient, f"{marker} occlusion of the middle cerebral artery", "Stroke"
    )
    mi = await text_document(clinic, doctor, patient, f"{marker} old MI on ECG", "History")

    # "mi", added as a synonym of "heart attack", is a word: it never finds "middle".
    found = ids(await search(clinic, doctor, f"{marker} heart attack"))
    assert sorted(found) == sorted([infarct["id"], mi["id"]])
    # What the caller typed stays a prefix, as everywhere else.
    assert sorted(ids(await search(clinic, doctor, f"{marker} mi"))) == sorted(
        [infarct["id"], mi["id"], *ids(await search(clinic, doctor, f"{marker} middle"))]
    )


async def test_suggestions_complete_from_what_the_caller_may_see(clinic: Clinic) -> None:
    marker = word()
    patient, other = await clinic.member("patient"), await clinic.member("patient")
    doctor, desk = await clinic.member("doctor"), await clinic.member("receptionist")
    await text_document(clinic, doctor, patient, f"Prescribed {marker}ine daily.", "Note")
    completed = f"{marker}ine"

    for reader in (doctor, patient):
        assert completed in await suggestions(clinic, reader, marker[:6]), reader.roles
    for outsider in (other, desk):
        assert completed not in await suggestions(clinic, outsider, marker[:6]), outsider.roles
    assert f"take {completed}" in await suggestions(clinic, doctor, f"take {marker[:6]}")
    assert "glycated haemoglobin" in await suggestions(clinic, other, "glycated")
    empty = await clinic.client.get(SUGGEST, params={"q": " "}, headers=doctor.headers)
    assert empty.status_code == 422, empty.text


def test_a_clinic_lexicon_file_replaces_the_bundled_one(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.txt"
    path.write_text("# ours\nbp, blood pressure\nRR, Riva-Rocci\n", "utf-8")
    lexicon = Lexicon.load(str(path))
    assert lexicon.expand("RR left arm") == ("left arm", [("rr", "riva-rocci")])
    assert lexicon.expand("a1c") == ("a1c", [])
    assert Lexicon.load().expand("a1c")[1][0][:2] == ("a1c", "hba1c")


async def test_a_prefix_finds_every_word_it_starts_whatever_its_letters(clinic: Clinic) -> None:
    # A typed prefix is looked up as the few indexed words it starts: each kind of word counts.
    marker, patient, doctor = word(), await clinic.member("patient"), await clinic.member("doctor")
    stem, common = word()[:5], word()[:5]
    texts = {
        "letters": f"{marker} {stem}ar reading",
        "digits": f"{marker} {stem}1c of 7.2 %",
        "address": f"{marker} wrote from {stem}@example.org",
        "short": f"{marker} {stem} noted",
    }
    found = [
        (await text_document(clinic, doctor, patient, text, "Note"))["id"]
        for text in texts.values()
    ]
    # More words than are looked up one by one: the prefix stays a prefix.
    many = [
        (await text_document(clinic, doctor, patient, f"{marker} {common}q{n}", "Note"))["id"]
        for n in "abcdefghi"
    ]

    assert sorted(ids(await search(clinic, doctor, f"{stem[:3]} {marker}"))) == sorted(found)
    assert ids(await search(clinic, doctor, f"{marker} {stem}1")) == [found[1]]
    assert sorted(ids(await search(clinic, doctor, f"{common} {marker}"))) == sorted(many)


def near_miss(typed: str) -> str:
    """`typed` with its last letter changed: one edit away."""
    return typed[:-1] + ("q" if typed[-1] != "q" else "x")


async def others_words(clinic: Clinic, other: Member, held: str, deleted: str) -> None:
    """A letter to `other` holding `held`, and a draft that held `deleted`, deleted since."""
    doctor, admin = await clinic.member("doctor"), await clinic.member("admin")
    await text_document(clinic, doctor, other, f"Seen by {held}.", "Letter")
    gone = await text_document(clinic, doctor, other, f"Seen by {deleted}.", "Draft")
    removed = await clinic.client.delete(f"/api/v1/documents/{gone['id']}", headers=admin.headers)
    assert removed.status_code == 204, removed.text
    pool = clinic.context.db.shared_pool
    none_left = "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM search_entry WHERE ref_id = $1)"
    await clinic.in_app(wait_for_row, pool, none_left, uuid.UUID(gone["id"]))


async def test_a_patients_correction_never_depends_on_other_patients_words(
    clinic: Clinic,
) -> None:
    # A patient plants a near miss of a word in their own record, then searches the word: were
    # it corrected only when nobody's record held it, hit or miss would tell whether one does.
    alice, bob = await clinic.member("patient"), await clinic.member("patient")
    doctor = await clinic.member("doctor")
    secret, deleted = word(), word()
    diary = f"Met {near_miss(secret)} and {near_miss(deleted)} today."
    planted = await text_document(clinic, doctor, alice, diary, "Diary")
    assert ids(await search(clinic, alice, secret)) == [planted["id"]]

    await others_words(clinic, bob, secret, deleted)

    for typed in (secret, deleted):
        assert ids(await search(clinic, alice, typed)) == [planted["id"]], typed
    # Where the caller's own entries hold the word, it is not corrected away.
    assert ids(await search(clinic, doctor, secret)) != [planted["id"]]


async def test_a_receptionists_correction_never_depends_on_document_words(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    # Receptionists search no documents: a word only a document holds must not stop a correction.
    patient, doctor = await clinic.member("patient"), await clinic.member("doctor")
    desk = await clinic.member("receptionist")
    clinical, free = word(), word()
    reason = f"{near_miss(clinical)} {near_miss(free)}"
    appointment_id, _ = await booked(clinic, patient, reason, 11)
    await wait_for_entry(raw_pool, "appointment", appointment_id)
    await text_document(clinic, doctor, patient, f"Diagnosed {clinical}.", "Letter")

    for typed in (clinical, free):
        page = await search(clinic, desk, typed, kind="appointment")
        assert ids(page) == [appointment_id], typed


async def test_a_patients_scores_never_depend_on_other_patients_words(clinic: Clinic) -> None:
    # A prefix looks up the indexed words it starts; were a hit ranked against all of them, its
    # score would count the words of other patients' records (and of deleted ones) it starts.
    alice, bob = await clinic.member("patient"), await clinic.member("patient")
    doctor = await clinic.member("doctor")
    secret, deleted = word(), word()
    diary = f"Met {near_miss(secret)} and {near_miss(deleted)} today."
    await text_document(clinic, doctor, alice, diary, "Diary")

    async def scores() -> list[float]:
        pages = [await search(clinic, alice, typed[:-1]) for typed in (secret, deleted)]
        return [hit["score"] for page in pages for hit in page["hits"]]

    before = await scores()
    await others_words(clinic, bob, secret, deleted)

    assert len(before) == 2
    assert await scores() == before
