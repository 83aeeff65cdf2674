"""Search benchmark: reindex time and query latency over 10,000 patients and 20,000 appointments.

`--documents N` adds N generated clinical documents to the index (written straight into
`search_entry` after the rebuild, 1 in 100 of them 100,000 characters long) and times a
doctor's common-term queries (`patient`, `pain`, `hypertension`) over them. With
`--chunk-vectors` every one of their chunks gets a cheap deterministic vector (see
`_semantic.write_chunk_vectors`) and semantic/hybrid top-20 searches are timed through the
service with the real local model embedding each query.

`--embed-documents N` puts N generated documents in the documents plugin's table before the
rebuild, which then embeds every chunk with the real local model (throughput, rebuild time,
RSS of the embedding process).

Starts an embedded PostgreSQL and nats-server under a scratch dir in /tmp, migrates, bulk-inserts
patients, doctors and appointments with SQL, runs the full rebuild (`hduce search reindex`'s
code), then times searches through the search service (scope, query, audit row) as a doctor and
as a patient. PostgreSQL backend only: no Meilisearch runs here.
Run from the repository root: `.venv/bin/python bench/search.py [--patients 10000]`.
"""

import argparse
import dataclasses
import os
import random
import secrets
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import msgspec

from _common import REPO_ROOT, percentile, print_table, run_with_servers
from _semantic import (
    Written,
    embedding_process,
    recall,
    semantic_bench,
    service_latency,
    write_chunk_vectors,
)
from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.core.config import Settings, load_settings
from hduce.core.context import AppContext
from hduce.core.db import open_database
from hduce.core.migrations import apply_migrations
from hduce.core.security import Principal
from hduce.piccolo_conf import DB
from hduce.plugins.search import SearchPlugin
from hduce.plugins.search.services import MODES, ReindexReport, SearchService
from hduce.runtime.page_cache import memory_page_cache

FIRST = tuple(
    [
        "Alice",
        "Alina",
        "Amir",
        "Ana",
        "Anton",
        "Bea",
        "Bruno",
        "Carla",
        "Chen",
        "Dario",
        "Elena",
        "Emil",
        "Fatima",
        "Felix",
        "Greta",
        "Hana",
        "Hugo",
        "Ines",
        "Ivan",
        "Jana",
        "Jonas",
        "Karim",
        "Lea",
        "Luca",
        "Maria",
        "Marek",
        "Nadia",
        "Noah",
        "Olga",
        "Omar",
        "Paula",
        "Pavel",
        "Rosa",
        "Sami",
        "Sara",
        "Tomas",
        "Ursula",
        "Victor",
        "Wanda",
        "Yusuf",
        "Zoe",
    ]
)
LAST = tuple(
    [
        "Martin",
        "Bernard",
        "Dubois",
        "Thomas",
        "Robert",
        "Richard",
        "Petit",
        "Durand",
        "Leroy",
        "Moreau",
        "Simon",
        "Laurent",
        "Lefebvre",
        "Michel",
        "Garcia",
        "David",
        "Bertrand",
        "Roux",
        "Vincent",
        "Fournier",
        "Morel",
        "Girard",
        "Andre",
        "Mercier",
        "Dupont",
        "Lambert",
        "Bonnet",
        "Francois",
        "Martinez",
        "Legrand",
        "Garnier",
        "Faure",
        "Rousseau",
        "Blanc",
        "Guerin",
        "Muller",
        "Henry",
    ]
)
CITIES = ("Lyon", "Lille", "Nantes", "Rennes")
PASSWORD_HASH = "not-a-password-hash"
COMMON = ("patient", "pain", "hypertension")
VOCABULARY_FROM_DOCUMENTS = (
    "INSERT INTO search_vocabulary (word) SELECT word FROM ts_stat("
    "'SELECT document FROM search_entry WHERE kind = ''document''') "
    "WHERE word ~ '^[[:alpha:]]' ON CONFLICT DO NOTHING"
)


