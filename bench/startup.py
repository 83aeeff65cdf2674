"""Start-up benchmark: cold and warm `hduce serve`, idle memory of its process tree, shutdown.

Run from the repository root: `.venv/bin/python bench/startup.py [--warm-runs 3]`.
"""

import argparse
import asyncio
import json
import math
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from _common import (
    REPO_ROOT,
    exit_on_sigterm,
    free_port,
    kill_tree,
    median,
    print_table,
    scratch_dir,
    servers_under,
    subprocess_env,
    verdict,
)
from appointments import Clinic
from documents import embedded_db, make_pdf

WARM_TARGET_S = 5.0
RSS_TARGET_MB = 500.0
DOCUMENT_RSS_TARGET_MB = 400.0
MB = 1024 * 1024


@dataclass
class Memory:
    """Idle memory of the serve process tree, in MB, by kind of process."""

    rss: dict[str, float] = field(default_factory=dict)
    pss: dict[str, float] = field(default_factory=dict)
    count: dict[str, int] = field(default_factory=dict)

    @property
    def rss_total(self) -> float:
        """Summed RSS (counts shared pages once per process)."""
        return sum(self.rss.values())

    @property
    def pss_total(self) -> float:
        """Summed PSS (shared pages split between their users)."""
        return sum(self.pss.values())


@dataclass
class Run:
    """One start → idle → SIGTERM cycle."""

    label: str
    pg_ready_s: float = float("nan")
    listening_s: float = float("nan")
    green_s: float = float("nan")
    memory: Memory = field(default_factory=Memory)
    document_s: float = float("nan")
    with_extraction: Memory = field(default_factory=Memory)
    after_idle: Memory = field(default_factory=Memory)
    exit_s: float = float("nan")
    clean_s: float = float("nan")
    exit_code: int | None = None
    leftovers: list[int] = field(default_factory=list)


def parse_args() -> argparse.Namespace:
    """Size flags (small defaults)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-runs", type=int, default=3, help="warm starts (default 3)")
    parser.add_argument(
        "--config",
        default=str(REPO_ROOT / "config" / "test.toml"),
        help="config file for `hduce serve` (default config/test.toml)",
    )
    parser.add_argument("--idle", type=float, default=3.0, help="idle seconds before RSS")
    parser.add_argument(
        "--extraction-idle",
        type=float,
        default=5.0,
        help="documents.extraction_idle_timeout for the run (default 5 s)",
    )
    parser.add_argument("--timeout", type=float, default=90.0, help="max seconds to go green")
    parser.add_argument("--keep", action="store_true", help="keep the scratch dir and logs")
    return parser.parse_args()


def serve_command(config: str) -> list[str]:
    """`hduce --config X serve`: the console script next to the interpreter, else `-m hduce`."""
    script = Path(sys.executable).parent / "hduce"
    head = [str(script)] if script.is_file() else [sys.executable, "-m", "hduce"]
    return [*head, "--config", config, "serve"]


def health(port: int, path: str = "/health/detailed") -> tuple[int, dict[str, object]]:
    """GET a health endpoint; (status, body) or (0, {}) when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}
    except (OSError, ValueError):
        return 0, {}


def listening(port: int) -> bool:
    """Whether something accepts TCP connections on the port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def postmaster(pgdata: Path) -> tuple[int | None, str]:
    """The postmaster pid of pgdata and its status line ("ready", "starting", ...)."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        return int(lines[0]), (lines[7].strip() if len(lines) > 7 else "")
    except (OSError, ValueError, IndexError):
        return None, ""


def wait_green(
    proc: subprocess.Popen[bytes], run: Run, port: int, pgdata: Path, timeout: float
) -> None:
    """Poll until /health/detailed is 200, noting when postgres and the HTTP port came up."""
    started = time.perf_counter()
    while True:
        elapsed = time.perf_counter() - started
        if proc.poll() is not None:
            raise RuntimeError(f"`hduce serve` exited with {proc.returncode} during start-up")
        if elapsed > timeout:
            raise RuntimeError(f"`hduce serve` not green after {timeout:.0f} s")
        if math.isnan(run.pg_ready_s) and postmaster(pgdata)[1] == "ready":
            run.pg_ready_s = elapsed
        if math.isnan(run.listening_s) and listening(port):
            run.listening_s = elapsed
        if not math.isnan(run.listening_s) and health(port)[0] == 200:
            run.green_s = time.perf_counter() - started
            return
        time.sleep(0.02)


