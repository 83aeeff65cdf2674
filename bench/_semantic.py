"""Semantic side of bench/search.py: relevance per mode, embedding speed, model RSS, latency."""

import random
import struct
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
import numpy as np
import psutil

from _common import REPO_ROOT, percentile, print_table
from hduce.core.db import Database
from hduce.core.migrations import apply_migrations
from hduce.core.security import Principal
from hduce.piccolo_conf import DB
from hduce.plugins.search.services._access import Scope
from hduce.plugins.search.services._chunking import chunks
from hduce.plugins.search.services._entries import Entry
from hduce.plugins.search.services.backends.base import SearchQuery
from hduce.plugins.search.services.embedding.local import LocalEmbedder
from hduce.plugins.search.store import vector_text

sys.path.insert(0, str(REPO_ROOT))
from tests.plugins.search.relevance_metrics import evaluate, relevance_backend
from tests.plugins.search.relevance_set import KIND, TOPICS, corpus, queries

MODES = ("keyword", "semantic", "hybrid")
COPY = ["id", "kind", "ref_id", "patient_id", "title", "body", "extra", "updated_at", "indexed_at"]


def generated_chunks(count: int, rng: random.Random) -> list[str]:
    """Chunk-sized notes (~180 words) drawn from the relevance set's clinical sentences."""
    sentences = [s for clinical, _ in TOPICS.values() for s in clinical]
    return [" ".join(rng.choices(sentences, k=14)) for _ in range(count)]


async def fill_vectors(embedder: LocalEmbedder, total: int, rng: random.Random) -> None:
    """`total` entries of one chunk each: real vectors of 500 notes, jittered and renormalised."""
    texts = generated_chunks(500, rng)
    base = np.array(await embedder.embed(texts), dtype=np.float32)
    gen = np.random.default_rng(3)
    for start in range(0, total, 5_000):
        n = min(5_000, total - start)
        picks = gen.integers(0, len(base), n)
        vectors = base[picks] + gen.normal(0, 0.05, (n, base.shape[1])).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        ids = [uuid.uuid4() for _ in range(n)]
        owner = uuid.uuid4()
        now = time.time()
        entries = [
            (
                i,
                "document",
                uuid.uuid4(),
                owner if k % 1000 == 0 else uuid.uuid4(),
                f"Note {k}",
                texts[picks[k]],
                "{}",
                _ts(now),
                _ts(now),
            )
            for k, i in enumerate(ids)
        ]
        await DB.shared_pool.copy_records_to_table("search_entry", records=entries, columns=COPY)
        chunks = [
            (i, "document", 0, None, texts[picks[k]], embedder.name, vector_text(vectors[k]))
            for k, i in enumerate(ids)
        ]
        await DB.shared_pool.executemany(
            "INSERT INTO search_chunk (entry_id, kind, seq, page, text, model, embedding) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7::vector)",
            chunks,
        )


def _ts(seconds: float) -> object:
    return datetime.fromtimestamp(seconds, UTC)


async def semantic_bench(vectors: int, queries_per_mode: int) -> None:
    """Relevance, throughput, RSS and top-20 latency; prints tables."""
    rng = random.Random(15)
    embedder = LocalEmbedder(str(REPO_ROOT / "var"))
    began = time.perf_counter()
    await embedder.start()
    cold = time.perf_counter() - began
    child = embedding_process()
    try:
        await apply_migrations(quiet=True)
        backend = relevance_backend(Database(DB), embedder)
        documents = corpus()
        await backend.upsert([entry for _, entry in documents])
        topics = {entry.ref_id: topic for topic, entry in documents}
        asked = queries()
        scores = [(m, await evaluate(backend, embedder, m, asked, topics)) for m in MODES]
        texts = generated_chunks(1_000, rng)
        started = time.perf_counter()
        await embedder.embed(texts)
        throughput = len(texts) / (time.perf_counter() - started)
        rss = child.memory_info().rss / 2**20
        await fill_vectors(embedder, vectors, rng)
        await DB.shared_pool.execute("ANALYZE search_entry; ANALYZE search_chunk")
        lay = [q for q, _ in asked]
        staff = Scope(uuid.uuid4(), ("document", KIND), ())
        owner = await DB.shared_pool.fetchval(
            "SELECT patient_id FROM search_entry WHERE kind = 'document' "
            "GROUP BY patient_id ORDER BY count(*) DESC LIMIT 1"
        )
        patient = Scope(owner, (), ("document",))
        rows = []
        for label, scope in (("doctor", staff), ("patient (own notes)", patient)):
            for mode in ("semantic", "hybrid"):
                ms = []
                for n in range(queries_per_mode):
                    text = lay[n % len(lay)]
                    began = time.perf_counter()
                    [vector] = await embedder.embed([text])
                    query = SearchQuery(text, 20, 0, mode=mode, vector=tuple(vector))
                    await backend.search(query, scope)
                    ms.append((time.perf_counter() - began) * 1000)
                rows.append([f"{label}, {mode}", len(ms), *(percentile(ms, q) for q in (50, 95))])
    finally:
        await embedder.aclose()
    print(f"\nrelevance set: {len(documents)} notes, {len(asked)} queries")
    print_table(["mode", "MRR", "nDCG@10"], [[m, s.mrr, s.ndcg10] for m, s in scores])
    print(
        f"embedding process: cold start + model load {cold:.2f} s, RSS {rss:.0f} MB; "
        f"{throughput:.0f} chunks/s (180-word chunks, 1 thread)"
    )
    print(f"{vectors} extra one-chunk entries (HNSW); top-20 incl. embedding the query:")
    print_table(["search (ms)", "n", "p50", "p95"], rows)


