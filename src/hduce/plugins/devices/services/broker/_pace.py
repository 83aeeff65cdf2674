"""How fast the broker reads one connection: a token bucket, repaid by waiting."""

import time

BURST_SECONDS = 2.0
"""A connection may send this many seconds' worth of packets at once before it is paced."""


class Pace:
    """At most `rate` packets a second on average, `rate * BURST_SECONDS` at once.

    The reader waits before reading the next packet instead of refusing anything: the bytes
    stay in the socket, TCP pushes back on the sender, and no message is lost.
    """

    def __init__(self, rate: float) -> None:
        self._rate = rate
        self._burst = rate * BURST_SECONDS
        self._tokens = self._burst
        self._at = time.monotonic()

    def delay(self) -> float:
        """Take one packet's token; the seconds to wait before reading the next (0: none)."""
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate) - 1
        self._at = now
        return 0.0 if self._tokens >= 0 else -self._tokens / self._rate
