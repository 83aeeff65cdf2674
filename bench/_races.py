"""Races: many clients sending one request each at the same moment, timed by the server's answer.

The racers are cheap so that the latency is the server's: their connections are opened (a minimal
HTTP/1.1 client, `_keepalive.py`) and their requests encoded before the race, then all are
written in one go and every latency counts from the first write. An HTTP client library doing
the same on the same 2 cores adds its own queueing: with httpx, 100 racers on reused connections
measured p99 ~1.1 s where these measure 25-50 ms.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from _common import median, percentile
from _keepalive import KeepAliveClient


class Races:
    """Winners and latencies of a race series."""

    def __init__(self, label: str, timeout: float) -> None:
        self.label = label
        self.timeout = timeout
        self.winners: list[int] = []
        self.p99_ms: list[float] = []
        self.unfinished = 0
        self.errors = 0

    async def run(self, port: int, calls: list[tuple[str, dict[str, str], dict[str, str]]]) -> None:
        """POST every `(path, body, headers)` at once, each on a connection of its own; record it.

        The connections are opened (uvicorn closes idle ones after 5 s) and the requests built
        before the race; they are written together and latencies count from the first write,
        so they measure the server, not the client.
        """
        async with racing_connections(port, len(calls)) as racers:
            requests = [post(r, *call) for r, call in zip(racers, calls, strict=True)]
            await asyncio.sleep(0.2)  # the server has accepted every connection
            started = time.perf_counter()
            latencies_ms: list[float] = []

            async def answer(racer: KeepAliveClient) -> int:
                status = await racer.response()
                latencies_ms.append((time.perf_counter() - started) * 1000)
                return status

            for racer, request in zip(racers, requests, strict=True):
                racer.write(request)
            try:
                async with asyncio.timeout(self.timeout):
                    statuses = await asyncio.gather(*(answer(racer) for racer in racers))
            except TimeoutError:
                self.unfinished += 1
                return
        self.winners.append(sum(1 for s in statuses if s in (200, 201)))
        self.errors += sum(1 for s in statuses if s not in (200, 201, 409))
        self.p99_ms.append(percentile(latencies_ms, 99))
        print(
            f"{self.label} {len(self.winners)}: {self.winners[-1]} winner(s), "
            f"p99 {self.p99_ms[-1]:.0f} ms",
            flush=True,
        )

    def summary(self) -> str:
        """One line for the report."""
        one = sum(1 for w in self.winners if w == 1)
        return (
            f"{self.label}: one winner in {one}/{len(self.winners) + self.unfinished} races, "
            f"{self.unfinished} unfinished, {self.errors} answers neither won nor 409; "
            f"race p99 median {median(self.p99_ms):.0f} ms, max "
            f"{max(self.p99_ms, default=float('nan')):.0f} ms, "
            f"{sum(1 for p in self.p99_ms if p > 1000)} over 1 s"
        )


@asynccontextmanager
async def racing_connections(port: int, racers: int) -> AsyncIterator[list[KeepAliveClient]]:
    """`racers` open connections, closed as the block ends."""
    connections = [KeepAliveClient("127.0.0.1", port) for _ in range(racers)]
    try:
        for connection in connections:
            await connection.connect()
        yield connections
    finally:
        for connection in connections:
            await connection.close()


def post(racer: KeepAliveClient, path: str, body: dict[str, str], headers: dict[str, str]) -> bytes:
    """A JSON POST built before the race."""
    headers = {**headers, "Content-Type": "application/json"}
    return racer.encode("POST", path, headers, json.dumps(body).encode())