def parse_args() -> argparse.Namespace:
    """Size flags."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--appointments", type=int, default=20_000)
    parser.add_argument("--doctors", type=int, default=20)
    parser.add_argument("--documents", type=int, default=0, help="generated documents indexed")
    parser.add_argument("--queries", type=int, default=300, help="timed queries per caller")
    parser.add_argument(
        "--semantic", action="store_true", help="relevance, embedding and vector search only"
    )
    parser.add_argument("--vectors", type=int, default=10_000, help="--semantic: entries added")
    parser.add_argument(
        "--chunk-vectors", action="store_true", help="--documents: vectors, semantic latency"
    )
    parser.add_argument(
        "--embed-documents", type=int, default=0, help="documents the rebuild embeds (model)"
    )
    parser.add_argument(
        "--embedder-precision", choices=("fp32", "int8"), default="fp32", help="local model"
    )
    parser.add_argument("--embedder-threads", type=int, default=1, help="local model threads")
    parser.add_argument("--keep", action="store_true", help="keep the scratch dir (database)")
    parser.add_argument(
        "--reuse",
        type=Path,
        help="time searches on a scratch dir kept by --keep (no seeding, no rebuild)",
    )
    parser.add_argument(
        "--mode", choices=MODES, help="mode of the timed searches (default: the service's)"
    )
    return parser.parse_args()


def bench_settings(
    dsn: str, nats_url: str, *, embedder: bool = False, precision: str = "fp32", threads: int = 1
) -> Settings:
    """The test config with every built-in plugin (search on PostgreSQL).

    With `embedder`, search embeds with the local model (`precision`, `threads`), built once
    under `var/`.
    """
    environ = {
        "DATABASE_URL": dsn,
        "HDUCE_NATS__URL": nats_url,
        "JWT_SECRET": secrets.token_urlsafe(32),
    }
    settings = load_settings(config_file=str(REPO_ROOT / "config" / "test.toml"), environ=environ)
    if not embedder:
        return settings
    sections = dict(settings.plugins.sections)
    sections["search"] = {
        **sections.get("search", {}),
        "embedder": "local",
        "embedder_precision": precision,
        "embedder_threads": threads,
    }
    plugins = msgspec.structs.replace(settings.plugins, sections=sections)
    return msgspec.structs.replace(settings, plugins=plugins, data_dir=str(REPO_ROOT / "var"))


async def insert_people(roles: str, count: int) -> list[uuid.UUID]:
    """`count` verified accounts holding `roles`, each with a profile; returns their ids."""
    ids = [uuid.uuid4() for _ in range(count)]
    rng = random.Random(count)
    accounts = [(i, f"{i.hex[:12]}@bench.test", f"u_{i.hex[:16]}") for i in ids]
    await DB.shared_pool.executemany(
        "INSERT INTO account (id, email, username, password_hash, roles, status, "
        f"email_verified_at) VALUES ($1, $2, $3, '{PASSWORD_HASH}', '{{{roles}}}', 'active', "
        "now())",
        accounts,
    )
    profiles = [
        (
            uuid.uuid4(),
            i,
            rng.choice(FIRST),
            rng.choice(LAST),
            f"+33 6 {rng.randrange(10**8):08d}",
            f"{rng.randrange(1, 200)} rue {rng.choice(LAST)}, {rng.choice(CITIES)}",
        )
        for i in ids
    ]
    await DB.shared_pool.executemany(
        "INSERT INTO profile (id, account, first_name, last_name, phone, address, timezone, "
        "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'UTC', now(), now())",
        profiles,
    )
    return ids


async def insert_appointments(
    patients: list[uuid.UUID], doctors: list[uuid.UUID], count: int
) -> None:
    """`count` booked appointments on a grid no two of which overlap per doctor or patient."""
    type_id = uuid.uuid4()
    await DB.shared_pool.execute(
        "INSERT INTO appointment_type (id, name, duration_minutes, buffer_before_minutes, "
        "buffer_after_minutes, mode, active, created_at, updated_at) "
        "VALUES ($1, 'Consultation', 30, 0, 0, 'in_person', true, now(), now())",
        type_id,
    )
    rng = random.Random(count)
    reasons = ["knee pain", "follow-up", "vaccination", "back pain", "headache", "check-up"]
    rows = []
    for n in range(count):
        patient = patients[n % len(patients)]
        rows.append(
            (
                uuid.uuid4(),
                patient,
                doctors[n % len(doctors)],
                type_id,
                n // len(doctors),
                rng.choice(reasons),
            )
        )
    await DB.shared_pool.executemany(
        "INSERT INTO appointment (id, patient, practitioner, appointment_type, status, starts_at, "
        "ends_at, blocked_from, blocked_until, mode, reason, booked_by, scheduled_events, "
        "created_at, updated_at) SELECT $1, $2, $3, $4, 'booked', s, s + interval '30 minutes', "
        "s, s + interval '30 minutes', 'in_person', $6, $2, '{}', now(), now() "
        "FROM (SELECT now() + interval '1 day' + $5 * interval '30 minutes' AS s) t",
        rows,
    )


CLINICAL_TEXT = (
    "patient reports chest pain since yesterday, denies fever; history of hypertension and type 2 "
    "diabetes on metformin; HbA1c 7.2 %; blood pressure 150/95; plan: review in two weeks; "
    "knee pain after a fall; headache; asthma controlled; lipids raised, statin started; "
)
CLINICAL = tuple(CLINICAL_TEXT.split())


def generated_documents(
    patients: list[uuid.UUID], count: int
) -> Iterator[tuple[uuid.UUID, str, str]]:
    """(patient, title, text) of `count` notes of shuffled clinical words, 1 in 100 long."""
    rng = random.Random(count)
    for n in range(count):
        size = 15_000 if n % 100 == 0 else rng.randrange(150, 600)
        body = " ".join(rng.choices(CLINICAL, k=size))
        yield rng.choice(patients), f"Report {n} · {rng.choice(FIRST)} {rng.choice(LAST)}", body


async def insert_documents(patients: list[uuid.UUID], count: int) -> None:
    """`count` document entries of shuffled clinical words for random patients."""
    rows = []
    extra = '{"document_kind": "clinical_note"}'
    for patient, title, body in generated_documents(patients, count):
        now = datetime.now(UTC)
        rows.append((uuid.uuid4(), "document", uuid.uuid4(), patient, title, body))
        rows[-1] += (extra, now, now)
    columns = ["id", "kind", "ref_id", "patient_id", "title", "body", "extra", "updated_at"]
    for start in range(0, len(rows), 5_000):  # each copy well inside the command timeout
        await DB.shared_pool.copy_records_to_table(
            "search_entry", records=rows[start : start + 5_000], columns=[*columns, "indexed_at"]
        )


async def insert_document_rows(patients: list[uuid.UUID], uploader: uuid.UUID, count: int) -> None:
    """`count` extracted text documents in the documents plugin's table (what a rebuild reads)."""
    rows = [
        (uuid.uuid4(), patient, uploader, title, len(text), secrets.token_hex(32), text)
        for patient, title, text in generated_documents(patients, count)
    ]
    await DB.shared_pool.executemany(
        "INSERT INTO document (id, patient, uploaded_by, title, kind, content_type, size, sha256, "
        "status, page_count, text, entities, attempts, created_at, updated_at) VALUES "
        "($1, $2, $3, $4, 'clinical_note', 'text/plain', $5, $6, 'done', 1, $7, '[]', 1, now(), "
        "now())",
        rows,
    )