def tree(serve_pid: int, pgdata: Path) -> list[psutil.Process]:
    """The serve process, its descendants, and the (daemonised) postmaster with its children."""
    roots = [serve_pid]
    pg_pid, _ = postmaster(pgdata)
    if pg_pid is not None:
        roots.append(pg_pid)
    found: dict[int, psutil.Process] = {}
    for pid in roots:
        try:
            root = psutil.Process(pid)
            for proc in [root, *root.children(recursive=True)]:
                found[proc.pid] = proc
        except psutil.NoSuchProcess:
            continue
    return list(found.values())


def measure_memory(serve_pid: int, pgdata: Path) -> Memory:
    """RSS and PSS of the whole tree, grouped as app / postgres / nats-server."""
    memory = Memory()
    for proc in tree(serve_pid, pgdata):
        try:
            name = proc.name()
            kind = name if name in ("postgres", "nats-server") else "app"
            info = proc.memory_full_info()
        except psutil.Error:
            continue
        memory.rss[kind] = memory.rss.get(kind, 0.0) + info.rss / MB
        memory.pss[kind] = memory.pss.get(kind, 0.0) + getattr(info, "pss", info.rss) / MB
        memory.count[kind] = memory.count.get(kind, 0) + 1
    return memory


async def first_document(port: int, data_dir: Path, secret: str) -> float:
    """Upload a 2-page PDF as a nurse; seconds until its extraction is `done`."""
    db = await embedded_db(data_dir)
    try:
        clinic = Clinic(db, secret)
        _, nurse = await clinic.member("nurse")
        patient, _ = await clinic.member("patient")
    finally:
        await db.close()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        started = time.perf_counter()
        created = await client.post(
            "/api/v1/documents",
            content=make_pdf(0, 2),
            params={"patient_id": str(patient)},
            headers={**nurse, "Content-Type": "application/pdf"},
        )
        created.raise_for_status()
        url = f"/api/v1/documents/{created.json()['id']}"
        while (status := (await client.get(url, headers=nurse)).json()["status"]) != "done":
            if status == "failed" or time.perf_counter() - started > 60:
                raise RuntimeError(f"the first document ended {status}")
            await asyncio.sleep(0.05)
        return time.perf_counter() - started


def stop(proc: subprocess.Popen[bytes], run: Run, scratch: Path) -> None:
    """SIGTERM the serve process; time its exit and the disappearance of its servers."""
    started = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    try:
        run.exit_code = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        kill_tree(proc.pid)
        run.exit_code = proc.wait()
    run.exit_s = time.perf_counter() - started
    while servers_under(scratch) and time.perf_counter() - started < 30:
        time.sleep(0.02)
    run.clean_s = time.perf_counter() - started
    run.leftovers = [p.pid for p in servers_under(scratch)]


