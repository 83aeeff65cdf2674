"""`hduce serve` losing its database while it applies the start-up migrations."""

import time
from pathlib import Path

import asyncpg
from tests.support.processes import hduce_env, hduce_process

from hduce.core.migrations import MIGRATION_LOCK
from hduce.runtime import free_port

WAITING_FOR_THE_LOCK = (
    "SELECT pid FROM pg_stat_activity"
    " WHERE wait_event_type = 'Lock' AND query LIKE '%pg_advisory_lock%'"
)


async def test_a_database_lost_during_migrations_is_one_line_and_exit_1(
    fault_dsn: str, tmp_path: Path
) -> None:
    # A command that had started the embedded PostgreSQL stopped it under a starting serve:
    # serve died with asyncpg's multi-line traceback (`ConnectionDoesNotExistError: ...
    # terminating connection due to administrator command`) instead of the promised one line.
    holder = await asyncpg.connect(fault_dsn)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)  # serve waits
        env = hduce_env(
            DATABASE_URL=fault_dsn,
            HDUCE_DATA_DIR=str(tmp_path / "data"),
            HDUCE_NATS__URL=f"nats://127.0.0.1:{free_port()}",
        )
        log = tmp_path / "serve.log"
        with hduce_process(["serve", "--port", str(free_port())], env, log) as serve:
            deadline = time.monotonic() + 60
            while not (waiting := await holder.fetchval(WAITING_FOR_THE_LOCK)):
                assert serve.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            await holder.execute("SELECT pg_terminate_backend($1)", waiting)
            code = serve.wait(timeout=60)
    finally:
        await holder.close()
    output = log.read_text()
    assert code == 1, output
    assert "Traceback" not in output, output
    assert "database" in output.strip().splitlines()[-1], output
