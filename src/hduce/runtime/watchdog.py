"""Restart embedded servers that died (kill -9, OOM killer, crash) with backoff, from threads."""

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

    def renew_use(self) -> None:
        """Count again as a user if the shared lock file was deleted."""


class Watchdog:
    """Polls each server and starts it again when it is gone; clients reconnect to the same URL.

    Each server has a thread of its own: two that died together are back after the longer of
    their restarts, and a start that hangs holds up no other. A server this process restarts is
    still shared: every live process using it keeps it running.
    """

    def __init__(
        self,
        servers: dict[str, Restartable],
        interval: float = 1.0,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
    ) -> None:
        self._interval = interval
        self._initial_backoff = initial_backoff
        self._max_backoff = max_backoff
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(
                target=self._watch, args=(name, server), name=f"hduce-watchdog-{name}", daemon=True
            )
            for name, server in servers.items()
        ]
        self.restarts: dict[str, int] = dict.fromkeys(servers, 0)

    def start(self) -> None:
        """Start watching."""
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop watching (before the servers are stopped on purpose)."""
        self._stop.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join()

    def _watch(self, name: str, server: Restartable) -> None:
        backoff = self._initial_backoff
        next_try = 0.0
        while not self._stop.wait(self._interval):
            if time.monotonic() < next_try:
                continue
            try:
                if server.status().running:
                    backoff = self._initial_backoff
                    server.renew_use()
                    continue
                logger.error("embedded %s is not running; restarting it", name)
                server.start()
            except Exception as exc:
                next_try = time.monotonic() + backoff
                logger.error(
                    "embedded %s could not be restarted (next try in %.0fs): %s", name, backoff, exc
                )
                backoff = min(backoff * 2, self._max_backoff)
            else:
                self.restarts[name] += 1
                logger.warning("embedded %s restarted", name)
