"""Documents benchmark: upload MB/s with the server's memory, and extraction pages/s end to end.

Starts `hduce serve` (embedded PostgreSQL and NATS under a scratch dir in /tmp, free port) with
the documents plugin, then:

1. uploads `--uploads` files of `--size-mb` MB (a PNG signature then random bytes: stored as a
   large image, which OCR then cannot decode) one after another as raw bodies streamed in 1 MB
   parts, sampling the RSS of the serve process (itself, not its children) before, during and
   after;
2. sends a chunked body (no Content-Length) over the cap and expects 413;
3. extracts one 1-page PDF (latency of a single document), then uploads `--pdfs`
   real PDFs of `--pages` pages each (made with fpdf2), `--clients` at a time, and waits until
   every one is `done`: pages/s from the first upload to the last extraction;
   The same for `--singles` 1-page PDFs; then `pdftotext` (poppler-utils, when on PATH) reads the
   very same files, 2 at a time, and its pages/s is printed next to ours with the ratio; the CPU
   each page cost, per process group (serve, extraction, postgres, nats-server), for both corpora;
   and the ceiling, in this process on the same files: pdftotext (one file at a time), pypdfium2's
   text alone and the whole extraction (text and entities), interleaved rounds;
4. uploads `--scans` scanned letters (a 1-page PDF holding only a 150 dpi picture of typed
   lines) and waits until all are read by OCR: scanned pages/s, and how many texts came back
   with the words on the picture.

Run from the repository root: `.venv/bin/python bench/documents.py [--pdfs 20 --pages 50]`.
"""

import argparse
import asyncio
import contextlib
import io
import json
import math
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

import asyncpg
import httpx
import psutil
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from _common import (
    at_least_one,
    exit_on_sigterm,
    free_port,
    print_table,
    scratch_dir,
    subprocess_env,
)
from _keepalive import KeepAliveClient
from appointments import UNLIMITED, Clinic
from auth import client_for, serve_command, start, stop, wait_ready
from hduce.plugins.documents.services.extraction import ExtractionOptions, extract_file
from hduce.runtime import EmbeddedPostgres

