"""Booking benchmark: 20 races of 100 bookings (and reschedules) for one slot, bookings/s, SQL.

Run from the repository root: `.venv/bin/python bench/booking.py [--races 20] [--racers 100]`.
Serves the same app as `appointments.py` (see there for the set-up) beside the bare anchor
(`anchors/bare_booking.py`) on the same database, runs booking rounds and races against both
interleaved (A B A B), and counts PostgreSQL's deadlocks (`pg_stat_database.deadlocks` and the
server log) across the race series. Racers are cheap: connections opened before the races,
requests built first and written together, latency counted from the first write.
"""

import argparse
import asyncio
import os
import re
import secrets
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from _common import (
    exit_on_sigterm,
    free_port,
    median,
    percentile,
    scratch_dir,
)
from _races import Races
from appointments import (
    API,
    Clinic,
    booking_phase,
    grid,
    serve_env,
    set_up,
    settle,
)
from auth import anchor_command, client_for, raw_env, serve_command, start, stop, wait_ready
from hduce.runtime import EmbeddedPostgres

BENCH_APP = "hduce-bench"
DEADLOCKS = "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
# With `log_line_prefix = '%a|'` each line starts with the session's application_name (the
# app sets none: `[unknown]`); the bench's own connection is left out.
APP_STATEMENT = re.compile(
    rf"^(?!{BENCH_APP}\|)[^|\n]*\|LOG:\s+(statement|execute [^:]*):", re.MULTILINE
)


