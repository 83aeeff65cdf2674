"""Ranking of keyword hits: words found together and in the title come first."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from hduce.plugins.search.services._entries import Entry
from tests.plugins.search.helpers import plugin, search, word
from tests.plugins.users.clinic import Clinic

FILLER = " ".join(f"routine{i}" for i in range(300))


async def index_notes(clinic: Clinic, *notes: tuple[str, str]) -> list[uuid.UUID]:
    """Index (title, body) notes of one patient, each newer than the one before."""
    patient, now = await clinic.member("patient"), datetime.now(UTC)
    entries = [
        Entry(
            kind="patient",
            ref_id=uuid.uuid4(),
            patient_id=patient.id,
            title=title,
            body=body,
            updated_at=now + timedelta(seconds=n),
        )
        for n, (title, body) in enumerate(notes)
    ]
    await clinic.in_app(plugin(clinic).backend.upsert, entries)
    return [entry.ref_id for entry in entries]


async def test_words_found_side_by_side_rank_above_words_far_apart(clinic: Clinic) -> None:
    first, second = word(), word()
    together, apart = await index_notes(
        clinic,
        ("Note", f"{first} {second} since Monday. {FILLER}"),
        # Newer, so it would come first if only the counts of the words were ranked.
        ("Note", f"{first} since Monday. {FILLER} {second}"),
    )
    doctor = await clinic.member("doctor")

    hits = (await search(clinic, doctor, f"{first} {second}"))["hits"]
    assert [hit["id"] for hit in hits] == [str(together), str(apart)]
    assert hits[0]["score"] > hits[1]["score"]


async def test_a_word_in_the_title_ranks_above_the_same_word_in_the_text(clinic: Clinic) -> None:
    term = word()
    titled, mentioned = await index_notes(
        clinic,
        (f"{term.capitalize()} review", f"Seen today. {FILLER}"),
        ("Note", f"{term} {FILLER}"),
    )
    doctor = await clinic.member("doctor")

    hits = (await search(clinic, doctor, term))["hits"]
    assert [hit["id"] for hit in hits] == [str(titled), str(mentioned)]


@pytest.mark.parametrize("term", ["chest pain", "blood pressure", "atrial fibrillation"])
async def test_a_lexicon_term_found_side_by_side_ranks_above_its_words_far_apart(
    clinic: Clinic, term: str
) -> None:
    # The query is its synonyms too (`cp`, `bp`, `af`): their OR must not hide the positions.
    first, second = term.split()
    together, apart = await index_notes(
        clinic,
        ("Note", f"{first} {second} since Monday. {FILLER}"),
        ("Note", f"{second} since Monday. {FILLER} {first}"),
    )
    doctor = await clinic.member("doctor")

    hits = (await search(clinic, doctor, term, limit=50))["hits"]
    ours = [hit for hit in hits if hit["id"] in (str(together), str(apart))]
    assert [hit["id"] for hit in ours] == [str(together), str(apart)]
    assert ours[0]["score"] > ours[1]["score"]