def reporting(every: int) -> Callable[[int], None]:
    """A rebuild's progress callback printing entries written and seconds every `every` entries
    (a rate to quote even if the run is stopped)."""
    began, done, shown = time.perf_counter(), 0, 0

    def progress(count: int) -> None:
        nonlocal done, shown
        done += count
        if done - shown >= every:
            shown = done
            print(f"  rebuild: {done} entries in {time.perf_counter() - began:.0f} s", flush=True)

    return progress


class TimedBackend:
    """The search backend, keeping how long its last `search` took: the query alone, without
    the service's audit row, `search.performed` and commit."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        self.last_ms = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)

    async def search(self, query: Any, scope: Any) -> Any:
        """The backend's `search`, timed."""
        started = time.perf_counter()
        try:
            return await self._backend.search(query, scope)
        finally:
            self.last_ms = (time.perf_counter() - started) * 1000


SELECTIVE = 250
"""Matches of a selective query at most (0.25 % of 100,000 documents; a patient has ~100)."""


class Timings(NamedTuple):
    """Per search, in order: ms of the service call, ms of its query, its (capped) total."""

    calls: list[float]
    queries: list[float]
    totals: list[int]

    def where(self, low: int, high: int) -> "Timings":
        """Only the searches with `low` to `high` matches (the cap counts as more than it)."""
        kept = [n for n, total in enumerate(self.totals) if low <= total <= high]
        return Timings(*([column[n] for n in kept] for column in self))