# --- 100,000 documents: every chunk with a cheap vector, then the real query path -----------

HNSW = (
    "CREATE INDEX search_chunk_document ON search_chunk "
    "USING hnsw (embedding vector_cosine_ops) WHERE kind = 'document'"
)
CHUNK_COLUMNS = ["entry_id", "kind", "seq", "page", "text", "model", "embedding"]
SAMPLE = 256
"""Real chunk embeddings the cheap vectors are drawn from (and the model's throughput sample)."""


def _vector_bytes(vector: np.ndarray) -> bytes:
    """Pgvector's binary form: dimensions, a zero, then big-endian float4s."""
    return struct.pack(">HH", len(vector), 0) + vector.astype(">f4").tobytes()


def _entry(row: Any) -> Entry:
    return Entry(
        kind="document",
        ref_id=row["ref_id"],
        patient_id=row["patient_id"],
        title=row["title"],
        body=row["body"],
        updated_at=datetime.now(UTC),
    )


class Written(msgspec.Struct):
    """What `write_chunk_vectors` did."""

    chunks: int
    copy_seconds: float
    index_seconds: float
    chunks_per_second: float
    """The real model over the first `SAMPLE` chunks."""


async def write_chunk_vectors(embedder: LocalEmbedder) -> Written:
    """Every unembedded document entry's chunks (the indexer's chunking), with cheap vectors.

    Computing 100,000 documents' chunks with the model takes hours here: each vector is one of
    `SAMPLE` real chunk embeddings, picked by a seeded generator, jittered and renormalised
    (deterministic, not the chunk's meaning). The HNSW index is dropped, the rows copied in
    binary, and the index built again, as a bulk load would.
    """
    gen = np.random.default_rng(11)
    base, after, written, rate = None, uuid.UUID(int=0), 0, 0.0
    async with DB.shared_pool.acquire() as conn:
        await conn.set_type_codec(
            "vector", schema="public", encoder=_vector_bytes, decoder=bytes, format="binary"
        )
        await conn.execute("DROP INDEX search_chunk_document")
        began = time.perf_counter()
        while rows := await conn.fetch(
            "SELECT id, ref_id, patient_id, title, body FROM search_entry e "
            "WHERE kind = 'document' AND id > $1 "
            "AND NOT EXISTS (SELECT FROM search_chunk c WHERE c.entry_id = e.id) "
            "ORDER BY id LIMIT 2000",
            after,
        ):
            after = rows[-1]["id"]
            cut = [(row["id"], chunk) for row in rows for chunk in chunks(_entry(row))]
            if base is None:
                sample = [chunk.text for _, chunk in cut[:SAMPLE]]
                started = time.perf_counter()
                base = np.array(await embedder.embed(sample), dtype=np.float32)
                rate = len(sample) / (time.perf_counter() - started)
                began += time.perf_counter() - started
            picks = gen.integers(0, len(base), len(cut))
            vectors = base[picks] + gen.normal(0, 0.05, (len(cut), base.shape[1]))
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            records = [
                (entry_id, "document", chunk.seq, chunk.page, chunk.text, embedder.name, vectors[k])
                for k, (entry_id, chunk) in enumerate(cut)
            ]
            await conn.copy_records_to_table(
                "search_chunk", records=records, columns=CHUNK_COLUMNS, timeout=600
            )
            written += len(records)
        copied = time.perf_counter() - began
        began = time.perf_counter()
        await conn.execute("SET maintenance_work_mem = '2GB'")
        await conn.execute(HNSW, timeout=3600)
        built = time.perf_counter() - began
        await conn.execute("ANALYZE search_chunk")
        # The connection goes back to the pool: the app sends vectors as text.
        await conn.reset_type_codec("vector", schema="public")
    return Written(written, copied, built, rate)


