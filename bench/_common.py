"""Helpers shared by the benchmarks: scratch dirs, process cleanup, percentiles, tables."""

import argparse
import asyncio
import math
import os
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import warnings
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import psutil

from hduce.runtime import EmbeddedNats, EmbeddedPostgres

REPO_ROOT = Path(__file__).resolve().parents[1]
SERVER_NAMES = ("postgres", "nats-server")

# pgserver asks platformdirs for a runtime dir at import; the fallback under /tmp is fine here.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", category=UserWarning)


def exit_on_sigterm() -> None:
    """Make SIGTERM unwind like Ctrl-C, so every `finally` that stops a server runs."""

    def handler(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def servers_under(path: Path) -> list[psutil.Process]:
    """Live postgres / nats-server processes whose command line or cwd mentions `path`."""
    marker = str(path)
    found = []
    for proc in psutil.process_iter(["name", "cmdline", "cwd", "status"]):
        info = proc.info
        if info["name"] not in SERVER_NAMES or info["status"] == psutil.STATUS_ZOMBIE:
            continue
        if marker in " ".join(info["cmdline"] or []) or marker in (info["cwd"] or ""):
            found.append(proc)
    return found


def reap_servers(path: Path, timeout: float = 10.0) -> list[int]:
    """Stop, by pid, every server left under `path`; return the pids that had to be stopped."""
    leftovers = servers_under(path)
    for proc in leftovers:
        # SIGINT is a postmaster's fast shutdown; nats-server stops on SIGTERM.
        sig = signal.SIGINT if proc.info["name"] == "postgres" else signal.SIGTERM
        _signal(proc, sig)
    _, alive = psutil.wait_procs(leftovers, timeout=timeout)
    for proc in alive:
        _signal(proc, signal.SIGKILL)
    psutil.wait_procs(alive, timeout=timeout)
    return [proc.pid for proc in leftovers]


def kill_tree(pid: int) -> None:
    """SIGKILL a process and every descendant of it, by pid."""
    try:
        parent = psutil.Process(pid)
        victims = [*parent.children(recursive=True), parent]
    except psutil.NoSuchProcess:
        return
    for victim in victims:
        _signal(victim, signal.SIGKILL)
    psutil.wait_procs(victims, timeout=10)


def _signal(proc: psutil.Process, sig: int) -> None:
    with suppress(psutil.NoSuchProcess, psutil.AccessDenied):
        proc.send_signal(sig)


@contextmanager
def scratch_dir(prefix: str, *, keep: bool = False, reuse: Path | None = None) -> Iterator[Path]:
    """A fresh folder under /tmp (never /root), or `reuse` (one kept before, kept again); every
    server under it is stopped on exit."""
    if reuse is not None and not reuse.is_dir():
        raise SystemExit(f"no kept scratch dir at {reuse}")
    folder = reuse or Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    keep = keep or reuse is not None
    try:
        yield folder
    finally:
        leaked = reap_servers(folder)
        if leaked:
            print(f"warning: had to stop leftover servers {leaked} under {folder}", file=sys.stderr)
        remaining = servers_under(folder)
        if remaining:
            pids = [p.pid for p in remaining]
            print(f"ERROR: servers still alive under {folder}: {pids}", file=sys.stderr)
        else:
            print(f"cleanup: no postgres/nats-server left under {folder}")
        if keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def at_least_one(text: str) -> int:
    """A whole number of at least 1 (argparse type), for counts a bench divides by."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port the kernel reports as unused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def subprocess_env(**extra: str) -> dict[str, str]:
    """This environment without HDUCE_* and seed variables, plus `extra`."""
    seeds = {"DATABASE_URL", "JWT_SECRET", "JWT_ALGORITHM", "TOKEN_EXPIRY", "LOG_LEVEL", "DEBUG"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("HDUCE_") and k not in seeds}
    env.update(extra)
    return env


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    """The median, NaN for no values."""
    return statistics.median(values) if values else math.nan


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a plain, right-aligned text table."""
    cells = [[str(h) for h in headers], *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        print("  ".join(value.rjust(width) for value, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def verdict(ok: bool) -> str:
    """PASS or MISS."""
    return "PASS" if ok else "MISS"


def run_with_servers(
    prefix: str,
    bench: Callable[[str, str], Coroutine[Any, Any, None]],
    *,
    keep: bool = False,
    reuse: Path | None = None,
    shared_buffers: str = "auto",
) -> None:
    """Start embedded PostgreSQL and NATS in a scratch dir, run `bench(dsn, nats_url)`, stop both.

    `reuse`: the scratch dir of an earlier run kept with `keep`, its database as that run left it.
    SIGTERM exits with 143 after the servers are stopped.
    """
    exit_on_sigterm()
    with scratch_dir(prefix, keep=keep, reuse=reuse) as scratch:
        postgres = EmbeddedPostgres(scratch / "pg", shared_buffers=shared_buffers)
        nats_server = EmbeddedNats(scratch / "nats")
        try:
            dsn = postgres.start()
            nats_url = nats_server.start()
            try:
                asyncio.run(bench(dsn, nats_url))
            except asyncio.CancelledError:
                raise SystemExit(128 + signal.SIGTERM) from None
        finally:
            nats_server.stop()
            postgres.stop()
