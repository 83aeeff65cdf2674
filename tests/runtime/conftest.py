"""Fixtures for the runtime supervisor tests: scratch dirs under /tmp and hard process cleanup."""

import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

PidLister = Callable[[Path], list[int]]
GoneWaiter = Callable[[int, float], bool]


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
