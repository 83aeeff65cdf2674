"""EmbeddedPostgres against real pgserver binaries."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import psutil
import pytest

from hduce.runtime import EmbeddedPostgres, EmbeddedServiceError
from hduce.runtime.page_cache import memory_page_cache

# About 110 MB of rows (stored as they are: rows under 2 KB are neither compressed nor toasted).
GROW_TO_ABOUT_100_MB = (
    "CREATE TABLE filler AS SELECT repeat('x', 1000) AS pad FROM generate_series(1, 100000)"
)


OWN_AND_WAIT = (
    "import sys, time\n"
    "from hduce.runtime import EmbeddedPostgres\n"
    "EmbeddedPostgres(sys.argv[1]).start()\n"
    "print('started', flush=True)\n"
    "time.sleep(60)\n"
)
"""A process that starts (and so owns) the cluster, then waits to be killed."""

FIRST_START = (
    "import sys\n"
    "from hduce.runtime import EmbeddedPostgres\n"
    "EmbeddedPostgres(sys.argv[1]).start()\n"
)
"""A first start of the cluster (so initdb runs), to be killed mid-way."""


async def fetch(dsn: str, sql: str) -> object:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def test_first_start_creates_cluster_and_serves_queries(pgdata: Path) -> None:
    pg = EmbeddedPostgres(pgdata)
    dsn = pg.start()
    assert pg.sole_user
    assert (pgdata / "PG_VERSION").is_file()
    assert dsn == f"postgresql://postgres@/postgres?host={pgdata}"
    assert await fetch(dsn, "SELECT 1") == 1
    status = pg.status()
    assert status.running and status.pid and status.dsn == dsn
    pg.stop()


async def test_the_page_cache_is_sized_to_the_data_within_the_memory_share_or_set(
    pgdata: Path,
) -> None:
    """`auto` gives a fresh cluster PostgreSQL's own 128MB, not a memory share it cannot fill.

    Regression: a fresh install took an eighth of the host's memory (1GB here), which cost
    about 45 MB more resident memory across the server's processes for an empty database.
    """
    assert 128 <= memory_page_cache() >> 20 <= 1024
    fresh = EmbeddedPostgres(pgdata)
    dsn = fresh.start()
    try:
        assert await fetch(dsn, "SHOW shared_buffers") == "128MB"
        await fetch(dsn, GROW_TO_ABOUT_100_MB)
    finally:
        fresh.stop()
    grown = EmbeddedPostgres(pgdata)
    dsn = grown.start()
    try:
        cache = int((await fetch(dsn, "SHOW shared_buffers")).removesuffix("MB"))
    finally:
        grown.stop()
    assert min(200, memory_page_cache() >> 20) <= cache <= memory_page_cache() >> 20
    pg = EmbeddedPostgres(pgdata, shared_buffers="200MB")
    dsn = pg.start()
    try:
        assert await fetch(dsn, "SHOW shared_buffers") == "200MB"
    finally:
        pg.stop()


async def test_second_start_joins_and_the_last_user_out_stops_it(
    pgdata: Path, postgres_pids
) -> None:
    first = EmbeddedPostgres(pgdata)
    dsn = first.start()
    second = EmbeddedPostgres(pgdata)
    assert second.start() == dsn
    assert not second.sole_user and not first.sole_user
    assert first.start() == dsn  # idempotent
    second.release()
    assert await fetch(dsn, "SELECT 1") == 1
    assert first.sole_user
    first.release()
    assert postgres_pids(pgdata) == []


async def test_the_starter_stopping_leaves_the_server_to_its_other_users(
    pgdata: Path, postgres_pids, crash
) -> None:
    """`hduce user list` exiting while `serve` starts; a worker stopping after its watchdog
    restarted the server `serve` uses: either stopped the server under the other process."""
    command, serve = EmbeddedPostgres(pgdata), EmbeddedPostgres(pgdata)
    dsn = command.start()
    assert serve.start() == dsn
    command.release()
    assert await fetch(dsn, "SELECT 1") == 1, "the command stopped the server serve joined"
    worker = EmbeddedPostgres(pgdata)
    assert worker.start() == dsn
    crash(serve)
    assert worker.start() == dsn, "the worker's watchdog restarts the server"
    worker.release()  # the worker stops (SIGTERM)
    assert await fetch(dsn, "SELECT 1") == 1, "the worker stopped the server serve uses"
    serve.release()
    assert postgres_pids(pgdata) == []


def test_a_server_whose_starter_was_killed_is_stopped_by_its_last_user(
    pgdata: Path, postgres_pids
) -> None:
    # A SIGKILLed `hduce serve` leaves its PostgreSQL running; the next serve joined it without
    # owning it, so that PostgreSQL outlived the next clean stop too.
    owner = subprocess.Popen(
        [sys.executable, "-c", OWN_AND_WAIT, str(pgdata)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert owner.stdout is not None and owner.stdout.readline().strip() == "started"
    finally:
        owner.kill()
        owner.wait(timeout=10)
    left = EmbeddedPostgres(pgdata)
    assert left.status().running  # the killed owner's server runs on
    left.start()
    assert left.sole_user
    left.release()
    assert postgres_pids(pgdata) == []


async def test_a_kept_server_runs_until_stopped_whoever_started_or_joins_it(
    pgdata: Path, postgres_pids, wait_gone
) -> None:
    # `hduce db start` keeps the server; the next command took it over as "left by a dead
    # owner" and stopped it when it exited.
    serve = EmbeddedPostgres(pgdata)
    dsn = serve.start()
    assert EmbeddedPostgres(pgdata).keep() == dsn  # kept while another process uses it
    serve.release()
    for _ in range(2):
        command = EmbeddedPostgres(pgdata)
        assert command.start() == dsn
        command.release()
    assert await fetch(dsn, "SELECT 1") == 1
    kept_pid = serve.status().pid
    assert kept_pid is not None
    os.kill(kept_pid, signal.SIGKILL)  # a kept server that dies is no longer kept
    assert wait_gone(kept_pid, 5.0)
    after_crash = EmbeddedPostgres(pgdata)
    after_crash.start()
    after_crash.release()
    assert postgres_pids(pgdata) == []
    EmbeddedPostgres(pgdata).keep()
    EmbeddedPostgres(pgdata).stop()  # `db stop`: the next start's exit stops the server again
    command = EmbeddedPostgres(pgdata)
    command.start()
    command.release()
    assert postgres_pids(pgdata) == []


@pytest.mark.parametrize("stage", ["--boot", "--single"])
async def test_a_first_start_killed_during_initdb_is_redone_by_the_next_start(
    pgdata: Path, stage: str
) -> None:
    # A container stopped in the first second of its first start: initdb's backend (bootstrap,
    # then single-user) killed with it. Every later start failed ("pid must be a positive
    # integer": the backend's lock file), or ran on a cluster initdb had not finished.
    first = subprocess.Popen(
        [sys.executable, "-c", FIRST_START, str(pgdata)], start_new_session=True
    )
    try:
        _wait_for_initdb_backend(first.pid, stage)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    pg = EmbeddedPostgres(pgdata)
    assert not pg.status().running
    dsn = pg.start()
    try:
        conn = await asyncpg.connect(dsn)
        try:
            names = {row["datname"] for row in await conn.fetch("SELECT datname FROM pg_database")}
            views = await conn.fetchval("SELECT count(*) FROM information_schema.tables")
        finally:
            await conn.close()
        assert names == {"postgres", "template0", "template1"}
        assert views > 0
    finally:
        pg.stop()


def _wait_for_initdb_backend(pid: int, stage: str) -> None:
    """Return once a descendant of `pid` is initdb's `postgres {stage}` backend."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for child in psutil.Process(pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if child.name() == "postgres" and stage in child.cmdline():
                    return
        time.sleep(0.002)
    raise AssertionError(f"initdb never ran `postgres {stage}`")


