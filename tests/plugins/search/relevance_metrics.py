"""MRR and nDCG@10 of one search mode over the relevance set, through a real backend."""

import math
import uuid

import msgspec

from hduce.contracts.search import Embedder
from hduce.core.db import Database
from hduce.plugins.search.services import ChunkVectors, Lexicon, PostgresSearch, Speller
from hduce.plugins.search.services._access import Scope
from hduce.plugins.search.services.backends.base import SearchBackend, SearchQuery
from hduce.plugins.search.store import Stores
from tests.plugins.search.relevance_set import KIND

DEPTH = 20


class Scores(msgspec.Struct, frozen=True):
    """Mean reciprocal rank and mean nDCG@10 of a mode."""

    mrr: float
    ndcg10: float


def relevance_backend(db: Database, embedder: Embedder) -> PostgresSearch:
    """The PostgreSQL backend with the bundled lexicon, typo correction and chunk vectors."""
    stores = Stores.over(db)
    chunks = ChunkVectors(stores.chunks, embedder)
    return PostgresSearch(stores, None, Lexicon.load(""), Speller(stores.vocabulary), chunks)


def reciprocal_rank(found: list[bool]) -> float:
    """1 / rank of the first relevant hit (0 when none)."""
    return next((1.0 / rank for rank, hit in enumerate(found, start=1) if hit), 0.0)


def ndcg10(found: list[bool], relevant: int) -> float:
    """Binary-relevance nDCG over the first ten hits."""
    gain = sum(1.0 / math.log2(rank + 1) for rank, hit in enumerate(found[:10], 1) if hit)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(relevant, 10) + 1))
    return gain / ideal if ideal else 0.0


async def evaluate(
    backend: SearchBackend,
    embedder: Embedder,
    mode: str,
    asked: list[tuple[str, str]],
    topics: dict[uuid.UUID, str],
) -> Scores:
    """Run every query in `mode` as a doctor would see the relevance entries; average the scores."""
    scope = Scope(uuid.uuid4(), (KIND,), ())
    vectors = await embedder.embed([q for q, _ in asked]) if mode != "keyword" else []
    counts: dict[str, int] = {}
    for topic in topics.values():
        counts[topic] = counts.get(topic, 0) + 1
    rr, nd = [], []
    for n, (text, topic) in enumerate(asked):
        vector = tuple(vectors[n]) if vectors else None
        query = SearchQuery(text, DEPTH, 0, mode=mode, vector=vector)
        hits, _ = await backend.search(query, scope)
        found = [topics.get(hit.id) == topic for hit in hits]
        rr.append(reciprocal_rank(found))
        nd.append(ndcg10(found, counts[topic]))
    return Scores(round(sum(rr) / len(rr), 3), round(sum(nd) / len(nd), 3))