API = "/api/v1/documents"
PLUGINS = '["metrics","audit","auth","users","documents"]'
MB = 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def parse_args() -> argparse.Namespace:
    """Size flags."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=5, help="large uploads (default 5)")
    parser.add_argument("--size-mb", type=int, default=20, help="size of each large upload")
    parser.add_argument("--pdfs", type=at_least_one, default=20, help="PDFs to extract")
    parser.add_argument("--pages", type=at_least_one, default=50, help="pages per PDF (default 50)")
    parser.add_argument("--singles", type=at_least_one, default=200, help="1-page PDFs")
    parser.add_argument("--scans", type=int, default=20, help="scanned pages to OCR (default 20)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent PDF uploads")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the ceiling (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="documents.extraction_workers")
    parser.add_argument("--config", default="config/test.toml", help="config for serve")
    parser.add_argument("--timeout", type=float, default=300.0, help="max seconds to wait")
    parser.add_argument("--keep", action="store_true", help="keep the scratch dir and logs")
    return parser.parse_args()


def make_pdf(index: int, pages: int) -> bytes:
    """A report of `pages` A4 pages: a heading, vitals, medications and prose on each."""
    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=10)
    for page in range(1, pages + 1):
        pdf.add_page()
        pdf.multi_cell(0, 6, f"Report {index}, page {page}: Müller, fièvre, Øre", **NEXT)
        pdf.multi_cell(0, 6, "BP 132/84 mmHg, HR 71 bpm, Temp 37.2 °C, SpO2 97 %", **NEXT)
        pdf.multi_cell(
            0, 6, "Metformin 500 mg twice daily; lisinopril 10 mg. ICD-10: E11.9", **NEXT
        )
        for _ in range(5):
            pdf.multi_cell(0, 5, PROSE, **NEXT)
    return bytes(pdf.output())


def make_scan(index: int) -> bytes:
    """A scanned letter: one A4 page holding only a 150 dpi grayscale picture of typed lines."""
    font = ImageFont.load_default(size=26)
    picture = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(picture)
    for row, line in enumerate(SCAN_LINES * 4):
        draw.text((100, 100 + 42 * row), line.format(index=index), fill=0, font=font)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.image(buffer, x=0, y=0, w=210, h=297)
    return bytes(pdf.output())


NEXT = {"new_x": "LMARGIN", "new_y": "NEXT"}
SCAN_LINES = [
    "Referral letter {index} - Dr. Martin, Clinique du Parc",
    "Metformin 500 mg twice daily, lisinopril 10 mg once daily.",
    "Blood pressure 150/95 mmHg, heart rate 88 bpm, temperature 37.8 C.",
    "Allergies: penicillin. Please review in four weeks.",
]
PROSE = (
    "The patient reports intermittent chest tightness on exertion over the last month, relieved "
    "by rest. No syncope. Examination unremarkable; heart sounds normal, chest clear. Plan: "
    "exercise ECG, lipid profile and review in four weeks, earlier if symptoms worsen."
)


class Memory:
    """Samples the RSS of one process (the serve process itself, not its children)."""

    def __init__(self, pid: int) -> None:
        self._process = psutil.Process(pid)
        self.peak = 0

    def now(self) -> int:
        """The current RSS; also kept as the peak if higher."""
        rss = int(self._process.memory_info().rss)
        self.peak = max(self.peak, rss)
        return rss

    async def watch(self, stop: asyncio.Event) -> None:
        """Sample every 50 ms until `stop` is set."""
        while not stop.is_set():
            self.now()
            await asyncio.sleep(0.05)


async def chunks(data: bytes, tag: int, chunk: int = MB) -> AsyncIterator[bytes]:
    """A PNG signature, a tag (so each upload is new content), then `data`, in 1 MB parts."""
    yield PNG_SIGNATURE + tag.to_bytes(8, "big")
    for offset in range(0, len(data), chunk):
        yield data[offset : offset + chunk]


async def upload_phase(
    args: argparse.Namespace, client: httpx.AsyncClient, headers: dict[str, str], patient: str
) -> list[list[object]]:
    """Large uploads one after another; MB/s each and the server's memory around them."""
    size = args.size_mb * MB
    data = os.urandom(size - len(PNG_SIGNATURE) - 8)
    rows: list[list[object]] = []
    for n in range(args.uploads):
        started = time.perf_counter()
        response = await client.post(
            API,
            content=chunks(data, n),
            params={"patient_id": patient, "title": f"Scan {n}", "kind": "imaging_report"},
            headers={**headers, "Content-Type": "application/octet-stream"},
        )
        seconds = time.perf_counter() - started
        rows.append([f"upload {n + 1}", response.status_code, seconds, size / MB / seconds])
    return rows


async def over_the_cap(
    client: httpx.AsyncClient, headers: dict[str, str], patient: str, cap: int
) -> int:
    """A chunked body (no Content-Length) bigger than the cap; the status answered."""
    response = await client.post(
        API,
        content=chunks(bytes(cap + 2 * MB), 2**63 - 1),
        params={"patient_id": patient},
        headers={**headers, "Content-Type": "image/png"},
    )
    return response.status_code


CPU_GROUPS = ("serve", "extraction", "postgres", "nats-server")
Upload = tuple[dict[str, str], str]
"""The uploader's headers and the patient's id."""


class CpuMeter:
    """CPU seconds the server has used so far, per process group.

    Processes that exited count too: the serve process and the postmaster reap their children,
    whose CPU time then shows in their parent's `children_*` times.
    """

    def __init__(self, serve_pid: int, data_dir: Path) -> None:
        self._serve = serve_pid
        self._pgdata = data_dir / "pg"

    def read(self) -> dict[str, float]:
        """CPU seconds (user + system) per group in `CPU_GROUPS`."""
        used = dict.fromkeys(CPU_GROUPS, 0.0)
        roots = (
            (self._serve, "extraction"),
            (EmbeddedPostgres(self._pgdata).status().pid, "postgres"),
        )
        for pid, reaped in roots:
            if pid is None:  # psutil.Process(None) would be this process
                continue
            try:
                root = psutil.Process(pid)
                times = root.cpu_times()
                used[reaped] += times.children_user + times.children_system
                processes = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            for process in processes:
                with contextlib.suppress(psutil.Error):
                    times = process.cpu_times()
                    used[_cpu_group(process)] += times.user + times.system
        return used


