"""Fixtures of the runtime tests: scratch dirs under /tmp, process cleanup, a fault database."""

import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import msgspec
import psutil
import pytest
from tests.support.context import isolated
from tests.support.faults import resume
from tests.support.probe import PROBE_TABLES
from tests.support.processes import kill_tree, processes_using

from hduce.core.config import Settings
from hduce.core.migrations import apply_migrations
from hduce.piccolo_conf import DB
from hduce.runtime import EmbeddedPostgres
from hduce.runtime.watchdog import Restartable

PidLister = Callable[[Path], list[int]]
GoneWaiter = Callable[[int, float], bool]
Crasher = Callable[[Restartable], None]


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_gone(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _postgres_pids(pgdata: Path) -> list[int]:
    target = str(pgdata.resolve())
    return [
        proc.pid
        for proc in psutil.process_iter(["name", "cwd", "status"])
        if proc.info["name"] == "postgres"
        and proc.info["cwd"] == target
        and proc.info["status"] != psutil.STATUS_ZOMBIE
    ]


def _nats_pids(store_dir: Path) -> list[int]:
    target = str(store_dir.resolve())
    return [
        proc.pid
        for proc in psutil.process_iter(["name", "cmdline", "status"])
        if proc.info["name"] == "nats-server"
        and target in (proc.info["cmdline"] or [])
        and proc.info["status"] != psutil.STATUS_ZOMBIE
    ]


def _kill_all(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        _wait_gone(pid)


@pytest.fixture
def workdir() -> Iterator[Path]:
    # Never under /root: pgserver opens every ancestor of pgdata to its system user.
    path = Path(tempfile.mkdtemp(prefix="hduce-rt-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def pgdata(workdir: Path) -> Iterator[Path]:
    path = workdir / "pg"
    yield path
    _kill_all(_postgres_pids(path))


@pytest.fixture
def store_dir(workdir: Path) -> Iterator[Path]:
    path = workdir / "nats"
    yield path
    _kill_all(_nats_pids(path))


@pytest.fixture
def postgres_pids() -> PidLister:
    return _postgres_pids


@pytest.fixture
def nats_pids() -> PidLister:
    return _nats_pids


@pytest.fixture
def wait_gone() -> GoneWaiter:
    return _wait_gone


def _crash(server: Restartable) -> None:
    pid = server.status().pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    assert _wait_gone(pid)


@pytest.fixture
def crash() -> Crasher:
    """SIGKILL an embedded server's main process and return once it is gone."""
    return _crash


@pytest.fixture(scope="module")
def fault_pg() -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL of this module's own, so it can be stopped and frozen."""
    folder = Path(tempfile.mkdtemp(prefix="hduce-faults-", dir="/tmp"))
    server = EmbeddedPostgres(folder / "pg")
    server.start()
    try:
        yield server
    finally:
        resume(server)
        server.stop()
        for leftover in processes_using(folder):
            kill_tree(leftover.pid)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
async def fault_dsn(fault_pg: EmbeddedPostgres) -> str:
    """The module's database, migrated, with the probe tables."""
    dsn = fault_pg.start()
    session_dsn = DB.dsn
    DB.configure(dsn)
    DB.pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    try:
        await apply_migrations(quiet=True)
        await DB.pool.execute(PROBE_TABLES)
    finally:
        await DB.close_pool()
        DB.configure(session_dsn)
    return dsn


@pytest.fixture(autouse=True)
def _engine_back_to_the_session_database() -> Iterator[None]:
    """Apps built here repoint the shared engine; later tests expect the session database."""
    config = dict(DB.config)
    yield
    DB.config = config


@pytest.fixture
def fault_settings(settings: Settings, fault_dsn: str) -> Settings:
    """Own task stream, the module's database, short deadlines and stall clock."""
    base = isolated(settings)
    database = msgspec.structs.replace(
        base.database, url=fault_dsn, acquire_timeout=1.0, statement_timeout=2.0
    )
    outbox = msgspec.structs.replace(base.outbox, poll_interval=0.5, stall_after=2.0)
    return msgspec.structs.replace(base, database=database, outbox=outbox)