def parse_args() -> argparse.Namespace:
    """Size flags."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practitioners", type=int, default=10, help="doctors per app")
    parser.add_argument("--seconds", type=float, default=5.0, help="free-slot booking phase")
    parser.add_argument("--clients", type=int, default=8, help="clients booking free slots")
    parser.add_argument("--rounds", type=int, default=3, help="booking rounds of each app")
    parser.add_argument("--racers", type=int, default=100, help="requests racing for one slot")
    parser.add_argument("--races", type=int, default=20, help="booking races")
    parser.add_argument("--reschedule-races", type=int, default=5, help="reschedule races")
    parser.add_argument("--counted", type=int, default=30, help="bookings whose SQL is counted")
    parser.add_argument("--race-timeout", type=float, default=60.0, help="give up on a race")
    parser.add_argument("--no-anchor", action="store_true", help="skip the bare booking app")
    parser.add_argument("--config", default="config/test.toml", help="config for serve")
    parser.add_argument("--timeout", type=float, default=120.0, help="max seconds to go green")
    parser.add_argument("--keep", action="store_true", help="keep the scratch dir and logs")
    return parser.parse_args()


async def reschedule_races(
    args: argparse.Namespace,
    client: httpx.AsyncClient,
    port: int,
    clinic: Clinic,
    type_id: str,
    doctor: uuid.UUID,
) -> Races:
    """Each racer holds a booking of its own, then all move it to the same slot at once."""
    races = Races("reschedule race", args.race_timeout)
    patients = [(await clinic.member("patient"))[1] for _ in range(args.racers)]
    for race in range(args.reschedule_races):
        first_day = 100 + race * (args.racers // 20 + 2)
        booked = []
        for index, headers in enumerate(patients):
            body = {"practitioner_id": str(doctor), "type_id": type_id}
            body["starts_at"] = grid(first_day + index // 20, index % 20)
            response = await client.post(API, json=body, headers=headers)
            response.raise_for_status()
            booked.append(response.json()["id"])
        target = {"starts_at": grid(first_day - 1, 0)}
        calls = [
            (f"{API}/{appointment}/reschedule", target, headers)
            for appointment, headers in zip(booked, patients, strict=True)
        ]
        await races.run(port, calls)
    return races


async def statements_per_booking(
    args: argparse.Namespace,
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    log: Path,
    clinic: Clinic,
    type_id: str,
    doctor: uuid.UUID,
) -> float:
    """Statements the app sends per booking, its relay and tasks included (PostgreSQL's log)."""
    _, headers = await clinic.member("patient")
    await db.execute("ALTER SYSTEM SET log_line_prefix = '%a|'")
    await db.execute("ALTER SYSTEM SET log_statement = 'all'")
    await db.execute("SELECT pg_reload_conf()")
    await asyncio.sleep(1)  # every backend reads the new settings before its next statement
    offset = log_size(log)
    for index in range(args.counted):
        body = {"practitioner_id": str(doctor), "type_id": type_id}
        body["starts_at"] = grid(200 + index // 20, index % 20)
        (await client.post(API, json=body, headers=headers)).raise_for_status()
    await settle(db)
    logged = log_from(log, offset)
    await db.execute("ALTER SYSTEM RESET log_statement")
    await db.execute("ALTER SYSTEM RESET log_line_prefix")
    await db.execute("SELECT pg_reload_conf()")
    return len(APP_STATEMENT.findall(logged)) / args.counted


@dataclass
class Side:
    """One app under test: where it listens, a client, its doctors, what it measured."""

    label: str
    port: int
    client: httpx.AsyncClient
    doctors: list[uuid.UUID]
    rates: list[float] = field(default_factory=list)
    p50_ms: list[float] = field(default_factory=list)

    def doctors_of(self, round_: int, practitioners: int) -> list[uuid.UUID]:
        """The doctors of one booking round (each round books doctors of its own)."""
        return self.doctors[round_ * practitioners : (round_ + 1) * practitioners]

    def summary(self) -> str:
        """Min/median bookings/s over the rounds."""
        return (
            f"{self.label} bookings/s min/median {min(self.rates):.1f}/{median(self.rates):.1f}"
            f" (rounds {', '.join(f'{r:.1f}' for r in self.rates)}; "
            f"p50 median {median(self.p50_ms):.1f} ms)"
        )


@asynccontextmanager
async def anchor_running(
    args: argparse.Namespace, scratch: Path, dsn: str, secret: str
) -> AsyncIterator[tuple[int, httpx.AsyncClient]]:
    """`anchors/bare_booking.py` under uvicorn on the same database; its port and a client."""
    port = free_port()
    anchor = start(
        anchor_command(port, "bare_booking:app"), raw_env(dsn, secret), scratch / "anchor.log"
    )
    try:
        async with client_for(f"http://127.0.0.1:{port}", args.clients) as client:
            await wait_ready(client, "/", anchor, args.timeout)
            yield port, client
    finally:
        stop(anchor)


async def interleaved(
    args: argparse.Namespace,
    db: asyncpg.Connection,
    clinic: Clinic,
    type_id: str,
    sides: list[Side],
) -> list[Races]:
    """Booking rounds A B A B ..., then booking races A B A B ...; each side's races."""
    for round_ in range(args.rounds):
        for side in sides:
            doctors = side.doctors_of(round_, args.practitioners)
            phase = await booking_phase(args, side.client, clinic, type_id, doctors)
            side.rates.append(phase.ok / phase.seconds)
            side.p50_ms.append(percentile(phase.latencies_ms, 50))
            await settle(db)
    series = [Races(f"{side.label} booking race", args.race_timeout) for side in sides]
    patients = [(await clinic.member("patient"))[1] for _ in range(args.racers)]
    for race in range(args.races):
        for side, races in zip(sides, series, strict=True):
            body = {"practitioner_id": str(side.doctors[-1]), "type_id": type_id}
            body["starts_at"] = grid(40 + race // 20, race % 20)
            await races.run(side.port, [(API, body, headers) for headers in patients])
    return series


async def run_bench(args: argparse.Namespace, scratch: Path) -> list[str]:
    """Start `hduce serve` (and the anchor), set the clinic up, run every phase; the report."""
    data_dir, port, secret = scratch / "data", free_port(), secrets.token_urlsafe(32)
    env = serve_env(data_dir, port, secret, HDUCE_PLUGINS__APPOINTMENTS__HORIZON="400d")
    serve: subprocess.Popen[bytes] = start(serve_command(args.config), env, scratch / "serve.log")
    base = f"http://127.0.0.1:{port}"
    try:
        async with client_for(base, args.clients) as client, AsyncExitStack() as stack:
            await wait_ready(client, "/health/detailed", serve, args.timeout)
            pg = EmbeddedPostgres(data_dir / "pg")
            dsn = pg.status().dsn
            if dsn is None:
                raise RuntimeError("the embedded PostgreSQL of `hduce serve` is not running")
            settings = {"application_name": BENCH_APP}
            db = await asyncpg.connect(dsn, server_settings=settings)
            stack.push_async_callback(db.close)
            clinic = Clinic(db, secret)
            # Each side books doctors of its own in each round, plus one for races and one for
            # the counted and reschedule bookings: no slot is booked twice.
            per_side = (args.rounds + 1) * args.practitioners
            names = ["HDuce"] if args.no_anchor else ["HDuce", "anchor"]
            type_id, everyone = await set_up(client, clinic, len(names) * per_side)
            sides = [Side("HDuce", port, client, everyone[:per_side])]
            if not args.no_anchor:
                their_port, theirs = await stack.enter_async_context(
                    anchor_running(args, scratch, dsn, secret)
                )
                sides.append(Side("anchor", their_port, theirs, everyone[per_side:]))
            deadlocks, logged = await db.fetchval(DEADLOCKS), deadlock_lines(pg.log_file)
            series = await interleaved(args, db, clinic, type_id, sides)
            doctors = sides[0].doctors
            moved = await reschedule_races(args, client, port, clinic, type_id, doctors[-2])
            await asyncio.sleep(11)  # backends flush their statistics within 10 s of idling
            await db.execute("SELECT pg_stat_clear_snapshot()")
            deadlocks = await db.fetchval(DEADLOCKS) - deadlocks
            logged = deadlock_lines(pg.log_file) - logged
            await settle(db)
            sql = await statements_per_booking(
                args, client, db, pg.log_file, clinic, type_id, doctors[-3]
            )
    finally:
        stop(serve)
    lines = [side.summary() for side in sides]
    if not args.no_anchor:
        ratio = median(sides[0].rates) / median(sides[1].rates)
        each = ", ".join(
            f"{a / b:.2f}" for a, b in zip(sides[0].rates, sides[1].rates, strict=True)
        )
        lines.append(f"HDuce / anchor bookings/s (medians) {ratio:.2f}; per round {each}")
    lines += [
        f"SQL statements per booking (request, relay and tasks): {sql:.1f}",
        *(races.summary() for races in series),
        moved.summary(),
        f"deadlocks during the races (both apps): pg_stat_database {deadlocks}, "
        f"server log {logged}",
        f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
    ]
    return lines


def log_size(log: Path) -> int:
    """The server log's length in bytes."""
    return log.stat().st_size


def log_from(log: Path, offset: int) -> str:
    """The server log from byte `offset` on."""
    with log.open("rb") as handle:
        handle.seek(offset)
        return handle.read().decode(errors="replace")


def deadlock_lines(log: Path) -> int:
    """How many deadlocks the server has logged."""
    return log.read_text(errors="replace").count("deadlock detected")


def main() -> None:
    """Run the benchmark in a scratch data dir and print the report."""
    args = parse_args()
    exit_on_sigterm()
    with scratch_dir("hduce-bench-booking-", keep=args.keep) as scratch:
        print(f"scratch dir {scratch}; command: {' '.join(serve_command(args.config))}")
        try:
            lines = asyncio.run(run_bench(args, scratch))
        except BaseException:
            serve_log = scratch / "serve.log"
            if serve_log.exists():
                tail = serve_log.read_text(errors="replace").splitlines()[-15:]
                print("--- tail of serve.log:", *tail, sep="\n", file=sys.stderr)
            raise
    print()
    print(*lines, sep="\n")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted")
