"""Process and locking helpers shared by the supervisors."""

import contextlib
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


def kill_strays(name: str, cwd: Path) -> None:
    """SIGKILL every live process named `name` working in `cwd`; return once each is gone."""
    for proc in psutil.process_iter(["name", "cwd", "status"]):
        info = proc.info
        if (
            info["name"] == name
            and info["cwd"] == str(cwd)
            and info["status"] != psutil.STATUS_ZOMBIE
        ):
            with contextlib.suppress(psutil.Error):
                proc.kill()
            wait_gone(proc.pid, 5.0)


@contextmanager
def dir_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive flock on a directory, serialising supervisors across processes."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class SharedUse:
    """A shared lock file every live process using a server holds; the last one out stops it.

    The kernel drops a flock with its last descriptor, so a process that was killed no longer
    counts (the descriptor is not inherited by the server's processes: Python opens it
    non-inheritable). Call each method under the server directory's `dir_lock`: a process
    joining and one asking whether it is the last user then never interleave.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object counts as a user."""
        return self._fd is not None

    def join(self) -> None:
        """Count as a user (nothing if already one)."""
        if self._fd is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_SH)
            self._fd = fd

    def renew(self) -> None:
        """Join again, under the directory's lock, if the lock file was deleted or replaced.

        A lock held on a file no longer at `path` is invisible to a process joining later, which
        would take itself for the last user and stop the server under this one; each user's
        watchdog calls this every tick, so the file is back within one.
        """
        if self._fd is None or _same_file(self._fd, self.path):
            return
        with dir_lock(self.path.parent):
            stale, self._fd = self._fd, None
            self.join()
            os.close(stale)

    def others(self) -> bool:
        """Whether another live process (or another object) uses the server too; as a user.

        After the lock file was deleted, users that locked it again (`renew`) hold the file now
        at `path` and the others still the one this object holds: both are asked.
        """
        if self._fd is None:
            raise RuntimeError("only a user can ask whether there are others")
        if _locked_by_others(self._fd):
            return True
        if _same_file(self._fd, self.path):
            return False
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            return _locked_by_others(fd)
        finally:
            os.close(fd)

    def leave(self) -> None:
        """Count no more (nothing if not a user)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _locked_by_others(fd: int) -> bool:
    """Whether another open file holds a lock on the file of `fd`; `fd` holds a shared one after."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        fcntl.flock(fd, fcntl.LOCK_SH)  # a failed upgrade dropped the shared lock too
    return False


def _same_file(fd: int, path: Path) -> bool:
    """Whether `path` names the file open as `fd`."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)
