"""Request-path benchmark: `/users/me` and a 20-row appointment page, HDuce against anchors.

Anchors on the same database (`bench/anchors/`): Starlette+asyncpg, FastAPI+asyncpg, and for
`/users/me` the bare ASGI app with HDuce's token cache (`bare_me.py`). Rounds interleave every
server (A B C D, A B C D...). Load comes from `wrk` when it is on PATH, else (with a
warning) from the Python keep-alive client, which shares the cores and flatters the ratios.

Run from the repository root: `.venv/bin/python bench/request_path.py [--rounds 3] [--seconds 3]`.
"""

import argparse
import asyncio
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import asyncpg
import psutil

from _common import free_port, median, print_table, scratch_dir
from _keepalive import KeepAliveClient
from appointments import API, Clinic, grid, serve_env, set_up
from auth import anchor_command, client_for, hammer, raw_env, serve_command, start, stop, wait_ready
from hduce.runtime import EmbeddedPostgres

ME, PAGE = "/api/v1/users/me", f"{API}?limit=20"
# (label, target): HDuce and the anchors serving both routes, then the bare one (`/me` only).
SERVERS = [("starlette", "starlette_app:app"), ("fastapi", "fastapi_app:app")]
TARGETS = {
    "GET /users/me": ["hduce", "starlette", "fastapi", "bare"],
    "GET /appointments?limit=20": ["hduce", "starlette", "fastapi"],
}
RATIO_GOALS = {
    ("GET /users/me", "starlette"): 0.95,
    ("GET /users/me", "bare"): 0.5,
    ("GET /appointments?limit=20", "starlette"): 0.9,
}


class Rate(NamedTuple):
    """One measurement: answers per second, answers, server CPU µs per answer."""

    per_s: float
    requests: int
    cpu_us: float = 0.0


