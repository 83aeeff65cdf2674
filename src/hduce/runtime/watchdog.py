"""Restart embedded servers that died (kill -9, OOM killer, crash) with backoff, from a thread."""

import logging
import threading
import time
from typing import Protocol

from hduce.runtime._process import ServerStatus

logger = logging.getLogger("hduce.runtime")


class Restartable(Protocol):
    """An embedded server supervisor: `EmbeddedNats` or `EmbeddedPostgres`."""

    def status(self) -> ServerStatus:
        """Whether the server is running."""

    def start(self) -> str:
        """Start (or join) the server and return its URL."""


class Watchdog:
    """Polls each server and starts it again when it is gone; clients reconnect to the same URL.

    A server this process restarts is still shared: every live process using it keeps it running.
    """

    def __init__(
        self,
        servers: dict[str, Restartable],
        interval: float = 1.0,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
    ) -> None:
        self._servers = servers
        self._interval = interval
        self._initial_backoff = initial_backoff
        self._max_backoff = max_backoff
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hduce-watchdog", daemon=True)
        self.restarts: dict[str, int] = dict.fromkeys(servers, 0)

    def start(self) -> None:
        """Start watching."""
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (before the servers are stopped on purpose)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        backoff = dict.fromkeys(self._servers, self._initial_backoff)
        next_try = dict.fromkeys(self._servers, 0.0)
        while not self._stop.wait(self._interval):
            for name, server in self._servers.items():
                if self._stop.is_set() or time.monotonic() < next_try[name]:
                    continue
                try:
                    if server.status().running:
                        backoff[name] = self._initial_backoff
                        continue
                    logger.error("embedded %s is not running; restarting it", name)
                    server.start()
                except Exception as exc:
                    next_try[name] = time.monotonic() + backoff[name]
                    logger.error(
                        "embedded %s could not be restarted (next try in %.0fs): %s",
                        name,
                        backoff[name],
                        exc,
                    )
                    backoff[name] = min(backoff[name] * 2, self._max_backoff)
                else:
                    self.restarts[name] += 1
                    logger.warning("embedded %s restarted", name)
