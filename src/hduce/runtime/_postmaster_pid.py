"""Which server runs a data directory (its `postmaster.pid`), where, and whether it answers."""

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from hduce.runtime._process import pid_alive

_READS = 10


@dataclass(frozen=True, slots=True)
class PidFile:
    """What `postmaster.pid` says: pid (negative: a single-user backend), port, socket dir."""

    pid: int
    port: int
    socket_dir: Path


def read_pid_file(pgdata: Path) -> PidFile | None:
    """The postmaster's lock file, or None when there is none.

    postgres rewrites the file in place while it runs (its status line), so a read can catch it
    half-written: read again a few times before believing there is no server.
    """
    for _ in range(_READS):
        try:
            lines = (pgdata / "postmaster.pid").read_text().splitlines()
            return PidFile(
                pid=int(lines[0]),
                port=int(lines[3]),
                socket_dir=Path(lines[4].strip() or pgdata),
            )
        except FileNotFoundError:
            return None
        except (OSError, IndexError, ValueError):
            time.sleep(0.02)
    # Still unreadable: treated as "no server", postgres' own lock check stays the judge.
    return None


def dsn_for(info: PidFile) -> str:
    """An asyncpg DSN for the server the lock file describes (over its unix socket)."""
    query = f"host={quote(str(info.socket_dir), safe='/')}"
    if info.port != 5432:
        query += f"&port={info.port}"
    return f"postgresql://postgres@/postgres?{query}"


def accepting(pg_isready: Path, info: PidFile, timeout: float) -> bool:
    """Whether the server answers `pg_isready` within `timeout` (False at once if it died)."""
    target = ["-h", str(info.socket_dir), "-p", str(info.port), "-U", "postgres"]
    deadline = time.monotonic() + timeout
    while True:
        probe = subprocess.run(
            [str(pg_isready), "-q", "-d", "postgres", *target],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        if probe.returncode == 0:
            return True
        if time.monotonic() > deadline or not pid_alive(info.pid):
            return False
        time.sleep(0.05)
