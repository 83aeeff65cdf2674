"""`hduce serve` over its embedded servers, with real processes: both servers killed at once, the
shared lock file deleted under it, and what its log says while PostgreSQL is down."""

import fcntl
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import psutil
import pytest
from tests.runtime.test_faults import _dead, embedded, http_status
from tests.support.processes import (
    hduce_env,
    hduce_process,
    processes_using,
    wait_until,
)

from hduce.runtime import free_port

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


@contextmanager
def starts_held_up(server_dir: Path) -> Iterator[None]:
    """Hold the server directory's lock, as a slow start (a long recovery) in another process
    does: a watchdog restarting that server waits for it."""
    fd = os.open(server_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


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
