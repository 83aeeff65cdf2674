"""The relevance set: hybrid beats keyword-only and semantic-only search on MRR and nDCG@10.

Hybrid led semantic on MRR only once the lexicon's short abbreviations matched whole words
(before, `mi` prefix-matched `middle`, so "heart attack" ranked stroke notes first by keywords:
0.954 against 0.959; after, 0.971 against 0.959). bench/search.py prints all three.
"""

from collections.abc import AsyncIterator

import pytest

from hduce.core.db import Database, HduceEngine
from hduce.plugins.search.services.backends import PostgresSearch
from hduce.plugins.search.services.embedding.local import LocalEmbedder
from tests.plugins.search.relevance_metrics import Scores, evaluate, relevance_backend
from tests.plugins.search.relevance_set import KIND, corpus, queries

CLEAR = "DELETE FROM search_entry WHERE kind = $1"


@pytest.fixture
async def indexed(
    engine: HduceEngine, local_embedder: LocalEmbedder
) -> AsyncIterator[tuple[PostgresSearch, dict]]:
    """The generated corpus indexed (entries and chunk vectors) with the bundled lexicon."""
    backend = relevance_backend(Database(engine), local_embedder)
    documents = corpus()
    await engine.fetch(CLEAR, KIND)
    await backend.upsert([entry for _, entry in documents])
    try:
        yield backend, {entry.ref_id: topic for topic, entry in documents}
    finally:
        await engine.fetch(CLEAR, KIND)


async def test_hybrid_beats_keyword_and_semantic(
    indexed: tuple[PostgresSearch, dict], local_embedder: LocalEmbedder
) -> None:
    backend, topics = indexed
    asked = queries()
    assert len(asked) >= 60
    scores: dict[str, Scores] = {
        mode: await evaluate(backend, local_embedder, mode, asked, topics)
        for mode in ("keyword", "semantic", "hybrid")
    }
    hybrid, keyword, semantic = scores["hybrid"], scores["keyword"], scores["semantic"]
    assert hybrid.mrr > keyword.mrr and hybrid.ndcg10 > keyword.ndcg10, scores
    assert hybrid.mrr > semantic.mrr and hybrid.ndcg10 > semantic.ndcg10, scores