def _cpu_group(process: psutil.Process) -> str:
    name = process.name()
    if name in ("postgres", "nats-server"):
        return name
    return "extraction" if any("_process.py" in part for part in process.cmdline()) else "serve"


class Phase(NamedTuple):
    """One corpus extracted end to end: seconds, statuses, CPU seconds per process group.

    `client` is the CPU seconds this bench process spent uploading and polling meanwhile.
    """

    seconds: float
    statuses: dict[str, int]
    cpu: dict[str, float]
    client: float


async def extract_all(
    args: argparse.Namespace,
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    meter: CpuMeter,
    upload: Upload,
    pdfs: list[bytes],
) -> tuple[Phase, float]:
    """Upload `pdfs` and wait until all are extracted; the phase and the upload seconds."""
    headers, patient = upload
    before, client_before = meter.read(), time.process_time()
    started = time.perf_counter()
    ids = await upload_all(args, client, headers, patient, pdfs)
    uploaded = time.perf_counter() - started
    statuses = await wait_done(args, db, ids)
    seconds = time.perf_counter() - started
    after = meter.read()
    cpu = {group: after[group] - before[group] for group in CPU_GROUPS}
    return Phase(seconds, statuses, cpu, time.process_time() - client_before), uploaded


async def one_pdf_latency(
    args: argparse.Namespace, client: httpx.AsyncClient, db: asyncpg.Connection, nurse: Upload
) -> float:
    """Seconds from the upload of one 1-page PDF to its `done`."""
    started = time.perf_counter()
    await wait_done(args, db, await upload_all(args, client, *nurse, [make_pdf(-1, 1)]))
    return time.perf_counter() - started


def report_cpu(phases: list[tuple[str, int, Phase]]) -> None:
    """CPU milliseconds per page of each server process group, their sum, the bench's own
    (uploads and polls, not in the sum), and wall milliseconds per page."""
    print()
    rows = [
        [
            corpus,
            *(1000 * phase.cpu[group] / pages for group in CPU_GROUPS),
            1000 * sum(phase.cpu.values()) / pages,
            1000 * phase.client / pages,
            1000 * phase.seconds / pages,
        ]
        for corpus, pages, phase in phases
    ]
    headers = ["CPU ms/page", *CPU_GROUPS, "all", "bench client", "wall ms/page"]
    print_table(headers, rows)


def write_corpus(pdfs: list[bytes], folder: Path) -> list[Path]:
    """The PDFs as files in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{index}.pdf" for index in range(len(pdfs))]
    for path, pdf in zip(paths, pdfs, strict=True):
        path.write_bytes(pdf)
    return paths


async def pdftotext_seconds(paths: list[Path], parallel: int = 2) -> float | None:
    """Seconds `pdftotext` takes over the files, `parallel` at a time (None: not installed)."""
    if shutil.which("pdftotext") is None:
        return None
    gate = asyncio.Semaphore(parallel)

    async def one(path: Path) -> None:
        async with gate:
            process = await asyncio.create_subprocess_exec(
                "pdftotext", str(path), str(path.with_suffix(".txt"))
            )
            if await process.wait() != 0:
                raise RuntimeError(f"pdftotext failed on {path}")

    started = time.perf_counter()
    await asyncio.gather(*(one(path) for path in paths))
    return time.perf_counter() - started


def pdftotext_each(paths: list[Path]) -> None:
    """`pdftotext` over the files, one after another."""
    for path in paths:
        subprocess.run(["pdftotext", str(path), str(path.with_suffix(".txt"))], check=True)


def pdfium_text(paths: list[Path]) -> None:
    """pypdfium2's text of every page of the files, nothing else."""
    import pypdfium2 as pdfium

    for path in paths:
        document = pdfium.PdfDocument(path)
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
        document.close()


