"""Supervisor for the embedded PostgreSQL cluster shipped by pgserver."""

import contextlib
import hashlib
import os
import shlex
import shutil
import stat
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

# pgserver's get_server() is bypassed: its atexit/refcount stop logic leaks servers.
with warnings.catch_warnings():
    # pgserver asks platformdirs for a runtime dir at import; an unset XDG_RUNTIME_DIR is harmless.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    from pgserver._commands import POSTGRES_BIN_PATH
    from pgserver.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

from hduce.runtime._kept import KeptMark
from hduce.runtime._postmaster_pid import PidFile, accepting, dsn_for, read_pid_file
from hduce.runtime._process import (
    ServerStatus,
    SharedUse,
    dir_lock,
    kill_strays,
    pid_alive,
    wait_gone,
)
from hduce.runtime._traversal import passable_ancestors
from hduce.runtime.errors import EmbeddedServiceError, log_tail
from hduce.runtime.page_cache import auto_shared_buffers

PG_BIN_DIR: Path = POSTGRES_BIN_PATH
SYSTEM_USER = "pgserver"
_MAX_SOCKET_PATH = 107  # sizeof(sun_path) - 1 on Linux
USERS_LOCK = "hduce-users.lock"
"""In the data directory: shared by every live process using the server (see `SharedUse`)."""
KEPT = "hduce-kept"
"""In the data directory: the pid of the server `hduce db start` keeps running until `db stop`."""
INITDB_STAGING = ".hduce-initdb"
"""In the data directory: where initdb builds a new cluster, moved into place once complete."""
INITDB_DONE = ".hduce-initdb-done"
"""The staging directory's name once initdb has finished there (its move may still be under way)."""
_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class PostgresStatus(ServerStatus):
    """Snapshot of an embedded PostgreSQL cluster."""

    dsn: str | None
    pgdata: str