async def timed(
    service: SearchService,
    backend: TimedBackend,
    principal: Principal,
    queries: list[str],
    mode: str | None = None,
) -> Timings:
    """Each query searched once as `principal` (in `mode`, or the service's default), timed."""
    timings = Timings([], [], [])
    for q in queries:
        started = time.perf_counter()
        page = await service.search(principal, q=q, kinds=None, limit=20, offset=0, mode=mode)
        timings.calls.append((time.perf_counter() - started) * 1000)
        timings.queries.append(backend.last_ms)
        timings.totals.append(page.total + page.total_capped)
    return timings


def latency_row(label: str, timings: Timings) -> list[Any]:
    """A table row: label, count, the call's p50/p95/p99/max, the query's p50/p95."""
    calls, queries = timings.calls, timings.queries
    if not calls:
        return [label, 0, *["-"] * 6]
    return [
        label,
        len(calls),
        *(percentile(calls, q) for q in (50, 95, 99)),
        max(calls),
        percentile(queries, 50),
        percentile(queries, 95),
    ]


class Seeded(NamedTuple):
    """What seeding and the two rebuilds of a fresh run did."""

    seconds: float
    report: ReindexReport
    again: ReindexReport
    embedded: int
    rss: float
    vectors: Written | None


# A kept database's callers: the first doctor, and the patient of the first document entry (or
# the first patient): as a fresh run's `patients[0]`, someone with entries of their own.
KEPT_CALLERS = """
SELECT (SELECT id FROM account WHERE 'doctor' = ANY(roles) ORDER BY id LIMIT 1) AS doctor,
       coalesce(
           (SELECT patient_id FROM search_entry WHERE kind = 'document'
            ORDER BY patient_id LIMIT 1),
           (SELECT id FROM account WHERE 'patient' = ANY(roles) ORDER BY id LIMIT 1)
       ) AS patient
"""


async def seed(
    args: argparse.Namespace, search: SearchPlugin
) -> tuple[uuid.UUID, uuid.UUID, Seeded]:
    """Seed, rebuild twice, add the copied documents; (doctor, patient, what it did)."""
    started = time.perf_counter()
    patients = await insert_people("patient", args.patients)
    doctors = await insert_people("doctor", args.doctors)
    await insert_appointments(patients, doctors, args.appointments)
    await insert_document_rows(patients, doctors[0], args.embed_documents)
    seconds = time.perf_counter() - started
    report = await search.reindex(reporting(2_000))
    embedded = await DB.shared_pool.fetchval("SELECT count(*) FROM search_chunk")
    rss = embedding_process().memory_info().rss / 2**20 if search.embedder else 0.0
    again = await search.reindex()
    await insert_documents(patients, args.documents)
    # What the indexer's upsert does for each entry, once here for the copied documents.
    if await DB.shared_pool.fetchval("SELECT to_regclass('search_vocabulary') IS NOT NULL"):
        await DB.shared_pool.execute(VOCABULARY_FROM_DOCUMENTS)
    await DB.shared_pool.execute("ANALYZE search_entry")
    vectors = await write_chunk_vectors(search.embedder) if args.chunk_vectors else None
    done = Seeded(seconds, report, again, embedded, rss, vectors)
    return doctors[0], patients[0], done