def parse_args() -> argparse.Namespace:
    """Size flags (small defaults)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--seconds", type=int, default=3, help="each measurement (default 3)")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections")
    parser.add_argument("--rows", type=int, default=25, help="the patient's appointments")
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    parser.add_argument("--config", default="config/test.toml", help="config for serve")
    parser.add_argument("--timeout", type=float, default=120.0, help="max seconds to go green")
    parser.add_argument("--keep", action="store_true", help="keep the scratch dir and logs")
    return parser.parse_args()


def wrk_rate(port: int, path: str, headers: dict[str, str], args: argparse.Namespace) -> Rate:
    """Requests/s `wrk` measured; non-2xx answers are an error, not a rate."""
    command = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    if bad := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        raise RuntimeError(f"{bad.group(1)} failed answers from port {port}{path}:\n{output}")
    found = re.search(r"(\d+) requests in [\d.]+\w+.*Requests/sec:\s+([\d.]+)", output, re.S)
    if found is None:
        raise RuntimeError(f"no rate in wrk's output:\n{output}")
    return Rate(float(found.group(2)), int(found.group(1)))


async def python_rate(
    port: int, path: str, headers: dict[str, str], args: argparse.Namespace
) -> Rate:
    """Requests/s of the Python keep-alive client (only 200s count)."""
    connections = [KeepAliveClient("127.0.0.1", port) for _ in range(args.connections)]

    async def request(index: int, _: int) -> int:
        return await connections[index].get(path, headers)

    try:
        load = await hammer(path, args.connections, args.seconds, request)
    finally:
        await asyncio.gather(*(c.close() for c in connections))
    if load.errors:
        raise RuntimeError(f"failed answers from port {port}{path}: {dict(load.errors)}")
    return Rate(load.rate, load.ok)


async def measure(
    args: argparse.Namespace, servers: dict[str, tuple[int, int]], headers: dict[str, str]
) -> dict[tuple[str, str], list[Rate]]:
    """Every (route, server: (port, pid)) once per round, interleaved; a warm-up round first.

    Each measurement also takes the CPU time the server process spent per answered request,
    a figure the other load on a shared machine moves much less than the rate.
    """
    use_wrk = not args.python_client and shutil.which("wrk") is not None
    if not use_wrk:
        print(
            "warning: wrk not on PATH (or --python-client): the Python client shares the cores "
            "with the servers and flattens the ratios",
            file=sys.stderr,
        )

    async def rate(server: str, path: str) -> Rate:
        port, pid = servers[server]
        process = psutil.Process(pid)
        cpu_before = sum(process.cpu_times()[:2])
        if use_wrk:
            measured = await asyncio.to_thread(wrk_rate, port, path, headers, args)
        else:
            measured = await python_rate(port, path, headers, args)
        cpu = sum(process.cpu_times()[:2]) - cpu_before
        return measured._replace(cpu_us=cpu * 1e6 / max(measured.requests, 1))

    rates: dict[tuple[str, str], list[Rate]] = {}
    for round_index in range(args.rounds + 1):
        for route, names in TARGETS.items():
            for server in names:
                path = "/me" if server == "bare" else (ME if route == "GET /users/me" else PAGE)
                value = await rate(server, path)
                if round_index:  # round 0 warms every server up
                    rates.setdefault((route, server), []).append(value)
                    print(
                        f"round {round_index} {route} {server}: {value.per_s:.0f} req/s, "
                        f"{value.cpu_us:.0f} µs CPU/request",
                        flush=True,
                    )
    return rates


async def book_page(args: argparse.Namespace, base: str, clinic: Clinic) -> dict[str, str]:
    """A patient with `--rows` appointments; their bearer header."""
    _, patient = await clinic.member("patient")
    async with client_for(base, 1) as client:
        type_id, doctors = await set_up(client, clinic, 1)
        for n in range(args.rows):
            body = {
                "practitioner_id": str(doctors[0]),
                "type_id": type_id,
                "starts_at": grid(1 + n // 20, n % 20),
            }
            (await client.post(API, json=body, headers=patient)).raise_for_status()
    return patient


async def run_bench(args: argparse.Namespace, scratch: Path) -> dict[tuple[str, str], list[float]]:
    """Start HDuce and the anchors on one database, book the page, measure."""
    data_dir, port, secret = scratch / "data", free_port(), secrets.token_urlsafe(32)
    env = serve_env(data_dir, port, secret)
    processes = [start(serve_command(args.config), env, scratch / "serve.log")]
    servers = {"hduce": (port, processes[0].pid)}
    try:
        async with client_for(f"http://127.0.0.1:{port}", 1) as client:
            await wait_ready(client, "/health/detailed", processes[0], args.timeout)
        dsn = EmbeddedPostgres(data_dir / "pg").status().dsn
        if dsn is None:
            raise RuntimeError("the embedded PostgreSQL of `hduce serve` is not running")
        db = await asyncpg.connect(dsn)
        try:
            headers = await book_page(args, f"http://127.0.0.1:{port}", Clinic(db, secret))
        finally:
            await db.close()
        anchors = [("bare", anchor_command(free_port()))]
        anchors += [(name, anchor_command(free_port(), target)) for name, target in SERVERS]
        for name, command in anchors:
            anchor_port = int(command[command.index("--port") + 1])
            processes.append(start(command, raw_env(dsn, secret), scratch / f"{name}.log"))
            servers[name] = (anchor_port, processes[-1].pid)
            async with client_for(f"http://127.0.0.1:{anchor_port}", 1) as client:
                ready = "/me" if name == "bare" else ME
                await wait_ready(client, ready, processes[-1], args.timeout)
        return await measure(args, servers, headers)
    except BaseException:
        print_logs(scratch)
        raise
    finally:
        for process in reversed(processes):
            stop(process)


def print_logs(scratch: Path) -> None:
    """The last lines of every server's log."""
    for log in sorted(scratch.glob("*.log")):
        print(f"--- tail of {log}:", file=sys.stderr)
        print("\n".join(log.read_text(errors="replace").splitlines()[-15:]), file=sys.stderr)


def report(rates: dict[tuple[str, str], list[Rate]]) -> None:
    """min/median req/s and CPU µs/request of each server; HDuce's ratios (medians) to each."""
    rows = []
    for (route, server), values in rates.items():
        per_s = [v.per_s for v in values]
        cpu = [v.cpu_us for v in values]
        hduce = rates[route, "hduce"]
        ratio = median([v.per_s for v in hduce]) / median(per_s)
        cpu_ratio = median(cpu) / median([v.cpu_us for v in hduce])
        goal = RATIO_GOALS.get((route, server), "-")
        rows.append([route, server, min(per_s), median(per_s), ratio])
        rows[-1] += [min(cpu), median(cpu), cpu_ratio, goal]
    print()
    headers = ["route", "server", "min req/s", "median req/s", "HDuce ÷", "min µs", "median µs"]
    print_table([*headers, "HDuce ÷ (CPU)", "goal"], rows)


def main() -> None:
    """Run the benchmark in a scratch data dir and print the report."""
    args = parse_args()
    with scratch_dir("hduce-bench-request-path-", keep=args.keep) as scratch:
        rates = asyncio.run(run_bench(args, scratch))
    report(rates)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted")