async def service_latency(
    service: Any, callers: list[tuple[str, Principal]], embedder: LocalEmbedder, count: int
) -> list[list[object]]:
    """Top-20 semantic and hybrid searches through the search service (query embedded by the
    local model, scope, audit row), and the query embedding alone; rows of (label, n, p50, p95).

    The model is loaded first, as the web app does when it starts. The first row is the doctor's
    first search of each lay query after PostgreSQL started (the vector index's pages not yet in
    its buffers); the others time searches once that first pass is done.
    """
    await embedder.start()
    lay = [q for q, _ in queries()]
    named, doctor = callers[0]
    runs = [(f"{named}, semantic, first search of each", doctor, "semantic", lay, len(lay))]
    runs += [
        (f"{label}, {mode}, lay queries", principal, mode, lay, count)
        for label, principal in callers
        for mode in ("semantic", "hybrid")
    ]
    runs.append((f"{named}, hybrid, `hypertension`", doctor, "hybrid", ["hypertension"], count))
    rows: list[list[object]] = []
    for label, principal, mode, texts, searches in runs:
        ms = []
        for n in range(searches):
            text = texts[n % len(texts)]
            began = time.perf_counter()
            await service(principal, q=text, kinds=None, limit=20, offset=0, mode=mode)
            ms.append((time.perf_counter() - began) * 1000)
        rows.append([label, len(ms), percentile(ms, 50), percentile(ms, 95)])
    ms = []
    for n in range(count):
        began = time.perf_counter()
        await embedder.embed([lay[n % len(lay)]])
        ms.append((time.perf_counter() - began) * 1000)
    rows.append(
        ["embedding the query alone (local model)", len(ms), *(percentile(ms, q) for q in (50, 95))]
    )
    return rows


# Exact (brute-force) nearest entries: every chunk's distance, no index, best chunk per entry.
EXACT_NEAREST = """
SELECT e.ref_id, n.distance FROM (
    SELECT c.entry_id, min(c.embedding <=> $1::vector) AS distance
    FROM search_chunk c GROUP BY c.entry_id
) AS n JOIN search_entry e ON e.id = n.entry_id
ORDER BY n.distance, e.updated_at DESC LIMIT $2
"""


async def recall(
    service: Any, doctor: Principal, embedder: LocalEmbedder, count: int, top: int = 20
) -> list[object]:
    """Recall@`top` of the doctor's semantic page (the HNSW path) against the exact nearest
    entries over every chunk, mean over `count` lay queries: a row (label, n, recall, worst,
    how much farther the page's mean cosine distance is than the exact one's, in %).

    A doctor's scope is every kind, so the exact ranking needs no filter.
    """
    lay = [q for q, _ in queries()]
    found, farther = [], []
    for n in range(min(count, len(lay))):
        text = lay[n]
        page = await service(doctor, q=text, kinds=None, limit=top, offset=0, mode="semantic")
        [vector] = await embedder.embed([text])
        exact = await DB.shared_pool.fetch(EXACT_NEAREST, vector_text(vector), top, timeout=600)
        wanted = {row["ref_id"] for row in exact}
        found.append(len(wanted & {uuid.UUID(str(hit.id)) for hit in page.hits}) / top)
        near = sum(1 - hit.score for hit in page.hits) / len(page.hits)
        farther.append(near / (sum(row["distance"] for row in exact) / len(exact)) - 1)
    label = f"doctor, semantic recall@{top} against the exact nearest entries"
    return [label, len(found), sum(found) / len(found), min(found), 100 * max(farther)]


def embedding_process() -> psutil.Process:
    """The local embedder's process (the one the multiprocessing pool spawned)."""
    (child,) = [p for p in psutil.Process().children() if "spawn_main" in " ".join(p.cmdline())]
    return child
