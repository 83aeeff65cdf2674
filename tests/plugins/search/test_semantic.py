"""Semantic and hybrid search through the API: vectors per chunk, permissions, pages, modes."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from hduce.core.config import Settings
from hduce.plugins.search.services._entries import Entry
from hduce.plugins.search.services.embedding.local import LocalEmbedder
from tests.plugins.search.helpers import (
    API,
    embedding_clinic,
    index,
    plugin,
    search,
    search_settings,
    word,
)
from tests.plugins.users.clinic import Clinic

FILLER = " ".join(f"routine{i}" for i in range(400))


@pytest.fixture(scope="module")
async def clinic(settings: Settings, local_embedder: LocalEmbedder) -> AsyncIterator[Clinic]:
    """Search with the local embedder, sharing the session's embedding process."""
    async with embedding_clinic(search_settings(settings, embedder="local"), local_embedder) as c:
        yield c


async def test_semantic_finds_meaning_without_shared_words_and_names_the_page(
    clinic: Clinic,
) -> None:
    patient, doctor = await clinic.member("patient"), await clinic.member("doctor")
    tag = word()
    body = f"{FILLER}\f{tag} Acute myocardial infarction, troponin raised, stent placed."
    ref = await index(clinic, patient.id, f"Discharge {tag}", body, page_count=2)

    found = await search(
        clinic, doctor, "heart attack", mode="semantic", patient_id=str(patient.id)
    )
    best = found["hits"][0]
    assert best["id"] == str(ref)
    assert best["page"] == 2 and best["chunk"] >= 2
    assert "myocardial infarction" in best["snippet"]


async def test_a_patient_finds_only_their_own_entries_in_every_mode(clinic: Clinic) -> None:
    me, other = await clinic.member("patient"), await clinic.member("patient")
    tag = word()
    text = f"{tag} type 2 diabetes, metformin 500 mg twice daily"
    mine = await index(clinic, me.id, f"Note {tag}", text)
    await index(clinic, other.id, f"Note {tag}", text)

    for mode in ("keyword", "semantic", "hybrid"):
        page = await search(clinic, me, f"{tag} sugar pills", mode=mode)
        ids = {hit["id"] for hit in page["hits"]}
        assert ids <= {str(mine)} and (mode == "keyword" or ids == {str(mine)}), mode


async def test_doctors_and_nurses_find_only_their_own_appointments_in_every_mode(
    clinic: Clinic,
) -> None:
    patient, mine = await clinic.member("patient"), await clinic.member("doctor")
    stranger, nurse = await clinic.member("doctor"), await clinic.member("nurse")
    tag = word()
    text = f"{tag} private: recurrent genital herpes outbreak"
    appointment = Entry(
        kind="appointment",
        ref_id=uuid.uuid4(),
        patient_id=patient.id,
        practitioner_id=mine.id,
        title=f"Consultation {tag}",
        body=text,
        updated_at=datetime.now(UTC),
    )
    await clinic.in_app(plugin(clinic).backend.upsert, [appointment])

    for mode in ("keyword", "semantic", "hybrid"):
        for kind in (None, "appointment"):
            asked = {"mode": mode, "facets": "kind", **({"kind": kind} if kind else {})}
            for caller in (stranger, nurse):
                page = await search(clinic, caller, f"{tag} herpes", **asked)
                assert str(appointment.ref_id) not in {h["id"] for h in page["hits"]}, mode
                assert "appointment" not in page["facets"]["kind"], mode
            page = await search(clinic, mine, f"{tag} herpes", **asked)
            assert str(appointment.ref_id) in {h["id"] for h in page["hits"]}, (mode, kind)


async def test_hybrid_is_the_default_and_fuses_both_rankings(clinic: Clinic) -> None:
    patient, doctor = await clinic.member("patient"), await clinic.member("doctor")
    tag = word()
    exact = await index(clinic, patient.id, f"Letter {tag}", f"{tag} epistaxis treated")
    near = await index(clinic, patient.id, "Letter", "recurrent nosebleeds in winter")
    page = await search(clinic, doctor, f"{tag} nosebleed", patient_id=str(patient.id))
    ids = [hit["id"] for hit in page["hits"]]
    assert ids[:2] == [str(exact), str(near)] or set(ids[:2]) == {str(exact), str(near)}
    assert page["hits"][0]["score"] > 0


