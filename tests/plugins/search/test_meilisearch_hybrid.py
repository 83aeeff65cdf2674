"""The Meilisearch backend's semantic and hybrid search: user-provided vectors, against the fake."""

from collections.abc import AsyncIterator
from typing import Any

import pytest

from hduce.core.config import Settings
from hduce.plugins.search.services.backends.meilisearch import MeilisearchTaskFailed
from hduce.plugins.search.services.embedding.local import LocalEmbedder
from tests.plugins.search.fake_meilisearch import FakeMeilisearch
from tests.plugins.search.helpers import (
    MEILI_KEY,
    embedding_clinic,
    index,
    search,
    search_settings,
    word,
)
from tests.plugins.users.clinic import Clinic


@pytest.fixture(scope="module")
async def clinic(
    settings: Settings, meili: FakeMeilisearch, local_embedder: LocalEmbedder
) -> AsyncIterator[Clinic]:
    """Search on Meilisearch with the local embedder (the session's embedding process)."""
    configured = search_settings(
        settings, meilisearch_url=meili.url, meilisearch_api_key=MEILI_KEY, embedder="local"
    )
    async with embedding_clinic(configured, local_embedder) as running:
        yield running


def last_search(meili: FakeMeilisearch) -> dict[str, Any]:
    """The body of the last search request the fake received."""
    return next(body for _, path, body in reversed(meili.requests) if path.endswith("/search"))


async def test_entries_carry_chunk_vectors_and_searches_send_the_query_vector(
    clinic: Clinic, meili: FakeMeilisearch, local_embedder: LocalEmbedder
) -> None:
    patient, doctor = await clinic.member("patient"), await clinic.member("doctor")
    tag = word()
    body = f"{tag} Acute myocardial infarction, troponin raised, stent placed."
    infarct = await index(clinic, patient.id, f"Discharge {tag}", body)
    fracture = await index(clinic, patient.id, f"Clinic {tag}", f"{tag} wrist fracture, cast.")

    settings = [b for _, path, b in meili.requests if path.endswith("/settings")]
    assert settings[-1]["embedders"]["default"]["source"] == "userProvided"
    assert settings[-1]["embedders"]["default"]["dimensions"] == 384
    [vector] = meili.documents[f"patient-{infarct}"]["_vectors"]["default"]
    assert len(vector) == 384

    semantic = await search(clinic, doctor, "heart attack", mode="semantic")
    assert semantic["hits"][0]["id"] == str(infarct), "found by meaning alone"
    sent = last_search(meili)
    assert sent["hybrid"] == {"semanticRatio": 1.0, "embedder": "default"}
    [expected] = await local_embedder.embed(["heart attack"])
    assert sent["vector"] == pytest.approx(expected, abs=1e-6)
    assert sent["filter"].startswith("kind IN ['patient'] OR (")

    # The fake's keyword half needs every word: the infarct note has them all, the fracture
    # note none but the tag, so only meaning brings it (the order of meaning alone, with a
    # random tag in the query, is not this test's to fix).
    hybrid = await search(clinic, doctor, f"{tag} myocardial infarction", mode="hybrid")
    ids = [hit["id"] for hit in hybrid["hits"]]
    assert ids[0] == str(infarct), "found by the words and by meaning"
    assert str(fracture) in ids[1:], "found by meaning alone, ranked below"
    assert last_search(meili)["hybrid"] == {"semanticRatio": 0.5, "embedder": "default"}

    keyword = await search(clinic, doctor, tag, mode="keyword")
    assert {hit["id"] for hit in keyword["hits"]} == {str(infarct), str(fracture)}
    assert last_search(meili).get("vector") is None and last_search(meili).get("hybrid") is None

    # A patient's vector search keeps their filter: only their own entries.
    other = await clinic.member("patient")
    theirs = await search(clinic, other, "heart attack", mode="semantic")
    assert str(infarct) not in {hit["id"] for hit in theirs["hits"]}
    assert last_search(meili)["filter"].startswith(f"((patient_id = '{other.id}'")


async def test_a_failed_vector_task_raises(clinic: Clinic, meili: FakeMeilisearch) -> None:
    patient = await clinic.member("patient")
    await index(clinic, patient.id, "Note", "first note")  # the index and its settings exist
    meili.embedders["default"] = 768  # the index was built for another model
    try:
        with pytest.raises(MeilisearchTaskFailed, match="invalid_vector_dimensions"):
            await index(clinic, patient.id, "Note", "second note")
    finally:
        meili.embedders["default"] = 384
