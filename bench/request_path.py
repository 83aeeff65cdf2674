"""Request-path benchmark: `/users/me` and a 20-row appointment page, HDuce against anchors.

Anchors on the same database (`bench/anchors/`): Starlette+asyncpg, FastAPI+asyncpg, and for
`/users/me` the bare ASGI app with HDuce's token cache (`bare_me.py`). Rounds interleave every
server (A B C D, A B C D...). Load comes from `wrk` when it is on PATH, else (with a
warning) from the Python keep-alive client, which shares the cores and flatters the ratios.

Run from the repository root: `.venv/bin/python bench/request_path.py [--rounds 3] [--seconds 3]`.
"""

import argparse
import asyncio
import secrets
import sys
from pathlib import Path

import asyncpg

from _common import free_port, median, print_table, scratch_dir
from _load import Rate, server_rate, wrk_available
from appointments import API, Clinic, grid, serve_env, set_up
from auth import anchor_command, client_for, raw_env, serve_command, start, stop, wait_ready
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


async def measure(
    args: argparse.Namespace, servers: dict[str, tuple[int, int]], headers: dict[str, str]
) -> dict[tuple[str, str], list[Rate]]:
    """Every (route, server: (port, pid)) once per round, interleaved; a warm-up round first."""
    use_wrk = wrk_available(args.python_client)

    async def rate(server: str, path: str) -> Rate:
        return await server_rate(
            servers[server],
            path,
            headers,
            connections=args.connections,
            seconds=args.seconds,
            use_wrk=use_wrk,
        )

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