async def test_changed_text_re_embeds_only_the_changed_chunks(clinic: Clinic) -> None:
    patient = await clinic.member("patient")
    store = plugin(clinic).backend.chunks
    assert store is not None
    ref, now = uuid.uuid4(), datetime.now(UTC)
    body = " ".join(f"word{i}" for i in range(400))
    first = Entry(
        kind="patient", ref_id=ref, patient_id=patient.id, title="T", body=body, updated_at=now
    )
    await clinic.in_app(plugin(clinic).backend.upsert, [first])
    rows = await clinic.fetch(
        "SELECT c.seq FROM search_chunk c JOIN search_entry e ON e.id = c.entry_id "
        "WHERE e.ref_id = $1 ORDER BY c.seq",
        ref,
    )
    assert [r["seq"] for r in rows] == [0, 1, 2]
    shorter = Entry(
        kind="patient",
        ref_id=ref,
        patient_id=patient.id,
        title="T",
        body=" ".join(body.split()[:100]),
        updated_at=now,
    )
    assert await clinic.in_app(store.write, [shorter]) == 1
    assert await clinic.in_app(store.write, [shorter]) == 0
    rows = await clinic.fetch(
        "SELECT count(*) AS n FROM search_chunk c JOIN search_entry e ON e.id = c.entry_id "
        "WHERE e.ref_id = $1",
        ref,
    )
    assert rows[0]["n"] == 1


@pytest.mark.parametrize(("mode", "message"), [("fuzzy", "mode: one of keyword, semantic, hybrid")])
async def test_an_unknown_mode_is_a_clear_problem(clinic: Clinic, mode: str, message: str) -> None:
    doctor = await clinic.member("doctor")
    response = await clinic.client.get(
        API, params={"q": "knee", "mode": mode}, headers=doctor.headers
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert message in response.text


async def test_facets_count_the_hits_of_semantic_and_hybrid_searches(clinic: Clinic) -> None:
    patient, doctor = await clinic.member("patient"), await clinic.member("doctor")
    tag = word()
    exact = await index(clinic, patient.id, f"Letter {tag}", f"{tag} epistaxis treated")
    near = await index(clinic, patient.id, "Letter", "recurrent nosebleeds in winter")
    for mode in ("semantic", "hybrid"):
        page = await search(
            clinic,
            doctor,
            f"{tag} nosebleed",
            mode=mode,
            patient_id=str(patient.id),
            facets="kind,patient",
        )
        found = {hit["id"] for hit in page["hits"]}
        assert {str(exact), str(near)} <= found, mode
        assert page["total"] == len(found), mode
        assert page["facets"]["patient"] == {str(patient.id): len(found)}, mode
        assert sum(page["facets"]["kind"].values()) == len(found), mode

    # A patient's counts cover only what they may see, in every mode.
    mine = await search(clinic, patient, "nosebleed", mode="semantic", facets="patient")
    assert mine["facets"]["patient"] == {str(patient.id): mine["total"]}
    assert mine["total"] == len(mine["hits"]) >= 2


async def test_hybrid_highlights_what_the_words_found_and_shows_the_chunk_of_the_rest(
    clinic: Clinic,
) -> None:
    patient, doctor = await clinic.member("patient"), await clinic.member("doctor")
    tag = word()
    exact = await index(clinic, patient.id, f"Letter {tag}", f"{tag} epistaxis treated")
    near = await index(clinic, patient.id, "Letter", "recurrent nosebleeds in winter")
    hits = {}
    for offset in (0, 1):  # one hit a page: the snippets of a later page too
        page = await search(
            clinic,
            doctor,
            f"{tag} epistaxis",
            mode="hybrid",
            patient_id=str(patient.id),
            limit=1,
            offset=offset,
        )
        hits.update({hit["id"]: hit for hit in page["hits"]})
    assert f"<mark>{tag}</mark> <mark>epistaxis</mark> treated" in hits[str(exact)]["snippet"]
    assert hits[str(near)]["snippet"] == "recurrent nosebleeds in winter"


async def test_hybrid_highlights_the_synonym_its_words_found(clinic: Clinic) -> None:
    patient, doctor = await clinic.member("patient"), await clinic.member("doctor")
    tag = word()
    body = f"{tag} essential hypertension, amlodipine started"
    note = await index(clinic, patient.id, f"Review {tag}", body)
    page = await search(clinic, doctor, f"{tag} htn", mode="hybrid", patient_id=str(patient.id))
    assert page["hits"][0]["id"] == str(note)
    assert "<mark>hypertension</mark>" in page["hits"][0]["snippet"]