def extract_each(paths: list[Path]) -> None:
    """The whole extraction of the files (text and entities), as an extraction process runs it."""
    options = ExtractionOptions(max_stream=256 * MB)
    for path in paths:
        if not extract_file(str(path), "application/pdf", options)["ok"]:
            raise RuntimeError(f"extraction failed on {path}")


def ceiling(paths: list[Path], pages: int, rounds: int) -> list[list[object]]:
    """Pages/s of each way to read `paths` in this one process, interleaved; min and median."""
    ways: dict[str, Callable[[list[Path]], None]] = {
        "pdftotext, a process per file": pdftotext_each,
        "pypdfium2 text only": pdfium_text,
        "extract_file (text + entities)": extract_each,
    }
    if shutil.which("pdftotext") is None:
        del ways["pdftotext, a process per file"]
    extract_each(paths[:1])  # the entity dictionaries load once, outside the rounds
    rates: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(rounds):
        for name, read in ways.items():
            started = time.perf_counter()
            read(paths)
            rates[name].append(pages / (time.perf_counter() - started))
    anchor = statistics.median(rates.get("pdftotext, a process per file", [math.nan]))
    return [
        [name, min(found), statistics.median(found), statistics.median(found) / anchor]
        for name, found in rates.items()
    ]


def _rate(pages: int, seconds: float | None) -> float | None:
    return None if seconds is None else pages / seconds


def report_ceiling(args: argparse.Namespace, corpora: list[tuple[str, list[Path], int]]) -> None:
    """The ceiling of each corpus: how fast this one process reads it, each way."""
    for name, files, pages in corpora:
        load = os.getloadavg()[0]
        print(
            f"\nceiling in one process, {name}, {args.rounds} interleaved rounds, load {load:.1f}"
        )
        rows = ceiling(files, pages, args.rounds)
        print_table(["reader", "min pages/s", "median pages/s", "/ pdftotext"], rows)


def report_anchor(rows: list[list[object]]) -> None:
    """Our pages/s and pdftotext's on the same files, with the ratio."""
    print()
    if any(row[2] is None for row in rows):
        print("pdftotext is not on PATH (apt-get install -y poppler-utils): no anchor figures")
    table = [
        [corpus, f"{ours:.0f}", "-" if anchor is None else f"{anchor:.0f}"]
        + (["-"] if anchor is None else [f"{ours / anchor:.2f}x"])
        for corpus, ours, anchor in rows
    ]
    print_table(["corpus", "HDuce pages/s", "pdftotext pages/s (2 parallel)", "ratio"], table)


async def scan_phase(
    args: argparse.Namespace,
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    headers: dict[str, str],
    patient: str,
) -> tuple[float, dict[str, int], int]:
    """Upload the scans and wait until all are read; seconds, statuses, texts with the words."""
    scans = [make_scan(i) for i in range(args.scans)]
    started = time.perf_counter()
    ids = await upload_all(args, client, headers, patient, scans)
    statuses = await wait_done(args, db, ids)
    seconds = time.perf_counter() - started
    read = await db.fetchval(
        "SELECT count(*) FROM document WHERE id = ANY($1::uuid[]) "
        "AND text LIKE '%Metformin 500 mg%' AND text LIKE '%150/95 mmHg%'",
        ids,
    )
    return seconds, statuses, read


async def upload_all(
    args: argparse.Namespace,
    client: httpx.AsyncClient,
    headers: dict[str, str],
    patient: str,
    pdfs: list[bytes],
) -> list[str]:
    """Upload every PDF, `--clients` at a time, each on a keep-alive connection; their ids.

    The uploads go through the minimal client of `_keepalive.py`, not `client` (httpx): httpx
    spent ~0.95 ms of CPU per upload on the same 2 cores (this client ~0.17 ms), and pdftotext's
    side of the comparison has no client at all.
    """
    queue = list(enumerate(pdfs))
    ids: list[str] = []

    async def one_client() -> None:
        connection = KeepAliveClient("127.0.0.1", client.base_url.port or 80)
        try:
            while queue:
                index, pdf = queue.pop()
                ids.append(await post_pdf(connection, headers, patient, pdf, index))
        finally:
            await connection.close()

    await asyncio.gather(*(one_client() for _ in range(args.clients)))
    return ids


