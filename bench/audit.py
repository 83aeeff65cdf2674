"""Audit benchmark: audited writes/s when many transactions append to the one hash chain.

Run from the repository root: `.venv/bin/python bench/audit.py [--seconds 5] [--clients 8]`.
In-process: an embedded PostgreSQL, the migrations, and the plugin's `AuditService`.
"""

import argparse
import asyncio
import sys
import time
import uuid

from _common import percentile, print_table, run_with_servers
from hduce.core.config import DatabaseSettings
from hduce.core.db import Database, open_database
from hduce.core.migrations import apply_migrations
from hduce.piccolo_conf import DB
from hduce.plugins.audit.services import AuditService, verify_chain
from hduce.plugins.audit.store import AuditStore


def parse_args() -> argparse.Namespace:
    """Size flags (small defaults)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each phase")
    parser.add_argument("--clients", type=int, default=8, help="concurrent writers")
    parser.add_argument("--work-ms", type=float, default=2.0, help="caller's work after appending")
    parser.add_argument("--keep", action="store_true", help="keep the scratch dir and logs")
    return parser.parse_args()


async def phase(audit: AuditService, args: argparse.Namespace, work_ms: float) -> list[object]:
    """`--clients` writers append for `--seconds`, each in a transaction doing `work_ms` more."""
    latencies: list[float] = []
    deadline = time.perf_counter() + args.seconds

    async def writer() -> None:
        actor = uuid.uuid4()
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            async with DB.transaction():
                await audit.record("bench.write", actor_id=actor, detail={"q": "smith"})
                if work_ms:  # the rest of the caller's transaction, e.g. a search's reads
                    await DB.fetchrow("SELECT pg_sleep($1)", work_ms / 1000)
            latencies.append((time.perf_counter() - sent) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(args.clients)))
    seconds = time.perf_counter() - started
    label = f"append + {work_ms:g} ms in the transaction" if work_ms else "append alone"
    return [
        label,
        len(latencies),
        len(latencies) / seconds,
        percentile(latencies, 50),
        percentile(latencies, 99),
    ]


async def bench(args: argparse.Namespace, dsn: str) -> None:
    """Migrate, then measure both phases and verify the chain."""
    DB.configure(dsn)
    settings = DatabaseSettings(pool_max_size=max(10, args.clients + 2))
    async with open_database(DB, settings):
        await apply_migrations(quiet=True)
        audit = AuditService(Database(DB))
        rows = [await phase(audit, args, 0.0), await phase(audit, args, args.work_ms)]
        report = await verify_chain(AuditStore(Database(DB)))
    print()
    print_table(["phase", "writes", "per s", "p50 ms", "p99 ms"], rows)
    print(f"\n{args.clients} writers; {report.summary()}")


def main() -> None:
    """Run in a scratch folder with its own PostgreSQL (and NATS, unused)."""
    args = parse_args()
    run_with_servers("hduce-bench-audit-", lambda dsn, _nats: bench(args, dsn), keep=args.keep)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted")