class EmbeddedPostgres:
    """Creates, starts, joins and stops the PostgreSQL cluster stored in one data directory."""

    def __init__(self, pgdata: Path, *, shared_buffers: str = "auto") -> None:
        # resolve() so the path matches what psutil reports as the postmaster's cwd.
        self.pgdata = Path(pgdata).expanduser().resolve()
        self._shared_buffers = shared_buffers
        self.log_file = self.pgdata / "postgres.log"
        self._users = SharedUse(self.pgdata / USERS_LOCK)
        self._kept = KeptMark(self.pgdata / KEPT)

    @property
    def shared_buffers(self) -> str:
        """The page cache the next start gives PostgreSQL (`auto`: see `auto_shared_buffers`)."""
        if self._shared_buffers == "auto":
            return auto_shared_buffers(self.pgdata)
        return self._shared_buffers

    @property
    def sole_user(self) -> bool:
        """Whether this object is the running server's only live user (release() stops it then)."""
        if not self._users.held:
            return False
        with dir_lock(self.pgdata):
            return self._live_pid_file() is not None and not self._users.others()

    def renew_use(self) -> None:
        """Count again as a user if the shared lock file was deleted (see `SharedUse.renew`)."""
        self._users.renew()

    @property
    def socket_dir(self) -> Path:
        """Directory for the unix socket: pgdata itself unless that path is too long."""
        if len(os.fsencode(self.pgdata / ".s.PGSQL.5432")) <= _MAX_SOCKET_PATH:
            return self.pgdata
        digest = hashlib.sha256(os.fsencode(self.pgdata)).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"hduce-pg-{digest}"

    def start(self) -> str:
        """Ensure the cluster exists and is running, and return an asyncpg DSN for it."""
        self.pgdata.mkdir(parents=True, exist_ok=True)
        with dir_lock(self.pgdata):
            return dsn_for(self._start_locked())

    def keep(self) -> str:
        """Start (or join) the server and keep it running, whoever joins it, until `stop()`."""
        self.pgdata.mkdir(parents=True, exist_ok=True)
        with dir_lock(self.pgdata):
            info = self._start_locked()
            self._kept.mark(info.pid)
            self._users.leave()
        return dsn_for(info)

    def _start_locked(self) -> PidFile:
        run_as = self._prepare_permissions()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb(run_as)
        self._users.join()  # after initdb: it wants an empty directory
        info = self._live_pid_file()
        if info is None:
            if (self.pgdata / "postmaster.pid").exists():
                self._clear_stale()
            self._kept.clear()  # a kept server that died is no longer kept
            self._pg_ctl_start(run_as)
            info = self._live_pid_file()
            if info is None:
                raise self._error("postgres exited right after starting")
        if not accepting(PG_BIN_DIR / "pg_isready", info, _TIMEOUT):
            raise self._error(f"server pid {info.pid} not accepting connections")
        return info

    def stop(self) -> None:
        """Stop the server with a fast shutdown (kept or not, used or not); nothing if stopped."""
        self._kept.clear()
        try:
            if self.pgdata.is_dir():
                with dir_lock(self.pgdata):
                    self._stop_locked(self._live_pid_file())
        finally:
            self._users.leave()

    def release(self) -> None:
        """Stop using the server; stop it too when no other live process uses it and not kept.

        Whoever started it: a `worker` whose watchdog restarted a crashed server leaves it
        to the `serve` still using it, and a command leaves it to a `serve` that joined it.
        """
        if not self._users.held:
            return
        with dir_lock(self.pgdata):
            last = not self._users.others()
            self._users.leave()
            info = self._live_pid_file()
            if last and not (info is not None and self._kept.holds(info.pid)):
                self._stop_locked(info)

    def _stop_locked(self, info: PidFile | None) -> None:
        if info is not None:
            stop_args = ["-D", str(self.pgdata), "-w", "-t", str(int(_TIMEOUT)), "-m", "fast"]
            self._run("pg_ctl", [*stop_args, "stop"], self._run_as())
            if not wait_gone(info.pid, _TIMEOUT):
                raise self._error(f"postmaster {info.pid} still alive after pg_ctl stop")
        # Children of a postmaster that was killed (and replaced) outlive it until they notice.
        kill_strays("postgres", self.pgdata)
        if info is not None and info.socket_dir != self.pgdata:
            with contextlib.suppress(OSError):
                info.socket_dir.rmdir()

    def status(self) -> PostgresStatus:
        """Report whether a live postmaster serves this data directory."""
        info = self._live_pid_file() if self.pgdata.is_dir() else None
        return PostgresStatus(
            running=info is not None,
            pid=info.pid if info else None,
            dsn=dsn_for(info) if info else None,
            pgdata=str(self.pgdata),
        )

    def _run_as(self) -> dict[str, Any]:
        if os.geteuid() != 0:
            return {}
        # postgres refuses to run as root; pgserver's convention is a dedicated system user.
        entry = ensure_user_exists(SYSTEM_USER)
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}

    def _prepare_permissions(self) -> dict[str, Any]:
        run_as = self._run_as()
        if run_as:
            readable = stat.S_IRGRP | stat.S_IROTH
            passable_ancestors(self.pgdata)
            ensure_prefix_permissions(PG_BIN_DIR)
            ensure_folder_permissions(PG_BIN_DIR, readable | stat.S_IXGRP | stat.S_IXOTH)
            ensure_folder_permissions(PG_BIN_DIR.parent / "lib", readable)
            os.chown(self.pgdata, run_as["user"], run_as["group"])
        socket_dir = self.socket_dir
        if socket_dir != self.pgdata:
            owner = run_as.get("user", os.geteuid())
            socket_dir.mkdir(mode=0o700, exist_ok=True)
            if run_as:
                os.chown(socket_dir, owner, run_as["group"])
            if socket_dir.stat().st_uid != owner:
                raise EmbeddedServiceError(f"socket dir {socket_dir} belongs to another user")
        return run_as

    def _initdb(self, run_as: dict[str, Any]) -> None:
        """Create the cluster so that a start killed at any point is redone, never half-made.

        initdb builds it in a staging directory inside the data directory, renamed once initdb
        has finished; its entries then move into place with `PG_VERSION` last, so a data
        directory with `PG_VERSION` holds a whole cluster. A start that finds the finished
        staging directory completes the move; an unfinished one is thrown away and redone.
        """
        done = self.pgdata / INITDB_DONE
        if not done.is_dir():
            staging = self.pgdata / INITDB_STAGING
            found = sorted(entry.name for entry in self.pgdata.iterdir() if entry != staging)
            if found:
                raise self._error(
                    f"initdb failed: the data directory holds no cluster but is not empty "
                    f"({', '.join(found[:5])}); empty it or choose another data directory"
                )
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(mode=0o700)
            if run_as:
                os.chown(staging, run_as["user"], run_as["group"])
            # C.UTF-8: deterministic byte-order collation, yet Unicode-aware lower() for search.
            args = ["-D", str(staging), "-U", "postgres", "--auth=trust", "--encoding=UTF8"]
            self._run("initdb", [*args, "--locale=C.UTF-8"], run_as)
            staging.rename(done)
        self.pgdata.chmod(stat.S_IMODE(done.stat().st_mode))  # postgres insists on 0700 or 0750
        for entry in sorted(done.iterdir(), key=lambda path: path.name == "PG_VERSION"):
            entry.rename(self.pgdata / entry.name)
        done.rmdir()

    def _pg_ctl_start(self, run_as: dict[str, Any]) -> None:
        server_opts = shlex.join(
            ["-h", "", "-k", str(self.socket_dir), "-c", f"shared_buffers={self.shared_buffers}"]
        )
        args = ["-D", str(self.pgdata), "-w", "-t", str(int(_TIMEOUT)), "-l", str(self.log_file)]
        self._run("pg_ctl", [*args, "-o", server_opts, "start"], run_as)

    def _live_pid_file(self) -> PidFile | None:
        info = read_pid_file(self.pgdata)
        # A negative pid is a single-user backend's (initdb's): never a server to join.
        if info is None or info.pid <= 0 or not pid_alive(info.pid):
            return None
        try:
            # A recycled pid or a postmaster of another cluster has a different working directory.
            return info if Path(psutil.Process(info.pid).cwd()) == self.pgdata else None
        except psutil.Error:
            return None

    def _clear_stale(self) -> None:
        """Remove what a crashed postmaster left behind so postgres can start and recover."""
        kill_strays("postgres", self.pgdata)
        # A zombie postmaster still answers kill(pid, 0): postgres would refuse these lock files.
        (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
        for lock in self.socket_dir.glob(".s.PGSQL.*.lock"):
            lock.unlink()

    def _run(self, exe: str, args: list[str], run_as: dict[str, Any]) -> None:
        # Output goes to a file, not a pipe: pg_ctl's daemonised postmaster could keep a pipe open.
        with tempfile.TemporaryFile("w+") as out:
            try:
                subprocess.run(
                    [str(PG_BIN_DIR / exe), *args],
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    cwd="/",
                    check=True,
                    timeout=_TIMEOUT + 10,
                    **run_as,
                )
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
                out.seek(0)
                lines = [line.strip() for line in out.read().splitlines() if line.strip()]
                output = " | ".join(lines[-3:])
                raise self._error(f"{exe} failed ({_reason(err)}): {output}") from err

    def _error(self, message: str) -> EmbeddedServiceError:
        return EmbeddedServiceError(
            f"PostgreSQL in {self.pgdata}: {message}; log tail: {log_tail(self.log_file)}"
        )


def _reason(err: subprocess.CalledProcessError | subprocess.TimeoutExpired) -> str:
    if isinstance(err, subprocess.TimeoutExpired):
        return f"timed out after {err.timeout:.0f} s"
    return f"exit status {err.returncode}"