async def post_pdf(
    connection: KeepAliveClient, headers: dict[str, str], patient: str, pdf: bytes, index: int
) -> str:
    """Upload one PDF; its id."""
    query = urlencode({"patient_id": patient, "title": f"Report {index}", "kind": "lab_result"})
    headers = {**headers, "Content-Type": "application/pdf"}
    status, body = await connection.post(f"{API}?{query}", headers, pdf)
    if status != 201:
        raise RuntimeError(f"upload {index} answered {status}: {body[:300]!r}")
    return str(json.loads(body)["id"])


async def wait_done(
    args: argparse.Namespace, db: asyncpg.Connection, ids: list[str]
) -> dict[str, int]:
    """Poll until every document is `done` or `failed`; the count per status."""
    deadline = time.monotonic() + args.timeout
    statuses: dict[str, int] = {}
    while time.monotonic() < deadline:
        rows = await db.fetch(
            "SELECT status, count(*) AS n FROM document WHERE id = ANY($1::uuid[]) GROUP BY status",
            ids,
        )
        statuses = {row["status"]: row["n"] for row in rows}
        if statuses.get("done", 0) + statuses.get("failed", 0) == len(ids):
            break
        await asyncio.sleep(0.05)
    return statuses


async def embedded_db(data_dir: Path) -> asyncpg.Connection:
    """A connection to the embedded PostgreSQL that `hduce serve` started under `data_dir`."""
    dsn = EmbeddedPostgres(data_dir / "pg").status().dsn
    if dsn is None:
        raise RuntimeError("the embedded PostgreSQL of `hduce serve` is not running")
    return await asyncpg.connect(dsn)


async def run_bench(args: argparse.Namespace, scratch: Path) -> None:
    """Start `hduce serve`, run both phases, print the figures."""
    data_dir, port, secret = scratch / "data", free_port(), secrets.token_urlsafe(32)
    cap = (args.size_mb + 5) * MB
    env = subprocess_env(
        HDUCE_DATA_DIR=str(data_dir),
        HDUCE_SERVER__PORT=str(port),
        HDUCE_PLUGINS__ENABLED=PLUGINS,
        HDUCE_PLUGINS__DOCUMENTS__MAX_UPLOAD_SIZE=str(cap),
        HDUCE_PLUGINS__DOCUMENTS__EXTRACTION_WORKERS=str(args.workers),
        HDUCE_SERVER__RATE_LIMIT_PER_MINUTE=UNLIMITED,
        JWT_SECRET=secret,
    )
    # Made first: making them takes long enough for idle extraction processes to exit, and the
    # phases measure the processes the upload phase started, as a busy clinic's would run.
    long_pdfs = [make_pdf(i, args.pages) for i in range(args.pdfs)]
    single_pdfs = [make_pdf(10_000 + i, 1) for i in range(args.singles)]
    serve = start(serve_command(args.config), env, scratch / "serve.log")
    try:
        async with client_for(f"http://127.0.0.1:{port}", args.clients) as client:
            client.timeout = httpx.Timeout(120.0)
            await wait_ready(client, "/health/detailed", serve, args.timeout)
            db = await embedded_db(data_dir)
            try:
                clinic = Clinic(db, secret)
                _, nurse = await clinic.member("nurse")
                patient = str((await clinic.member("patient"))[0])
                memory = Memory(serve.pid)
                before = memory.now()
                done = asyncio.Event()
                watcher = asyncio.create_task(memory.watch(done))
                rows = await upload_phase(args, client, nurse, patient)
                done.set()
                await watcher
                after = memory.now()
                refused = await over_the_cap(client, nurse, patient, cap)
                meter, uploader = CpuMeter(serve.pid, data_dir), (nurse, patient)
                cold = await one_pdf_latency(args, client, db, uploader)
                long, uploaded = await extract_all(args, client, db, meter, uploader, long_pdfs)
                single, _ = await extract_all(args, client, db, meter, uploader, single_pdfs)
                scans = await scan_phase(args, client, db, nurse, patient)
            finally:
                await db.close()
        times = (long.seconds, uploaded, cold)
        report(args, rows, (before, memory.peak, after), refused, cap, times, long.statuses)
        print(
            f"  {args.singles} 1-page PDFs done after  : {single.seconds:.2f} s  {single.statuses}"
        )
        report_scans(args, *scans)
        long_files = write_corpus(long_pdfs, scratch / "long")
        single_files = write_corpus(single_pdfs, scratch / "single")
        long_anchor = await pdftotext_seconds(long_files)
        single_anchor = await pdftotext_seconds(single_files)
        long_pages = args.pdfs * args.pages
        long_name, single_name = f"{args.pdfs} x {args.pages}-page", f"{args.singles} x 1-page"
        report_anchor(
            [
                [long_name, long_pages / long.seconds, _rate(long_pages, long_anchor)],
                [single_name, args.singles / single.seconds, _rate(args.singles, single_anchor)],
            ]
        )
        report_cpu([(long_name, long_pages, long), (single_name, args.singles, single)])
        report_ceiling(
            args, [(long_name, long_files, long_pages), (single_name, single_files, args.singles)]
        )
    except BaseException:
        log = scratch / "serve.log"
        if log.exists():
            print("--- tail of serve.log:", file=sys.stderr)
            print("\n".join(log.read_text(errors="replace").splitlines()[-15:]), file=sys.stderr)
        raise
    finally:
        stop(serve)


