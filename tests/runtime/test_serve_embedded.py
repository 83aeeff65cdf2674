"""`hduce serve` over its embedded servers, with real processes: both servers killed at once, the
shared lock file deleted under it, and what its log says while PostgreSQL is down."""

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from pathlib import Path

import psutil
import pytest
from tests.runtime.test_faults import _dead, embedded, http_status
from tests.support.processes import (
    REPO_ROOT,
    hduce_env,
    hduce_process,
    processes_using,
    wait_until,
)

from hduce.runtime import free_port
from hduce.runtime._process import dir_lock

pytestmark = pytest.mark.faults

SERVERS = ("postgres", "nats-server")


@contextmanager
def serving(tmp_path: Path) -> Iterator[tuple[Path, str, dict[str, str]]]:
    """A healthy `hduce serve` on its own data dir: the dir, its health URL and its env."""
    data_dir = tmp_path / "data"
    port = free_port()
    health = f"http://127.0.0.1:{port}/health/detailed"
    env = hduce_env(HDUCE_DATA_DIR=str(data_dir), HDUCE_SERVER__PORT=str(port))
    log = tmp_path / "serve.log"
    try:
        with hduce_process(["serve"], env, log) as server:
            healthy = wait_until(lambda: http_status(health) == 200, timeout=90)
            assert healthy, log.read_text()[-3000:]
            yield data_dir, health, env
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    finally:  # what a failed run left behind (the servers are no children of ours)
        for process in processes_using(data_dir):
            process.kill()


def starts_held_up(server_dir: Path) -> AbstractContextManager[None]:
    """Hold the server directory's lock, as a slow start (a long recovery) in another process
    does: a watchdog restarting that server waits for it."""
    return dir_lock(server_dir)


def kill(victims: list[psutil.Process]) -> None:
    """kill -9 each, as the OOM killer would, and wait until they are gone."""
    for victim in victims:
        victim.kill()
    for victim in victims:
        assert wait_until(partial(_dead, victim), timeout=10)


def test_both_servers_killed_are_restarted_each_on_its_own(tmp_path: Path) -> None:
    """Regression: the watchdog restarted one server after the other, so NATS waited out all of
    PostgreSQL's restart (and all of it when that start hung)."""
    with serving(tmp_path) as (data_dir, health, _):
        victims = [embedded(data_dir, name) for name in SERVERS]
        with starts_held_up(data_dir / "pg"):
            kill(victims)
            back = wait_until(lambda: processes_using(data_dir / "nats"), timeout=15)
            assert back, "nats-server waited for PostgreSQL's restart"
            assert not [p for p in processes_using(data_dir) if p.name() == "postgres"]
        assert wait_until(lambda: http_status(health) == 200, timeout=60)
        assert {embedded(data_dir, name).pid for name in SERVERS}.isdisjoint(
            victim.pid for victim in victims
        )


def test_a_deleted_users_lock_file_does_not_let_a_command_stop_the_servers_under_serve(
    tmp_path: Path,
) -> None:
    """Regression: with `hduce-users.lock` deleted, the next command took itself for the servers'
    only user and stopped them as it exited, under serve."""
    with serving(tmp_path) as (data_dir, health, env):
        running = {name: embedded(data_dir, name).pid for name in SERVERS}
        for folder in ("pg", "nats"):
            (data_dir / folder / "hduce-users.lock").unlink()
        time.sleep(2.5)  # a watchdog tick or two
        done = subprocess.run(
            [sys.executable, "-m", "hduce", "user", "list"],
            env=env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        time.sleep(1)
        assert {name: embedded(data_dir, name).pid for name in SERVERS} == running
        assert http_status(health) == 200


def test_a_database_outage_logs_its_pool_refilling_in_one_line(tmp_path: Path) -> None:
    """Regression: asyncpg logged "Failed to restore the pool connection floor" with a whole
    traceback at each retry; the other outage messages are one line."""
    with serving(tmp_path) as (data_dir, health, _):
        log = tmp_path / "serve.log"
        with starts_held_up(data_dir / "pg"):
            kill([embedded(data_dir, "postgres")])
            assert wait_until(lambda: "pool" in log.read_text(), timeout=15), log.read_text()
            time.sleep(3)
        assert wait_until(lambda: http_status(health) == 200, timeout=60)
        text = log.read_text()
        assert "connection floor" not in text, text[-3000:]
        lines = [line for line in text.splitlines() if "database pool" in line]
        assert lines and all("Traceback" not in line for line in lines), text[-3000:]
        assert all("]: database pool" not in line for line in lines), lines  # no request's id