async def bench(args: argparse.Namespace, dsn: str, nats_url: str) -> None:
    """Seed and rebuild (or reuse a kept database), search, report."""
    settings = bench_settings(
        dsn,
        nats_url,
        embedder=args.chunk_vectors or bool(args.embed_documents) or args.reuse is not None,
        precision=args.embedder_precision,
        threads=args.embedder_threads,
    )
    plugins = load_plugins(settings)
    context: AppContext = build_context(settings, "worker", dsn, nats_url)
    setup_plugins(context, plugins)
    search = next(p for p in plugins if isinstance(p, SearchPlugin))
    seeded = None
    async with open_database(DB, settings.database):
        await apply_migrations(quiet=True)
        if args.reuse is None:
            doctor_id, patient_id, seeded = await seed(args, search)
        else:
            doctor_id, patient_id = await DB.shared_pool.fetchrow(KEPT_CALLERS)
        with_documents = await DB.shared_pool.fetchval(
            "SELECT EXISTS (SELECT FROM search_entry WHERE kind = 'document')"
        )
        with_vectors = await DB.shared_pool.fetchval("SELECT EXISTS (SELECT FROM search_chunk)")
        rng = random.Random(7)
        prefixes = [rng.choice(FIRST)[: rng.choice((2, 3, 4))].lower() for _ in range(args.queries)]
        two_words = [f"{rng.choice(FIRST)[:3]} {rng.choice(LAST)[:3]}".lower() for _ in prefixes]
        doctor = Principal(id=doctor_id, roles=frozenset({"doctor"}))
        patient = Principal(id=patient_id, roles=frozenset({"patient"}))
        backend = TimedBackend(search.service.backend)
        service = dataclasses.replace(search.service, backend=backend)
        own = await DB.shared_pool.fetchval(
            "SELECT first_name FROM profile WHERE account = $1", patient_id
        )
        await timed(service, backend, doctor, prefixes[:20], args.mode)  # warm-up
        rows = []
        common = [(f"doctor, `{w}` over documents", doctor, [w] * args.queries) for w in COMMON]
        for label, principal, queries in (
            *(common if with_documents else []),
            ("doctor, 2-4 letter first-name prefix", doctor, prefixes),
            ("doctor, `fir las` prefixes", doctor, two_words),
            ("patient, 2-4 letter first-name prefix", patient, prefixes),
            ("patient, `a`", patient, ["a"] * args.queries),
            ("patient, own first-name prefix", patient, [own[:3]] * args.queries),
        ):
            timings = await timed(service, backend, principal, queries, args.mode)
            rows.append(latency_row(label, timings))
            if label.endswith("prefixes"):
                # Two name prefixes match one patient's entries, or those of every namesake (a
                # hundred documents each), or, when both start common words (`che`st, `and`),
                # more than the cap: a common-term query.
                cap = search.search_config.max_candidates
                split = (
                    (0, SELECTIVE, f"selective (at most {SELECTIVE} matches)"),
                    (SELECTIVE + 1, cap, f"{SELECTIVE + 1} to {cap:,} matches"),
                    (cap + 1, cap + 1, "capped (common words)"),
                )
                for low, high, kind in split:
                    rows.append(latency_row(f"  of which {kind}", timings.where(low, high)))
        callers = [("doctor", doctor), ("patient (own notes)", patient)]
        if search.embedder and with_vectors:
            semantic_rows = await service_latency(
                service.search, callers, search.embedder, args.queries
            )
            recall_row = await recall(service.search, doctor, search.embedder, args.queries)
        entries = await DB.shared_pool.fetchval("SELECT count(*) FROM search_entry")
        size = await DB.shared_pool.fetchval(
            "SELECT pg_size_pretty(pg_total_relation_size('search_entry'))"
        )
    await context.registry.close()
    print()
    if seeded is not None:
        report_seeding(args, seeded, entries, size)
    else:
        print(f"reused {args.reuse}: {entries} entries, table + indexes {size}")
    headers = ["search (ms; service call, staff: + audit row)", "n", "p50", "p95", "p99", "max"]
    mode = args.mode or ("hybrid" if search.embedder else "keyword")
    print(f"searches in {mode} mode")
    print_table([*headers, "query p50", "query p95"], rows)
    if search.embedder and with_vectors:
        print_table(
            ["semantic search (ms; service call incl. the query's embedding)", "n", "p50", "p95"],
            semantic_rows,
        )
        headers = ["recall (over lay queries)", "n", "mean", "worst", "page farther, worst %"]
        print_table(headers, [recall_row])
    print(f"load average {os.getloadavg()}")