async def test_stop_leaves_no_postgres_process(pgdata: Path, postgres_pids) -> None:
    pg = EmbeddedPostgres(pgdata)
    pg.start()
    assert postgres_pids(pgdata)
    pg.stop()
    assert postgres_pids(pgdata) == []
    assert not pg.status().running and not pg.sole_user
    pg.stop()  # stopping a stopped cluster is a no-op


async def test_data_persists_across_restart(pgdata: Path) -> None:
    pg = EmbeddedPostgres(pgdata)
    dsn = pg.start()
    conn = await asyncpg.connect(dsn)
    await conn.execute("CREATE TABLE note (body text); INSERT INTO note VALUES ('kept')")
    await conn.close()
    pg.stop()
    assert await fetch(pg.start(), "SELECT body FROM note") == "kept"
    pg.stop()


async def test_start_recovers_after_postmaster_sigkill(pgdata: Path, wait_gone) -> None:
    pg = EmbeddedPostgres(pgdata)
    dsn = pg.start()
    conn = await asyncpg.connect(dsn)
    await conn.execute("CREATE TABLE note (body text); INSERT INTO note VALUES ('committed')")
    await conn.close()
    old_pid = pg.status().pid
    assert old_pid is not None
    os.kill(old_pid, signal.SIGKILL)
    assert wait_gone(old_pid, 5.0)
    assert (pgdata / "postmaster.pid").exists()  # stale, left by the crash
    assert not pg.status().running

    dsn = pg.start()
    assert pg.sole_user and pg.status().pid != old_pid
    assert await fetch(dsn, "SELECT body FROM note") == "committed"
    pg.stop()


async def test_long_pgdata_path_uses_short_socket_dir(workdir: Path, postgres_pids) -> None:
    pgdata = workdir / ("d" * 60) / ("e" * 60) / "pg"
    pg = EmbeddedPostgres(pgdata)
    socket_dir = pg.socket_dir
    assert socket_dir != pgdata and len(str(socket_dir)) < 40
    try:
        dsn = pg.start()
        assert f"host={socket_dir}" in dsn
        assert await fetch(dsn, "SELECT 1") == 1
        pg.stop()
        assert not socket_dir.exists()
    finally:
        for pid in postgres_pids(pgdata):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(socket_dir, ignore_errors=True)


def test_start_failure_is_one_clear_line(pgdata: Path) -> None:
    pgdata.mkdir()
    (pgdata / "stray.txt").write_text("not a cluster")
    with pytest.raises(EmbeddedServiceError, match="initdb failed") as caught:
        EmbeddedPostgres(pgdata).start()
    assert "\n" not in str(caught.value)
