"""Process and locking helpers shared by the supervisors."""

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True, slots=True)
class ServerStatus:
    """Snapshot of an embedded server: whether it runs, and its process id when it does."""

    running: bool
    pid: int | None


def pid_alive(pid: int) -> bool:
    """Return whether pid is a live process; a zombie counts as dead."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_gone(pid: int, timeout: float) -> bool:
    """Wait until pid is dead (or a zombie); return False on timeout."""
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def terminate(pid: int, timeout: float) -> None:
    """Send SIGTERM, escalate to SIGKILL after timeout, and return once pid is gone."""
    try:
        proc = psutil.Process(pid)
        proc.terminate()
        if not wait_gone(pid, timeout):
            proc.kill()
            wait_gone(pid, timeout)
    except psutil.NoSuchProcess:
        return


@contextmanager
def dir_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive flock on a directory, serialising supervisors across processes."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
