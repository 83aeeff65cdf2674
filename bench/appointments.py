"""Appointments benchmark: bookings/s, the 100-way race for one slot, 30-day slot searches.

Run from the repository root: `.venv/bin/python bench/appointments.py [--seconds 5] [--races 3]`.
"""

import argparse
import asyncio
import secrets
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

from _common import exit_on_sigterm, free_port, percentile, print_table, scratch_dir, subprocess_env
from _races import Races
from auth import client_for, serve_command, start, stop, wait_ready
from hduce.core.config import AuthSettings
from hduce.core.security import Principal, TokenService
from hduce.runtime import EmbeddedPostgres

API = "/api/v1/appointments"
PLUGINS = '["metrics","audit","auth","users","notifications","appointments"]'
UNLIMITED = "1000000000"
INSERT_ACCOUNT = """
INSERT INTO account (id, email, username, password_hash, roles, status, email_verified_at)
VALUES ($1, $2, $3, 'not-a-hash', $4, 'active', now())
"""
WORKDAY = [{"weekday": d, "start": "08:00:00", "end": "18:00:00"} for d in range(7)]


@dataclass
class Phase:
    """What one phase measured."""

    label: str
    ok: int = 0
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)

    def row(self) -> list[object]:
        """A line of the results table."""
        rate = self.ok / self.seconds if self.seconds else 0.0
        lat = self.latencies_ms
        statuses = ", ".join(f"{k} x{v}" for k, v in sorted(self.statuses.items()))
        return [
            self.label,
            self.ok,
            rate,
            percentile(lat, 50),
            percentile(lat, 95),
            percentile(lat, 99),
            statuses,
        ]


def parse_args() -> argparse.Namespace:
    """Size flags (small defaults)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practitioners", type=int, default=20, help="doctors (default 20)")
    parser.add_argument("--seconds", type=float, default=5.0, help="booking phase length")
    parser.add_argument("--clients", type=int, default=8, help="concurrent booking clients")
    parser.add_argument("--racers", type=int, default=100, help="bookings racing for one slot")
    parser.add_argument("--races", type=int, default=3, help="races, each for a new slot")
    parser.add_argument("--searches", type=int, default=5, help="30-day searches per doctor")
    parser.add_argument("--search-clients", type=int, default=4, help="concurrent searches")
    parser.add_argument("--config", default="config/test.toml", help="config for serve")
    parser.add_argument("--timeout", type=float, default=120.0, help="max seconds to go green")
    parser.add_argument("--keep", action="store_true", help="keep the scratch dir and logs")
    return parser.parse_args()


class Clinic:
    """Accounts made straight in the database, with access tokens signed by the server's key."""

    def __init__(self, db: asyncpg.Connection, secret: str) -> None:
        self._db = db
        self._tokens = TokenService(AuthSettings(jwt_secret=secret))

    async def member(self, role: str) -> tuple[uuid.UUID, dict[str, str]]:
        """A new active account with `role` and its bearer header."""
        account_id = uuid.uuid4()
        name = f"bench_{account_id.hex[:16]}"
        await self._db.execute(INSERT_ACCOUNT, account_id, f"{name}@example.com", name, [role])
        token, _ = self._tokens.issue(Principal(id=account_id, roles=frozenset({role})))
        return account_id, {"Authorization": f"Bearer {token}"}


async def timed(phase: Phase, request: Awaitable[httpx.Response]) -> int:
    """Await one request, recording its status and latency."""
    sent = time.perf_counter()
    try:
        status = (await request).status_code
    except httpx.HTTPError:
        status = 0
    phase.latencies_ms.append((time.perf_counter() - sent) * 1000)
    phase.statuses[status] += 1
    return status