def report(
    args: argparse.Namespace,
    rows: list[list[object]],
    memory: tuple[int, int, int],
    refused: int,
    cap: int,
    times: tuple[float, float, float],
    statuses: dict[str, int],
) -> None:
    """Print the tables and the headline figures."""
    print()
    print_table(["large upload", "status", "seconds", "MB/s"], rows)
    rates = [float(r[3]) for r in rows if r[1] == 201]  # type: ignore[arg-type]
    before, peak, after = (value / MB for value in memory)
    print()
    print(
        f"upload throughput ({args.size_mb} MB each)  : {sum(rates) / max(len(rates), 1):.1f} MB/s"
    )
    print(f"serve RSS before / peak / after  : {before:.0f} / {peak:.0f} / {after:.0f} MB")
    print(f"chunked {cap // MB + 2} MB over a {cap // MB} MB cap : HTTP {refused}")
    total, uploaded, cold = times
    pages = args.pdfs * args.pages
    print(
        f"extraction: {args.pdfs} x {args.pages}-page PDFs = {pages} pages, "
        f"{args.workers} extraction processes"
    )
    print(f"  one 1-page PDF, upload -> done : {cold:.2f} s")
    print(f"  uploads finished after         : {uploaded:.2f} s")
    print(f"  all extracted after            : {total:.2f} s  -> {pages / total:.0f} pages/s")
    print(f"  statuses                       : {statuses}")


def report_scans(
    args: argparse.Namespace, seconds: float, statuses: dict[str, int], read: int
) -> None:
    """Print the OCR figures."""
    print(f"OCR: {args.scans} scanned 1-page letters (150 dpi picture, rendered at 300 dpi)")
    print(
        f"  all read after                 : {seconds:.2f} s  -> {args.scans / seconds:.1f} pages/s"
    )
    print(f"  texts with the typed words     : {read} of {args.scans}")
    print(f"  statuses                       : {statuses}")


def main() -> None:
    """Run the benchmark in a scratch data dir and print the report."""
    args = parse_args()
    exit_on_sigterm()
    with scratch_dir("hduce-bench-documents-", keep=args.keep) as scratch:
        print(f"scratch dir {scratch}; command: {' '.join(serve_command(args.config))}")
        asyncio.run(run_bench(args, scratch))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted")