def report_seeding(args: argparse.Namespace, seeded: Seeded, entries: int, size: str) -> None:
    """What a fresh run seeded and how its two rebuilds (and the model, the vectors) went."""
    print(
        f"{args.patients} patients, {args.doctors} doctors, {args.appointments} appointments, "
        f"{args.documents} documents"
    )
    print(
        f"seeded with bulk SQL in {seeded.seconds:.1f} s; {entries} entries, table + indexes {size}"
    )
    print_table(
        ["rebuild", "seconds", "entries/s", "written", "pruned"],
        [
            [
                label,
                report.seconds,
                sum(report.written.values()) / report.seconds,
                sum(report.written.values()),
                report.pruned,
            ]
            for label, report in (
                ("reindex (empty index)", seeded.report),
                ("reindex (full index)", seeded.again),
            )
        ],
    )
    if args.embed_documents:
        rate = seeded.embedded / seeded.report.seconds
        print(
            f"rebuild with the local model ({args.embedder_precision}, "
            f"{args.embedder_threads} thread(s)), {args.embed_documents} documents: "
            f"{seeded.embedded} chunks embedded in {seeded.report.seconds:.0f} s ({rate:.1f} "
            f"chunks/s end to end); embedding process RSS {seeded.rss:.0f} MB"
        )
    if seeded.vectors:
        vectors = seeded.vectors
        print(
            f"{vectors.chunks} document chunks with cheap deterministic vectors (not computed "
            f"by the model): copied in {vectors.copy_seconds:.0f} s, HNSW built in "
            f"{vectors.index_seconds:.0f} s; the model embeds {vectors.chunks_per_second:.1f} "
            "chunks/s (180-word chunks, 1 thread)"
        )


def main() -> None:
    """Start the servers under a scratch dir, run the bench, always stop them."""
    args = parse_args()
    if args.semantic:
        run_with_servers("hduce-bench-search-", lambda dsn, _: semantic(args, dsn))
        return
    # The index is seeded after the server started, so `auto` would size the cache for an empty
    # cluster: give it what a clinic's server takes at its next start with this much data.
    run_with_servers(
        "hduce-bench-search-",
        lambda dsn, nats_url: bench(args, dsn, nats_url),
        keep=args.keep,
        reuse=args.reuse,
        shared_buffers=f"{memory_page_cache() >> 20}MB",
    )


async def semantic(args: argparse.Namespace, dsn: str) -> None:
    """`--semantic`: the local embedder against the relevance set and `--vectors` entries."""
    DB.configure(dsn)
    async with open_database(DB, bench_settings(dsn, "nats://unused").database):
        await semantic_bench(args.vectors, min(args.queries, 200))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted")