def one_run(label: str, args: argparse.Namespace, scratch: Path, data_dir: Path) -> Run:
    """Start `hduce serve`, wait until green, idle, measure memory, SIGTERM it."""
    run = Run(label)
    port = free_port()
    secret = secrets.token_urlsafe(32)
    env = subprocess_env(
        HDUCE_DATA_DIR=str(data_dir),
        HDUCE_SERVER__PORT=str(port),
        HDUCE_PLUGINS__DOCUMENTS__EXTRACTION_IDLE_TIMEOUT=str(args.extraction_idle),
        JWT_SECRET=secret,
    )
    log = scratch / f"serve-{label}.log"
    with log.open("wb") as output:
        # Own session: a Ctrl-C on the bench does not also hit the server; we stop it ourselves.
        proc = subprocess.Popen(
            serve_command(args.config),
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_green(proc, run, port, data_dir / "pg", args.timeout)
        time.sleep(args.idle)
        run.memory = measure_memory(proc.pid, data_dir / "pg")
        run.document_s = asyncio.run(first_document(port, data_dir, secret))
        time.sleep(min(args.idle, args.extraction_idle / 2))
        run.with_extraction = measure_memory(proc.pid, data_dir / "pg")
        time.sleep(args.extraction_idle + 2)
        run.after_idle = measure_memory(proc.pid, data_dir / "pg")
        stop(proc, run, scratch)
    except BaseException:
        print(f"--- tail of {log}:", file=sys.stderr)
        print("\n".join(log.read_text(errors="replace").splitlines()[-15:]), file=sys.stderr)
        raise
    finally:
        if proc.poll() is None:  # interrupted: let it stop its servers, then force it
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                kill_tree(proc.pid)
                proc.wait()
    return run


def extraction_count(run: Run) -> int:
    """Processes the first document added to the tree (the extraction processes)."""
    return sum(run.with_extraction.count.values()) - sum(run.memory.count.values())


def report(runs: list[Run]) -> None:
    """Print the per-run table, then the summary against the targets."""
    print()
    print_table(
        [
            "run",
            "pg ready s",
            "http up s",
            "green s",
            "app MB",
            "pg MB (n)",
            "nats MB",
            "RSS MB",
            "PSS MB",
            "doc s",
            "+extr MB (n)",
            "idle MB",
            "exit s",
            "clean s",
            "code",
            "left",
        ],
        [
            [
                r.label,
                r.pg_ready_s,
                r.listening_s,
                r.green_s,
                r.memory.rss.get("app", 0.0),
                f"{r.memory.rss.get('postgres', 0.0):.1f} ({r.memory.count.get('postgres', 0)})",
                r.memory.rss.get("nats-server", 0.0),
                r.memory.rss_total,
                r.memory.pss_total,
                r.document_s,
                f"{r.with_extraction.rss_total:.0f} ({extraction_count(r)})",
                r.after_idle.rss_total,
                r.exit_s,
                r.clean_s,
                r.exit_code,
                len(r.leftovers),
            ]
            for r in runs
        ],
    )
    cold, warm = runs[0], runs[1:]
    warm_starts = [r.green_s for r in warm]
    rss = [r.memory.rss_total for r in runs]
    print()
    print(f"cold start (initdb + migrations) : {cold.green_s:.2f} s")
    if warm_starts:
        best, mid = min(warm_starts), median(warm_starts)
        print(f"warm start min / median          : {best:.2f} / {mid:.2f} s   (n={len(warm)})")
        print(
            f"  target warm start <= {WARM_TARGET_S:.0f} s       : {verdict(mid <= WARM_TARGET_S)}"
        )
    print(f"idle tree RSS median (max)       : {median(rss):.0f} MB ({max(rss):.0f} MB)")
    print(f"idle tree PSS median             : {median([r.memory.pss_total for r in runs]):.0f} MB")
    print(
        f"  target idle RSS <= {RSS_TARGET_MB:.0f} MB      : {verdict(max(rss) <= RSS_TARGET_MB)}"
    )
    with_doc = [r.with_extraction.rss_total for r in runs]
    after_idle = [r.after_idle.rss_total for r in runs]
    print(f"tree RSS after 1st document      : {median(with_doc):.0f} MB ({max(with_doc):.0f} MB)")
    print(
        f"  ... once extraction went idle  : {median(after_idle):.0f} MB ({max(after_idle):.0f} MB)"
    )
    target = DOCUMENT_RSS_TARGET_MB
    print(f"  target <= {target:.0f} MB with extraction : {verdict(max(with_doc) <= target)}")
    exits = [r.exit_s for r in runs]
    cleans = [r.clean_s for r in runs]
    print(f"shutdown on SIGTERM median (max) : {median(exits):.2f} s ({max(exits):.2f} s)")
    print(f"  ... until no server is left    : {median(cleans):.2f} s ({max(cleans):.2f} s)")
    leftovers = sorted({pid for r in runs for pid in r.leftovers})
    print(f"survivors after SIGTERM          : {leftovers or 'none'}")
    codes = sorted({str(r.exit_code) for r in runs})
    print(f"exit codes on SIGTERM            : {', '.join(codes)}")


def main() -> None:
    """Cold start once, then warm starts, all in one scratch data dir; print the report."""
    args = parse_args()
    exit_on_sigterm()
    runs: list[Run] = []
    with scratch_dir("hduce-bench-startup-", keep=args.keep) as scratch:
        data_dir = scratch / "data"
        print(f"scratch dir {scratch}; command: {' '.join(serve_command(args.config))}")
        for index in range(args.warm_runs + 1):
            label = "cold" if index == 0 else f"warm{index}"
            run = one_run(label, args, scratch, data_dir)
            print(
                f"{label:>6}: green in {run.green_s:.2f} s, "
                f"idle RSS {run.memory.rss_total:.0f} MB, "
                f"stopped in {run.exit_s:.2f} s (exit {run.exit_code})",
                flush=True,
            )
            runs.append(run)
    report(runs)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted")