async def set_up(
    client: httpx.AsyncClient, clinic: Clinic, practitioners: int
) -> tuple[str, list[uuid.UUID]]:
    """One appointment type offered by every doctor, each working 08:00-18:00 UTC daily."""
    _, admin = await clinic.member("admin")
    doctors = [(await clinic.member("doctor"))[0] for _ in range(practitioners)]
    body = {
        "name": "Consultation",
        "duration_minutes": 30,
        "buffer_after_minutes": 0,
        "practitioner_ids": [str(d) for d in doctors],
    }
    response = await client.post(f"{API}/types", json=body, headers=admin)
    response.raise_for_status()
    for doctor in doctors:
        hours = {"timezone": "UTC", "weekly_hours": WORKDAY}
        (
            await client.put(f"{API}/availability/{doctor}", json=hours, headers=admin)
        ).raise_for_status()
    return response.json()["id"], doctors


def grid(day_offset: int, index: int) -> str:
    """The `index`-th half hour from 08:00 UTC, `day_offset` days ahead."""
    day = (datetime.now(UTC) + timedelta(days=day_offset)).date()
    start = datetime(day.year, day.month, day.day, 8, tzinfo=UTC) + timedelta(minutes=30 * index)
    return start.isoformat()


async def booking_phase(
    args: argparse.Namespace,
    client: httpx.AsyncClient,
    clinic: Clinic,
    type_id: str,
    doctors: list[uuid.UUID],
) -> Phase:
    """Each client books successive free half hours of its own doctor for one patient."""
    phase = Phase("POST /appointments (free slots)")

    patients = [(await clinic.member("patient"))[1] for _ in range(args.clients)]

    async def one_client(index: int) -> None:
        headers = patients[index]
        doctor = doctors[index % len(doctors)]
        deadline = started + args.seconds
        for n in range(10_000):
            if time.perf_counter() >= deadline:
                return
            body = {
                "practitioner_id": str(doctor),
                "type_id": type_id,
                "starts_at": grid(1 + n // 20 + index // len(doctors) * 15, n % 20),
            }
            if await timed(phase, client.post(API, json=body, headers=headers)) == 201:
                phase.ok += 1

    started = time.perf_counter()
    await asyncio.gather(*(one_client(i) for i in range(args.clients)))
    phase.seconds = time.perf_counter() - started
    return phase


async def settle(db: asyncpg.Connection, limit_s: float = 60.0) -> None:
    """Wait until the relay has dispatched every due event, for a quiet next phase."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        due = await db.fetchval(
            "SELECT count(*) FROM outbox WHERE dispatched_at IS NULL AND available_at <= now()"
        )
        if due == 0:
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(2)  # the tasks those events started


async def race_phase(
    args: argparse.Namespace, port: int, clinic: Clinic, type_id: str, doctor: uuid.UUID
) -> Races:
    """`--racers` patients book the same slot at once, `--races` times, each a new slot."""
    races = Races(f"{args.racers}-way race", timeout=60.0)
    patients = [(await clinic.member("patient"))[1] for _ in range(args.racers)]
    for race in range(args.races):
        body = {"practitioner_id": str(doctor), "type_id": type_id, "starts_at": grid(40, race)}
        await races.run(port, [(API, body, headers) for headers in patients])
    return races


async def search_phase(
    args: argparse.Namespace,
    client: httpx.AsyncClient,
    clinic: Clinic,
    type_id: str,
    doctors: list[uuid.UUID],
) -> Phase:
    """30-day free-slot searches over every doctor, `--search-clients` at a time."""
    phase = Phase(f"GET /slots, 30 days x {len(doctors)} doctors")
    _, headers = await clinic.member("patient")
    now = datetime.now(UTC)
    params = [
        {
            "practitioner_id": str(d),
            "type_id": type_id,
            "start": now.isoformat(),
            "end": (now + timedelta(days=30)).isoformat(),
        }
        for d in doctors
    ]
    queue = [p for _ in range(args.searches) for p in params]
    slots_seen: list[int] = []

    async def one_client() -> None:
        while queue:
            query = queue.pop()
            sent = time.perf_counter()
            response = await client.get(f"{API}/slots", params=query, headers=headers)
            phase.latencies_ms.append((time.perf_counter() - sent) * 1000)
            phase.statuses[response.status_code] += 1
            if response.status_code == 200:
                phase.ok += 1
                slots_seen.append(len(response.json()["slots"]))

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(args.search_clients)))
    phase.seconds = time.perf_counter() - started
    print(f"slots per 30-day search: {min(slots_seen)}..{max(slots_seen)}", flush=True)
    return phase


def serve_env(data_dir: Path, port: int, secret: str, **extra: str) -> dict[str, str]:
    """`hduce serve` with the appointments plugin, no minimum notice and no global rate limit."""
    return subprocess_env(
        HDUCE_DATA_DIR=str(data_dir),
        HDUCE_SERVER__PORT=str(port),
        HDUCE_PLUGINS__ENABLED=PLUGINS,
        HDUCE_PLUGINS__APPOINTMENTS__MIN_NOTICE="0s",
        HDUCE_SERVER__RATE_LIMIT_PER_MINUTE=UNLIMITED,
        JWT_SECRET=secret,
        **extra,
    )


async def run_bench(args: argparse.Namespace, scratch: Path) -> tuple[list[Phase], Races]:
    """Start `hduce serve`, set the clinic up, run every phase."""
    data_dir, port, secret = scratch / "data", free_port(), secrets.token_urlsafe(32)
    env = serve_env(data_dir, port, secret)
    serve: subprocess.Popen[bytes] = start(serve_command(args.config), env, scratch / "serve.log")
    base = f"http://127.0.0.1:{port}"
    try:
        async with client_for(base, max(args.clients, args.search_clients)) as client:
            await wait_ready(client, "/health/detailed", serve, args.timeout)
            dsn = EmbeddedPostgres(data_dir / "pg").status().dsn
            if dsn is None:
                raise RuntimeError("the embedded PostgreSQL of `hduce serve` is not running")
            db = await asyncpg.connect(dsn)
            try:
                clinic = Clinic(db, secret)
                type_id, doctors = await set_up(client, clinic, args.practitioners)
                bookings = await booking_phase(args, client, clinic, type_id, doctors)
                print(f"bookings: {bookings.ok / bookings.seconds:.1f}/s", flush=True)
                await settle(db)
                races = await race_phase(args, port, clinic, type_id, doctors[-1])
                await settle(db)
                search = await search_phase(args, client, clinic, type_id, doctors)
            finally:
                await db.close()
        return [bookings, search], races
    except BaseException:
        log = scratch / "serve.log"
        if log.exists():
            print("--- tail of serve.log:", file=sys.stderr)
            print("\n".join(log.read_text(errors="replace").splitlines()[-15:]), file=sys.stderr)
        raise
    finally:
        stop(serve)


def report(args: argparse.Namespace, phases: list[Phase], races: Races) -> None:
    """Print the table and the headline figures."""
    bookings, search = phases
    print()
    print_table(
        ["phase", "ok", "per s", "p50 ms", "p95 ms", "p99 ms", "statuses"],
        [phase.row() for phase in phases],
    )
    print()
    print(f"bookings sustained ({args.clients} clients) : {bookings.ok / bookings.seconds:.1f}/s")
    print(f"winners per race                  : {races.winners}")
    print(races.summary())
    print(
        f"30-day slot search p50 / p95      : {percentile(search.latencies_ms, 50):.1f} / "
        f"{percentile(search.latencies_ms, 95):.1f} ms"
    )


def main() -> None:
    """Run the benchmark in a scratch data dir and print the report."""
    args = parse_args()
    exit_on_sigterm()
    with scratch_dir("hduce-bench-appointments-", keep=args.keep) as scratch:
        print(f"scratch dir {scratch}; command: {' '.join(serve_command(args.config))}")
        phases, races = asyncio.run(run_bench(args, scratch))
    report(args, phases, races)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted")
