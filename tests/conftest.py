"""Session-wide real services: embedded PostgreSQL (migrated once) and a real nats-server."""

import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import FrameType

import asyncpg
import psutil
import pytest

from hduce.core.config import DatabaseSettings, Settings, load_settings
from hduce.core.db import HduceEngine, open_database
from hduce.core.migrations import apply_migrations
from hduce.piccolo_conf import DB
from hduce.runtime import EmbeddedNats, EmbeddedPostgres
from tests.support.processes import REPO_ROOT, TEST_CONFIG, processes_using

TEST_JWT_SECRET = "hduce-tests-e55f3d78fbd6def44b93bfdb5ca0b556fecc16b2"
"""A fixed secret that passes the production secret policy."""


SERVER_FOLDERS: dict[Path, bool] = {}
"""The folders the session's servers run under (stopped by pid on SIGTERM), and whether the
folder is the session's scratch folder, removed then."""


def pytest_configure(config: pytest.Config) -> None:
    """A SIGTERM (`timeout`, a cancelled CI job) stops the session's servers before exiting.

    Python's default for SIGTERM exits at once, skipping the session fixtures' teardown: the
    session's PostgreSQL and nats-server outlived the run.
    """
    signal.signal(signal.SIGTERM, _stop_servers_and_exit)


def _stop_servers_and_exit(signum: int, frame: FrameType | None) -> None:
    """Pass the signal on (xdist's test processes do the same), stop the servers, exit."""
    children = psutil.Process().children()
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.send_signal(signal.SIGTERM)
    psutil.wait_procs(children, timeout=15)
    for folder, scratch in SERVER_FOLDERS.items():
        for process in processes_using(folder):
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        if scratch:
            shutil.rmtree(folder, ignore_errors=True)
    os._exit(128 + signum)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker per core, at most four (each starts its own servers)."""
    return min(os.cpu_count() or 1, 4)


@pytest.fixture(scope="session", autouse=True)
def no_server_outlives_the_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Stop, by pid, any PostgreSQL or nats-server left under the tests' folders at the end.

    A test that SIGKILLs a `hduce serve` it started (with its children) cannot reach the
    postmaster `pg_ctl` daemonised: it would outlive the run.
    """
    SERVER_FOLDERS[tmp_path_factory.getbasetemp()] = False
    yield
    for process in processes_using(tmp_path_factory.getbasetemp()):
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()


@pytest.fixture(scope="session")
def services_dir() -> Iterator[Path]:
    """A scratch folder under /tmp (never /root) for the session's servers."""
    with tempfile.TemporaryDirectory(prefix="hduce-test-") as folder:
        SERVER_FOLDERS[Path(folder)] = True
        yield Path(folder)


@pytest.fixture(scope="session")
def data_dir(services_dir: Path) -> Path:
    """The session's data dir: one per test process, as the telemetry spool is one process's.

    Its `models` is the checkout's `var/models`, so the local model is built once per checkout
    (written aside and renamed: two test processes may build it at the same time).
    """
    models = REPO_ROOT / "var" / "models"
    models.mkdir(parents=True, exist_ok=True)
    path = services_dir / "data"
    path.mkdir(mode=0o700)
    (path / "models").symlink_to(models, target_is_directory=True)
    return path


@pytest.fixture(scope="session")
def database_url(services_dir: Path) -> Iterator[str]:
    """A real embedded PostgreSQL for the whole session."""
    server = EmbeddedPostgres(services_dir / "pg")
    dsn = server.start()
    try:
        yield dsn
    finally:
        server.stop()


@pytest.fixture(scope="session")
def nats_url(services_dir: Path) -> Iterator[str]:
    """A real nats-server with JetStream for the whole session."""
    server = EmbeddedNats(services_dir / "nats")
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def migrated(database_url: str) -> str:
    """Apply every migration once; returns the database URL."""
    DB.configure(database_url)
    DB.pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        await apply_migrations()
    finally:
        await DB.close_pool()
    return database_url


@pytest.fixture(scope="session")
def settings(migrated: str, nats_url: str, data_dir: Path) -> Settings:
    """Test settings pointing at the session's servers and data dir."""
    environ = {
        "DATABASE_URL": migrated,
        "HDUCE_NATS__URL": nats_url,
        "HDUCE_DATA_DIR": str(data_dir),
        "JWT_SECRET": TEST_JWT_SECRET,
    }
    return load_settings(config_file=str(TEST_CONFIG), environ=environ)


@pytest.fixture
async def engine(migrated: str) -> AsyncIterator[HduceEngine]:
    """An engine with its own pool on the test's loop (what one more process would have)."""
    engine = HduceEngine()
    engine.configure(migrated)
    async with open_database(engine, DatabaseSettings()):
        yield engine


@pytest.fixture
async def raw_pool(migrated: str) -> AsyncIterator[asyncpg.Pool]:
    """A separate pool for test assertions, independent of the app's shared pool."""
    pool = await asyncpg.create_pool(migrated, min_size=1, max_size=3)
    try:
        yield pool
    finally:
        await pool.close()
